"""Webhooks end to end: PostgreSQL, Redis, a real Celery worker and a local receiver."""

import json
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from profiles.models import User
from project.celery import app
from tests.conftest import last_code
from tests.factories import WebhookEndpointFactory
from tests.phones import phone_number
from tests.support.processes import wait_for
from tests.webhooks.receiver import Receiver
from webhooks import services, signing
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

PHONE = phone_number()
OTHER = phone_number(1234568)
SECRET = "whsec-test-0123456789"


@pytest.fixture
def stack(transactional_db, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_RETRY_BACKOFF = 0
    settings.RATE_LIMITS_ENABLED = False


def sweep_until(condition, what):
    """Run the sweep through the worker until `condition` holds (retries are due at once)."""

    def step():
        app.send_task("webhooks.redeliver_pending_webhooks")
        return condition()

    return wait_for(step, 30, what)


def login(client, phone):
    def received() -> int:
        return sum(m["phone"] == phone for m in _outbox())

    before = received()
    client.post("/auth/sms/", {"phone": phone}, format="json")
    wait_for(lambda: received() > before, 30, f"SMS to {phone}")
    response = client.post(
        "/users/login/", {"phone": phone, "password": last_code(phone)}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def _outbox():
    from tasks.sms import LocmemSender

    return LocmemSender.outbox


def test_each_event_arrives_once_with_a_valid_signature(stack):
    with Receiver([200]) as receiver:
        WebhookEndpointFactory(url=receiver.url, secret=SECRET, events=["*"])
        client = APIClient()
        with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False):
            inviter = login(client, OTHER)
            tokens = login(client, PHONE)
            login(client, PHONE)  # a second login: no second user.logged_in
            code = User.objects.get(pk=inviter["user_id"]).invite_code
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
            update = f"/users/update/{tokens['user_id']}/"
            assert client.patch(update, {"user_referral": code}, format="json").status_code == 200
            delete = f"/users/delete/{tokens['user_id']}/"
            assert client.delete(delete).status_code == 204
            wait_for(
                lambda: WebhookDelivery.objects.filter(status="delivered").count() == 6,
                30,
                "six events delivered",
            )

    types = [r["headers"]["X-Webhook-Event"] for r in receiver.requests]
    assert sorted(types) == sorted(
        ["user.created", "user.created", "user.logged_in", "user.logged_in",
         "invite.activated", "user.deleted"]
    )  # fmt: skip
    ids = [r["headers"]["X-Webhook-Id"] for r in receiver.requests]
    assert len(set(ids)) == 6  # each event once
    for request in receiver.requests:
        body = json.loads(request["body"])
        assert set(body) == {"id", "type", "created_at", "data"}
        assert body["id"] == request["headers"]["X-Webhook-Id"]
        assert str(uuid.UUID(body["id"])) == body["id"]
        assert body["type"] == request["headers"]["X-Webhook-Event"]
        header = request["headers"]["X-Webhook-Signature"]
        assert signing.verify(secret=SECRET, body=request["body"], header=header)
        assert not signing.verify(secret="wrong", body=request["body"], header=header)
        assert not signing.verify(secret=SECRET, body=request["body"] + b" ", header=header)
    activated = next(
        json.loads(r["body"]) for r in receiver.requests
        if r["headers"]["X-Webhook-Event"] == "invite.activated"
    )  # fmt: skip
    assert activated["data"]["phone"] == PHONE
    assert activated["data"]["inviter_phone"] == OTHER
    assert activated["data"]["invite_code"] == code


def test_a_receiver_that_fails_twice_gets_the_same_event_three_times(stack):
    with Receiver([500, 503, 204]) as receiver:
        WebhookEndpointFactory(url=receiver.url, secret=SECRET, events=["user.created"])
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False):
            assert (
                APIClient().post("/auth/sms/", {"phone": PHONE}, format="json").status_code == 201
            )
            sweep_until(
                lambda: WebhookDelivery.objects.filter(status="delivered").exists(),
                "the third attempt delivered",
            )

    assert len(receiver.requests) == 3
    assert len({r["headers"]["X-Webhook-Id"] for r in receiver.requests}) == 1
    assert len({r["body"] for r in receiver.requests}) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 3
    log = list(
        WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", "success")
    )
    assert log == [(500, False), (503, False), (204, True)]
    assert WebhookEndpoint.objects.get().consecutive_failures == 0


def test_the_sweep_delivers_a_webhook_the_broker_lost(stack, settings):
    with Receiver([200]) as receiver:
        WebhookEndpointFactory(url=receiver.url, secret=SECRET, events=["user.created"])
        assert APIClient().post("/auth/sms/", {"phone": PHONE}, format="json").status_code == 201
        redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()  # all messages gone
        assert WebhookDelivery.objects.get().status == "queued"
        settings.OUTBOX_REDELIVER_AFTER = 0
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False):
            assert services.redeliver_pending() == 1
            wait_for(
                lambda: WebhookDelivery.objects.filter(status="delivered").exists(),
                30,
                "the lost webhook delivered",
            )
    assert len(receiver.requests) == 1
    assert receiver.requests[0]["headers"]["X-Webhook-Event"] == "user.created"
