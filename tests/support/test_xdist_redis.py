"""Each pytest-xdist worker has its own Redis database, so one worker's FLUSHDB before
every test leaves the other's keys and broker messages alone."""

import os
import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from tests.support.xdist_redis import BASE_URL_VARIABLE, worker_redis_url


def test_worker_n_takes_the_database_n_below_the_named_one():
    assert worker_redis_url("redis://127.0.0.1:6379/15", 0) == "redis://127.0.0.1:6379/15"
    assert worker_redis_url("redis://127.0.0.1:6379/15", 1) == "redis://127.0.0.1:6379/14"
    assert worker_redis_url("redis://:pw@redis:6379/3?x=1", 2) == "redis://:pw@redis:6379/1?x=1"
    with pytest.raises(pytest.UsageError, match="gw2"):
        worker_redis_url("redis://127.0.0.1:6379/1", 2)


def test_the_keys_of_this_worker_land_in_its_own_database():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        assert BASE_URL_VARIABLE not in os.environ
        expected = os.environ["REDIS_URL"]
    else:
        expected = worker_redis_url(os.environ[BASE_URL_VARIABLE], int(worker[2:]))
    assert expected == settings.REDIS_URL
    assert expected == settings.CELERY_BROKER_URL

    name = f"xdist-probe-{uuid.uuid4().hex}"
    cache.set(name, 1)
    assert redis.Redis.from_url(expected).keys(f"*{name}")
