"""The webhook log's housekeeping, against PostgreSQL: finished deliveries and the events
nobody needs go after WEBHOOK_RETENTION_DAYS, in batches; pending ones and their events
stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import WebhookEndpointFactory
from tests.phones import phone_number
from webhooks import retention
from webhooks import tasks as webhook_tasks
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


@pytest.fixture
def endpoint():
    return WebhookEndpointFactory()


def event(*, days_old: int) -> WebhookEvent:
    row = WebhookEvent.objects.create(
        type="user.created", data={"user_id": 1, "phone": phone_number()}
    )
    WebhookEvent.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(days=days_old)
    )
    return row


def delivery(endpoint, *, days_old: int, status: str, of: WebhookEvent | None = None):
    row = WebhookDelivery.objects.create(
        event=of or event(days_old=days_old),
        endpoint=endpoint,
        status=status,
        attempts=1,
        next_attempt_at=timezone.now(),
    )
    WebhookAttempt.objects.create(
        delivery=row, number=1, started_at=timezone.now(), duration_ms=5, success=False
    )
    WebhookDelivery.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(days=days_old)
    )
    return row


def test_old_finished_deliveries_and_their_events_go_in_batches(settings, endpoint):
    settings.WEBHOOK_RETENTION_DAYS = 30
    settings.RETENTION_BATCH_SIZE = 2
    old = [
        delivery(endpoint, days_old=31, status=status)
        for status in (Status.DELIVERED, Status.FAILED, Status.CANCELLED, Status.DELIVERED)
    ]
    orphan = event(days_old=40)  # its endpoint was removed: no delivery left
    pending = [
        delivery(endpoint, days_old=31, status=status)
        for status in (Status.QUEUED, Status.RETRYING, Status.SENDING)
    ]
    young = delivery(endpoint, days_old=29, status=Status.DELIVERED)
    resent_event = event(days_old=31)  # sent again today: the event stays for the new one
    resent_old = delivery(endpoint, days_old=31, status=Status.FAILED, of=resent_event)
    resent_new = delivery(endpoint, days_old=0, status=Status.DELIVERED, of=resent_event)

    gone = [*old, resent_old]
    assert retention.delete_old_webhook_log() == len(gone) + len(old) + 1  # + events

    kept = {*pending, young, resent_new}
    assert set(WebhookDelivery.objects.all()) == kept
    assert set(WebhookAttempt.objects.values_list("delivery", flat=True)) == {d.pk for d in kept}
    assert set(WebhookEvent.objects.all()) == {d.event for d in kept}
    assert not WebhookEvent.objects.filter(pk__in=[orphan.pk, *(d.event_id for d in old)])
    assert retention.delete_old_webhook_log() == 0  # idempotent
    assert WebhookDelivery.objects.count() == len(kept)


def test_zero_days_keeps_the_whole_log(settings, endpoint):
    settings.WEBHOOK_RETENTION_DAYS = 0
    row = delivery(endpoint, days_old=400, status=Status.DELIVERED)
    event(days_old=400)
    assert retention.delete_old_webhook_log() == 0
    assert WebhookDelivery.objects.get() == row
    assert WebhookEvent.objects.count() == 2 and WebhookAttempt.objects.count() == 1


def test_the_beat_task_runs_the_job_and_reports_it(settings, endpoint, caplog):
    settings.WEBHOOK_RETENTION_DAYS = 30
    delivery(endpoint, days_old=31, status=Status.DELIVERED)
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert webhook_tasks.delete_old_webhook_log.name in entries
    with caplog.at_level("INFO", logger="core.ops.retention"):
        assert webhook_tasks.delete_old_webhook_log.apply().get() == 2
    assert "delete_old_webhook_log: 2 row(s)" in caplog.text
    assert not WebhookDelivery.objects.exists() and not WebhookEvent.objects.exists()
