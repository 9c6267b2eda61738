"""Unreachable Redis, broker or database answer 503 with a clear detail, never a 500."""

import pytest
from django.db import OperationalError
from django.test import RequestFactory, override_settings
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from auth_phone.models import LoginCode
from core.errors import api_exception_handler
from core.ops.middleware import ServiceUnavailableMiddleware
from profiles.models import User
from project.celery import app
from tasks.models import SmsDelivery
from tests.phones import phone_number

PHONE = phone_number()
DEAD_REDIS = "redis://127.0.0.1:1/0"  # port 1: nothing listens


def test_redis_down_answers_503_and_writes_nothing(api, settings):
    caches = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    with override_settings(CACHES=caches):
        response = api.post("/auth/sms/", {"phone": PHONE}, format="json")
        login = api.post("/users/login/", {"phone": PHONE, "password": "1234"}, format="json")
    assert response.status_code == 503
    assert response.json() == {
        "detail": "Service temporarily unavailable: Redis cannot be reached. Try again later.",
        "code": "service_unavailable",
    }
    assert login.status_code == 503
    assert not User.objects.exists()


@pytest.fixture
def dead_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # Celery reads Django settings live
    settings.CELERY_BROKER_URL = DEAD_REDIS
    app._pool = None  # drop connections made to the live broker
    app.amqp._producer_pool = None
    yield
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_broker_down_answers_503(dead_broker):
    from rest_framework.test import APIClient

    response = APIClient().post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 503
    assert "message broker" in response.json()["detail"]
    # The code row committed before the publish failed, but nothing was sent and the
    # rate-limit reservations were given back: the user can simply ask again.
    from django.core.cache import cache

    assert cache.get(f"rl:sms:cooldown:{PHONE}") is None
    delivery = SmsDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.error == "Could not be queued: OperationalError"
    status = APIClient().get(f"/tasks/{delivery.task_id}/")
    assert status.status_code == 200 and status.json()["status"] == "FAILURE"
    assert LoginCode.objects.count() == 1


@pytest.mark.parametrize(
    "exc, words",
    [
        (OperationalError("connection refused"), "database"),
        (RedisConnectionError("refused"), "Redis"),
        (BrokerError("refused"), "message broker"),
    ],
)
def test_each_outage_is_named_in_the_503(exc, words):
    response = api_exception_handler(exc, {})
    assert response.status_code == 503
    assert words in response.data["detail"]


def test_other_database_errors_are_a_400_not_a_500():
    from django.db import DataError

    response = api_exception_handler(DataError("value too long"), {})
    assert response.status_code == 400


def test_unknown_errors_still_surface():
    assert api_exception_handler(ZeroDivisionError(), {}) is None


def test_pages_outside_the_api_answer_503_on_an_outage():
    middleware = ServiceUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/admin/")
    response = middleware.process_exception(request, OperationalError("down"))
    assert response.status_code == 503
    assert b"database" in response.content
    assert middleware.process_exception(request, ValueError("bug")) is None
