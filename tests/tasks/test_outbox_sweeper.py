"""The SMS outbox: a delivery row is committed with its login code; a message the broker
lost is published again by the sweep, late but not lost, and sends the same code."""

from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.utils import timezone
from rest_framework.test import APIClient

from auth_phone.models import LoginCode
from profiles.services.users import create_user
from project.celery import app
from tasks import services
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.conftest import last_code
from tests.phones import phone_number
from tests.support.processes import wait_for

PHONE = phone_number()


@pytest.fixture
def published(monkeypatch):
    calls = []
    monkeypatch.setattr(
        services, "_publish", lambda pk, task_id, notice="": calls.append((pk, task_id))
    )
    return calls


def delivery_aged(status, seconds, phone=PHONE, task_id="t-1"):
    user = create_user(phone=phone)
    login_code = LoginCode.objects.create(
        user=user, expires_at=timezone.now() + timedelta(seconds=300)
    )
    delivery = SmsDelivery.objects.create(
        login_code=login_code, phone=phone, backend="locmem", task_id=task_id, status=status
    )
    then = timezone.now() - timedelta(seconds=seconds)
    SmsDelivery.objects.filter(pk=delivery.pk).update(created_at=then, updated_at=then)
    return delivery


@pytest.mark.django_db
def test_a_fresh_delivery_is_left_to_its_message(published, settings):
    settings.OUTBOX_REDELIVER_AFTER = 30
    delivery_aged(SmsDelivery.Status.QUEUED, 5)
    assert services.redeliver_pending_sms() == 0
    assert published == []


@pytest.mark.django_db
def test_a_queued_delivery_past_the_delay_is_published_again_once(published, settings):
    settings.OUTBOX_REDELIVER_AFTER = 30
    delivery = delivery_aged(SmsDelivery.Status.QUEUED, 31)
    assert services.redeliver_pending_sms() == 1
    assert published == [(delivery.pk, "t-1")]
    # The clock restarted: the next sweep leaves it to the message it just published.
    assert services.redeliver_pending_sms() == 0
    assert len(published) == 1
    delivery.refresh_from_db()
    assert delivery.status == SmsDelivery.Status.QUEUED


@pytest.mark.django_db
def test_a_retry_waiting_in_the_broker_is_given_its_backoff(published, settings):
    settings.OUTBOX_REDELIVER_AFTER = 30
    settings.SMS_RETRY_BACKOFF_MAX = 60
    delivery_aged(SmsDelivery.Status.RETRYING, 60, task_id="t-1")
    late = delivery_aged(
        SmsDelivery.Status.RETRYING, 91, phone=phone_number(1234568), task_id="t-2"
    )
    assert services.redeliver_pending_sms() == 1
    assert published == [(late.pk, "t-2")]


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["sent", "failed", "stale"])
def test_finished_deliveries_are_never_published_again(published, settings, status):
    settings.OUTBOX_REDELIVER_AFTER = 0
    delivery = delivery_aged(status, 100)
    assert services.redeliver_pending_sms() == 0
    assert published == []
    delivery.refresh_from_db()
    assert delivery.status == status


@pytest.mark.django_db
def test_a_delivery_older_than_its_code_is_marked_stale_not_sent(published, settings):
    delivery = delivery_aged(SmsDelivery.Status.QUEUED, settings.LOGIN_CODE_TTL + 1)
    assert services.redeliver_pending_sms() == 0
    assert published == []
    delivery.refresh_from_db()
    assert delivery.status == SmsDelivery.Status.STALE


@pytest.mark.django_db
def test_a_lost_notice_is_published_again_with_its_name_however_late(monkeypatch, settings):
    from tasks.tasks import deliver_notice

    calls = []
    monkeypatch.setattr(deliver_notice, "apply_async", lambda *a, **k: calls.append((a, k)))
    delivery = services.queue_notice_sms(phone=PHONE, notice="phone_changed")
    then = timezone.now() - timedelta(seconds=settings.LOGIN_CODE_TTL + 1)
    SmsDelivery.objects.filter(pk=delivery.pk).update(created_at=then, updated_at=then)

    assert services.redeliver_pending_sms() == 1
    assert calls == [(((delivery.pk, "phone_changed"),), {"task_id": delivery.task_id})]
    delivery.refresh_from_db()
    assert delivery.status == SmsDelivery.Status.QUEUED


@pytest.fixture
def no_worker_yet(transactional_db, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    settings.CELERY_TASK_ALWAYS_EAGER = False  # Celery reads Django settings live


def test_an_sms_lost_with_the_broker_is_sent_by_the_sweep(no_worker_yet, settings):
    client = APIClient()
    response = client.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 201
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    assert broker.llen("sms") == 1
    broker.flushdb()  # a restart without persistence: the queued message is gone
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.QUEUED

    settings.OUTBOX_REDELIVER_AFTER = 0
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False):
        assert app.send_task("tasks.redeliver_pending_sms").get(timeout=30) == 1
        wait_for(
            lambda: SmsDelivery.objects.filter(status="sent").exists(), 30, "the lost SMS sent"
        )

    assert len(LocmemSender.outbox) == 1
    login = client.post(
        "/users/login/", {"phone": PHONE, "password": last_code(PHONE)}, format="json"
    )
    assert login.status_code == 200
