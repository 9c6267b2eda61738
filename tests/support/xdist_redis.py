"""One Redis database per pytest-xdist worker.

Every test starts with `cache.clear()` (FLUSHDB) and the Celery broker shares the cache's
database, so two workers on one database would wipe each other's keys and messages.
Worker gwN takes the database N below the one REDIS_URL names: with the default
(redis://127.0.0.1:6379/15) gw0 uses 15 and gw1 14; with REDIS_URL=.../12, gw0 uses 12
and gw1 11. Without xdist nothing changes. PostgreSQL needs nothing of the kind:
pytest-django gives each worker its own test database (test_<name>_gwN).

Loaded with `-p` (addopts in pyproject.toml), so that the hook below runs after pytest-env
has set the defaults and before pytest-django loads the settings, which read REDIS_URL
once. The processes a test starts (gunicorn, Celery workers) inherit the changed variable.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

#: REDIS_URL as it was before this worker moved it, for the test that checks the move.
BASE_URL_VARIABLE = "PYTEST_BASE_REDIS_URL"


def worker_redis_url(url: str, worker: int) -> str:
    """`url` with its database number lowered by `worker`."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) - worker
    if database < 0:
        raise pytest.UsageError(
            f"REDIS_URL={url} leaves no Redis database for xdist worker gw{worker}: "
            "name a higher database, or run fewer workers"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.hookimpl(tryfirst=True)  # after pytest-env's (registered later, so called first)
def pytest_load_initial_conftests() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1 ...; unset without xdist
    url = os.environ.get("REDIS_URL", "")
    if not worker or not url or BASE_URL_VARIABLE in os.environ:
        return
    os.environ[BASE_URL_VARIABLE] = url
    number = int(worker.removeprefix("gw"))
    os.environ["REDIS_URL"] = worker_redis_url(url, number)
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis://"):
        os.environ["CELERY_BROKER_URL"] = worker_redis_url(broker, number)
