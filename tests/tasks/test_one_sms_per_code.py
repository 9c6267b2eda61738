"""One SMS per code: a backlog in the broker (workers stopped, the sweep run again and again)
and then a worker's many threads taking every copy at once still send each code,
phone-change code and notice exactly once. A real worker (threads pool) over the Redis
broker: one per test process, as several in one process share kombu's event loop and can
lose their broker connections to each other."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from project.celery import app
from tasks import services
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.conftest import client_for
from tests.factories import next_phone
from tests.phones import phone_number
from tests.support.processes import wait_for

SWEEPS = 10
THREADS = 12  # more than the deliveries: copies of one delivery race each other


@pytest.fixture
def no_worker_yet(transactional_db, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    settings.CELERY_TASK_ALWAYS_EAGER = False  # Celery reads Django settings live
    settings.RATE_LIMITS_ENABLED = False
    settings.OUTBOX_REDELIVER_AFTER = 0  # every sweep publishes every waiting delivery
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    broker.flushdb()  # (this test's own Redis database: no message of another test)
    return broker


def queued_messages(broker: redis.Redis) -> int:
    return sum(broker.llen(key) for key in broker.keys("*") if broker.type(key) == b"list")


def test_a_backlog_swept_many_times_sends_each_code_once(no_worker_yet, make_user):
    broker = no_worker_yet
    login_phone, old_phone, new_phone = next_phone(), next_phone(), next_phone()
    assert APIClient().post("/auth/sms/", {"phone": login_phone}, format="json").status_code == 201
    user = make_user(phone=old_phone)
    change = client_for(user).patch("/users/update/me/", {"phone": new_phone}, format="json")
    assert change.status_code == 202, change.content
    with transaction.atomic():
        services.queue_notice_sms(phone=old_phone, notice="phone_changed")
    assert SmsDelivery.objects.filter(status="queued").count() == 3

    # Workers are down: the sweep publishes every delivery again, run after run.
    for _ in range(SWEEPS):
        assert services.redeliver_pending_sms() == 3
    assert queued_messages(broker) == 3 * (SWEEPS + 1)

    with start_worker(app, pool="threads", concurrency=THREADS, perform_ping_check=False):
        # The sweep goes on while they work: a claimed delivery is not published again.
        for _ in range(5):
            services.redeliver_pending_sms()
        wait_for(
            lambda: SmsDelivery.objects.filter(status="sent").count() == 3
            and queued_messages(broker) == 0,
            60,
            "every copy of every message taken",
        )
        services.redeliver_pending_sms()

    sent_to = sorted(m["phone"] for m in LocmemSender.outbox)
    assert sent_to == sorted([login_phone, new_phone, old_phone]), LocmemSender.outbox
    assert list(SmsDelivery.objects.values_list("attempts", flat=True)) == [1, 1, 1]


@pytest.mark.django_db
def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_runs_out():
    delivery = SmsDelivery.objects.create(
        phone=phone_number(1234567), backend="locmem", task_id="t-1"
    )
    assert services.claim(delivery.pk)
    assert not services.claim(delivery.pk)  # a duplicate message: nothing to do
    assert services.redeliver_pending_sms() == 0  # the lease holds: nothing is published

    SmsDelivery.objects.filter(pk=delivery.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )  # the worker died mid-send
    assert services.claim(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "sending" and delivery.attempts == 2


@pytest.mark.django_db
def test_an_expired_lease_is_published_again_once_and_claimed_by_that_message(monkeypatch):
    published = []
    monkeypatch.setattr(services, "_publish", lambda *args: published.append(args))
    delivery = SmsDelivery.objects.create(
        phone=phone_number(1234567), backend="locmem", task_id="t-1", notice="phone_changed"
    )
    assert services.claim(delivery.pk)
    SmsDelivery.objects.filter(pk=delivery.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.redeliver_pending_sms() == 1
    assert services.redeliver_pending_sms() == 0  # its clock restarted
    assert published == [(delivery.pk, "t-1", "phone_changed")]
    delivery.refresh_from_db()
    assert delivery.status == "queued" and delivery.lease_until is None
    assert services.claim(delivery.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["sent", "failed", "stale"])
def test_a_done_delivery_is_never_claimed(status):
    delivery = SmsDelivery.objects.create(
        phone=phone_number(1234567), backend="locmem", task_id="t-1", status=status
    )
    assert not services.claim(delivery.pk)


@pytest.mark.django_db
def test_a_sending_row_of_the_previous_release_is_claimed_only_after_a_lease(settings):
    """The previous release kept no lease: its clock for a sending row was updated_at."""
    delivery = SmsDelivery.objects.create(
        phone=phone_number(1234567), backend="locmem", task_id="t-1", status="sending"
    )
    assert not services.claim(delivery.pk)
    then = timezone.now() - timedelta(seconds=services.lease_seconds() + 1)
    SmsDelivery.objects.filter(pk=delivery.pk).update(updated_at=then)
    assert services.claim(delivery.pk)
