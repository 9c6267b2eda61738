"""Housekeeping jobs that `celery beat` schedules (CELERY_BEAT_SCHEDULE in settings).

Each job works in batches of RETENTION_BATCH_SIZE rows, one short statement at a time (no
long lock, no huge transaction), stops when RETENTION_JOB_SECONDS are spent (the next
run goes on), and is idempotent: a second run finds nothing left to do. The jobs on an
app's rows live in that app (`auth_phone/retention.py`, `tasks/retention.py`,
`webhooks/retention.py`), use the helpers here and run as that app's tasks
(`auth_phone.delete_dead_login_codes`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)


def in_batches(step: Callable[[int], int]) -> int:
    """Call step(batch_size) until it handles less than a batch or time is up; return
    the rows handled."""
    deadline = time.monotonic() + settings.RETENTION_JOB_SECONDS
    batch, total = settings.RETENTION_BATCH_SIZE, 0
    while True:
        done = step(batch)
        total += done
        if done < batch or time.monotonic() >= deadline:
            return total


def run(job: Callable[[], int]) -> int:
    count = job()
    logger.info("%s: %d row(s)", job.__name__, count)
    return count
