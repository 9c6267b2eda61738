"""Events, deliveries and endpoints: what is recorded with which change, retries and their
bound, disabling an endpoint that keeps failing, the admin's log and "send again"."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from profiles.services.users import create_user
from tests.factories import WebhookEndpointFactory
from tests.phones import phone_number
from tests.webhooks.receiver import Receiver
from webhooks import services
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

SECRET = "whsec-test-secret-value"


@pytest.fixture(autouse=True)
def _private_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_RETRY_BACKOFF = 0


@pytest.fixture
def published(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "_publish", lambda ids: calls.extend(ids))
    return calls


def endpoint(url="http://127.0.0.1:9/x", events=("*",), **fields):
    return WebhookEndpointFactory(url=url, secret=SECRET, events=list(events), **fields)


def make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


@pytest.mark.django_db
def test_nothing_is_recorded_when_nobody_listens(published):
    endpoint(events=["user.deleted"])
    endpoint(events=["*"], active=False)
    create_user(phone=phone_number())
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_an_unknown_event_type_is_refused(published):
    endpoint()
    with pytest.raises(services.UnknownEventType):
        services.emit_event("user.renamed", {})
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_event_is_rolled_back_with_its_change(published):
    endpoint(events=["user.created"])
    with pytest.raises(RuntimeError), transaction.atomic():
        create_user(phone=phone_number())
        raise RuntimeError("the surrounding change fails")
    assert not WebhookEvent.objects.exists() and published == []
    create_user(phone=phone_number())
    delivery = WebhookDelivery.objects.get()
    assert published == [delivery.pk]  # published after the commit
    assert delivery.event.data["phone"] == phone_number()


@pytest.mark.django_db
def test_retries_are_bounded(published, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with Receiver([500]) as receiver:
        endpoint(url=receiver.url)
        event = services.emit_event("user.created", {"user_id": 1})
        delivery = WebhookDelivery.objects.get()
        statuses = []
        for _ in range(4):
            make_due(delivery)
            statuses.append(services.deliver(delivery_id=delivery.pk))
    assert statuses == ["retrying", "retrying", "failed", "skipped"]
    assert len(receiver.requests) == 3
    assert {r["headers"]["X-Webhook-Id"] for r in receiver.requests} == {str(event.id)}
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 3


@pytest.mark.django_db
def test_a_retry_waits_for_its_time(published, settings):
    settings.WEBHOOK_RETRY_BACKOFF = 600
    with Receiver([500]) as receiver:
        endpoint(url=receiver.url)
        services.emit_event("user.created", {"user_id": 1})
        delivery = WebhookDelivery.objects.get()
        assert services.deliver(delivery_id=delivery.pk) == "retrying"
        delivery.refresh_from_db()
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        assert 290 < wait <= 600
        assert services.deliver(delivery_id=delivery.pk) == "skipped"
        assert services.redeliver_pending() == 0
    assert len(receiver.requests) == 1


def test_the_backoff_doubles_up_to_its_cap(settings):
    settings.WEBHOOK_RETRY_BACKOFF = 720
    settings.WEBHOOK_RETRY_BACKOFF_MAX = 43200
    for attempt, full in [(1, 720), (2, 1440), (7, 43200), (8, 43200)]:
        delays = [services.retry_delay(attempt) for _ in range(50)]
        assert all(full / 2 <= d <= full for d in delays)


@pytest.mark.django_db
def test_an_endpoint_that_keeps_failing_is_disabled_and_says_why(published, settings):
    settings.WEBHOOK_DISABLE_AFTER = 3
    with Receiver([500]) as receiver:
        hook = endpoint(url=receiver.url)
        for user_id in range(3):
            services.emit_event("user.created", {"user_id": user_id})
        for delivery in WebhookDelivery.objects.order_by("pk"):
            services.deliver(delivery_id=delivery.pk)
        hook.refresh_from_db()
        assert not hook.active and hook.consecutive_failures == 3
        assert hook.disabled_reason.startswith("Disabled automatically after 3 failed attempts")
        assert "HTTP 500" in hook.disabled_reason
        # Its pending deliveries are cancelled, not sent; new events are not recorded.
        first = WebhookDelivery.objects.order_by("pk").first()
        make_due(first)
        assert services.deliver(delivery_id=first.pk) == "cancelled"
        assert services.emit_event("user.created", {"user_id": 9}) is None
    assert len(receiver.requests) == 3

    services.enable_endpoint(endpoint=hook)
    hook.refresh_from_db()
    assert hook.active and hook.consecutive_failures == 0 and hook.disabled_reason == ""


@pytest.mark.django_db
def test_a_success_resets_the_failure_count(published):
    with Receiver([500, 200]) as receiver:
        hook = endpoint(url=receiver.url)
        services.emit_event("user.created", {"user_id": 1})
        delivery = WebhookDelivery.objects.get()
        services.deliver(delivery_id=delivery.pk)
        assert WebhookEndpoint.objects.get().consecutive_failures == 1
        make_due(delivery)
        assert services.deliver(delivery_id=delivery.pk) == "delivered"
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0


@pytest.mark.django_db
def test_a_lost_attempt_is_published_again_after_the_delay(published, settings):
    settings.OUTBOX_REDELIVER_AFTER = 30
    endpoint()
    services.emit_event("user.created", {"user_id": 1})
    delivery = WebhookDelivery.objects.get()
    published.clear()
    assert services.redeliver_pending() == 0  # just published
    old = timezone.now() - timedelta(seconds=31)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(published_at=old)
    assert services.redeliver_pending() == 1 and published == [delivery.pk]
    # A worker died mid-attempt: taken for lost once its timeout and the delay are over.
    stuck = timezone.now() - timedelta(seconds=30 + settings.WEBHOOK_TIMEOUT + 1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="sending", updated_at=stuck, published_at=stuck
    )
    assert services.redeliver_pending() == 1


@pytest.fixture
def staff(admin_client):
    return admin_client


def test_the_admin_shows_attempts_without_the_secret_and_sends_again(staff, published):
    with Receiver([500, 200]) as receiver:
        endpoint(url=receiver.url)
        services.emit_event("user.created", {"user_id": 1})
        delivery = WebhookDelivery.objects.get()
        services.deliver(delivery_id=delivery.pk)
        page = staff.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "HTTP 500" in text and SECRET not in text
        assert receiver.requests[0]["headers"]["X-Webhook-Signature"].split("v1=")[1] not in text

        response = staff.post(
            "/admin/webhooks/webhookdelivery/",
            {"action": "send_again", "_selected_action": [delivery.pk]},
        )
        assert response.status_code == 302
        again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
        assert again.event_id == delivery.event_id and again.attempts == 0
        assert services.deliver(delivery_id=again.pk) == "delivered"
    assert [r["headers"]["X-Webhook-Id"] for r in receiver.requests] == [str(delivery.event_id)] * 2
    assert WebhookAttempt.objects.count() == 2


def test_the_admin_shows_why_an_endpoint_was_disabled(staff):
    hook = endpoint(active=False, disabled_reason="Disabled automatically after 50 failed attempts")
    assert (
        "Disabled automatically after 50"
        in staff.get("/admin/webhooks/webhookendpoint/").content.decode()
    )
    response = staff.post(
        "/admin/webhooks/webhookendpoint/", {"action": "enable", "_selected_action": [hook.pk]}
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.active and hook.disabled_reason == ""


def test_the_admin_refuses_a_private_url(staff, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = staff.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": "https://127.0.0.1/x", "secret": "s", "events": ["*"], "active": "on"},
    )
    assert response.status_code == 200
    assert "resolves to 127.0.0.1" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    settings.WEBHOOK_ALLOW_PRIVATE = True
    response = staff.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": "http://127.0.0.1/x", "secret": "s", "events": ["user.created"], "active": "on"},
    )
    assert response.status_code == 200  # the page that shows the secret, once
    assert WebhookEndpoint.objects.get().events == ["user.created"]


@pytest.mark.django_db
def test_the_command_adds_lists_and_removes(capsys):
    call_command("webhook_endpoint", "add", "http://127.0.0.1/a", "--secret", SECRET,
                 "--events", "user.created,invite.activated")  # fmt: skip
    hook = WebhookEndpoint.objects.get()
    assert hook.events == ["invite.activated", "user.created"] and hook.secret == SECRET
    call_command("webhook_endpoint", "list")
    out = capsys.readouterr().out
    assert "http://127.0.0.1/a" in out and "active" in out and SECRET not in out
    with pytest.raises(CommandError, match="Unknown event type"):
        call_command(
            "webhook_endpoint", "add", "http://127.0.0.1/b", "--secret", "s", "--events", "nope"
        )
    call_command("webhook_endpoint", "remove", str(hook.pk))
    assert not WebhookEndpoint.objects.exists()
    with pytest.raises(CommandError, match="No endpoint"):
        call_command("webhook_endpoint", "remove", str(hook.pk))
