"""Housekeeping jobs that `celery beat` schedules (CELERY_BEAT_SCHEDULE in settings).

Each job works in batches of RETENTION_BATCH_SIZE rows, one short statement at a time (no
long lock, no huge transaction), stops when RETENTION_JOB_SECONDS are spent (the next
run goes on), and is idempotent: a second run finds nothing left to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat, Left, Length, Repeat, Right
from django.utils import timezone

from auth_phone.models import LoginCode
from profiles.models import User
from tasks.models import SmsDelivery

logger = logging.getLogger(__name__)


def _in_batches(step: Callable[[int], int]) -> int:
    """Call step(batch_size) until it handles less than a batch or time is up; return
    the rows handled."""
    deadline = time.monotonic() + settings.RETENTION_JOB_SECONDS
    batch, total = settings.RETENTION_BATCH_SIZE, 0
    while True:
        done = step(batch)
        total += done
        if done < batch or time.monotonic() >= deadline:
            return total


def delete_dead_login_codes() -> int:
    """Delete login codes that can no longer log anyone in: used or expired."""
    now = timezone.now()

    def step(batch: int) -> int:
        dead = Q(used_at__isnull=False) | Q(expires_at__lte=now)
        ids = list(LoginCode.objects.filter(dead).values_list("pk", flat=True)[:batch])
        LoginCode.objects.filter(dead, pk__in=ids).delete()
        return len(ids)

    return _in_batches(step)


def delete_unverified_users() -> int:
    """Delete accounts that were created by a code request and never logged in, older
    than UNVERIFIED_USER_TTL days. Staff, accounts with a recent code request and accounts
    whose invite code somebody activated are kept."""
    cutoff = timezone.now() - timedelta(days=settings.UNVERIFIED_USER_TTL)
    recent_code = LoginCode.objects.filter(user=OuterRef("pk"), created_at__gt=cutoff)
    invited = User.objects.filter(referred_by=OuterRef("pk"))
    candidates = User.objects.filter(
        phone_verified_at__isnull=True,
        last_login__isnull=True,
        date_joined__lt=cutoff,
        is_staff=False,
        is_superuser=False,
    ).filter(~Exists(recent_code), ~Exists(invited))

    def step(batch: int) -> int:
        with transaction.atomic():
            # Rows a request holds right now (a login in progress) are skipped, not waited for.
            ids = list(
                candidates.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch]
            )
            User.objects.filter(pk__in=ids).delete()
        return len(ids)

    return _in_batches(step)


def anonymise_sms_log() -> int:
    """Mask the phone of delivery-log rows older than SMS_LOG_RETENTION_DAYS
    (`+79111234567` -> `+791*****567`, as in the logs)."""
    cutoff = timezone.now() - timedelta(days=settings.SMS_LOG_RETENTION_DAYS)
    old = SmsDelivery.objects.filter(created_at__lt=cutoff).exclude(phone__contains="*")
    masked = Concat(Left("phone", 4), Repeat(Value("*"), Length("phone") - 7), Right("phone", 3))

    def step(batch: int) -> int:
        ids = list(old.values_list("pk", flat=True)[:batch])
        SmsDelivery.objects.filter(pk__in=ids).update(phone=masked, error="")
        return len(ids)

    return _in_batches(step)


def _run(job: Callable[[], int]) -> int:
    count = job()
    logger.info("%s: %d row(s)", job.__name__, count)
    return count


@shared_task(name="project.retention.delete_dead_login_codes")
def delete_dead_login_codes_task() -> int:
    return _run(delete_dead_login_codes)


@shared_task(name="project.retention.delete_unverified_users")
def delete_unverified_users_task() -> int:
    return _run(delete_unverified_users)


@shared_task(name="project.retention.anonymise_sms_log")
def anonymise_sms_log_task() -> int:
    return _run(anonymise_sms_log)


@shared_task(name="project.retention.flush_expired_tokens")
def flush_expired_tokens_task() -> None:
    """simplejwt's flushexpiredtokens: outstanding and blacklisted tokens past expiry."""
    call_command("flushexpiredtokens")
