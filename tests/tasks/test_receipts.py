"""Delivery receipts: after a provider took an SMS, the receipt poll (maintenance queue)
asks it with backoff until a final state or the give-up time, records it in the delivery
log, counts it by provider and country and emits sms.delivered / sms.failed. Providers are
local stubs over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.ops import metrics
from project.celery import app
from tasks import services
from tasks.models import SmsDelivery
from tests.conftest import admin_login
from tests.phones import phone_number
from tests.support.smsaero_stub import status_answer
from tests.support.twilio_stub import message
from tests.tasks.conftest import SID
from webhooks.models import WebhookEndpoint, WebhookEvent

PHONE = phone_number(1234567)


def sent(api, phone: str = PHONE) -> SmsDelivery:
    assert api.post("/auth/sms/", {"phone": phone}, format="json").status_code == 201
    delivery = SmsDelivery.objects.get(phone=phone)
    assert delivery.status == "sent"
    return delivery


def poll_now() -> int:
    SmsDelivery.objects.exclude(receipt_due_at=None).update(
        receipt_due_at=timezone.now() - timedelta(seconds=1)
    )
    return services.poll_receipts()


def receipts(provider: str, state: str) -> float:
    return metrics.SMS_RECEIPTS.labels(provider, "RU", state)._value.get()


@pytest.fixture
def listening(db):
    return WebhookEndpoint.objects.create(
        url="https://hooks.example.com/sms", secret="s" * 32, events=["sms.delivered", "sms.failed"]
    )


@pytest.mark.parametrize(("code", "state"), [(1, "delivered"), (2, "undelivered"), (6, "rejected")])
def test_an_smsaero_final_status_is_recorded_counted_and_announced(
    api, providers, listening, code, state
):
    aero, _ = providers
    aero.status_script = [status_answer(code)]
    delivery = sent(api)
    # Sending asked nothing: the receipt is the poll's work, later.
    assert [r["path"] for r in aero.requests] == ["/v2/sms/send"]
    assert delivery.receipt == "" and delivery.receipt_due_at > timezone.now()
    before = receipts("smsaero", state)

    assert poll_now() == 1
    assert aero.requests[-1]["path"] == "/v2/sms/status?id=1001"
    delivery.refresh_from_db()
    assert delivery.receipt == state and delivery.receipt_at is not None
    assert delivery.receipt_due_at is None
    assert receipts("smsaero", state) == before + 1

    event = WebhookEvent.objects.get()
    assert event.type == ("sms.delivered" if state == "delivered" else "sms.failed")
    assert event.data == {
        "user_id": delivery.login_code.user_id,
        "provider": "smsaero",
        "message_id": "1001",
        "state": state,
        "phone": "+7********67",
        "reported_at": delivery.receipt_at.isoformat().replace("+00:00", "Z"),
    }
    assert poll_now() == 0  # final: never asked again


def test_a_pending_status_is_asked_again_later_with_backoff(api, providers, settings):
    aero, _ = providers
    aero.status_script = [status_answer(4), status_answer(3), status_answer(1)]
    delivery = sent(api)
    waits = []
    for _ in range(2):
        assert poll_now() == 1
        delivery.refresh_from_db()
        assert delivery.receipt == ""
        waits.append((delivery.receipt_due_at - timezone.now()).total_seconds())
    assert settings.SMS_RECEIPT_FIRST_CHECK < waits[0] < waits[1]  # doubling
    assert poll_now() == 1
    delivery.refresh_from_db()
    assert delivery.receipt == "delivered" and delivery.receipt_checks == 3


def test_no_final_state_before_the_give_up_time_is_expired(api, providers, settings, listening):
    aero, _ = providers
    aero.status_script = [status_answer(4)]  # waiting, for ever
    delivery = sent(api)
    settings.SMS_RECEIPT_GIVE_UP = 0
    assert poll_now() == 1
    delivery.refresh_from_db()
    assert delivery.receipt == "expired" and delivery.receipt_due_at is None
    assert WebhookEvent.objects.get().data["state"] == "expired"


@pytest.mark.parametrize(
    ("status", "state"),
    [("delivered", "delivered"), ("undelivered", "undelivered"), ("failed", "rejected")],
)
def test_a_twilio_message_is_asked_at_twilio(api, providers, status, state):
    aero, twilio = providers
    aero.script = [(503, {})]  # so Twilio takes it
    twilio.status_script = [message("sent", SID), message(status, SID)]
    delivery = sent(api)
    assert delivery.provider == "twilio"
    assert poll_now() == 1
    delivery.refresh_from_db()
    assert delivery.receipt == ""
    assert poll_now() == 1
    assert twilio.requests[-1]["method"] == "GET"
    assert twilio.requests[-1]["path"] == f"/2010-04-01/Accounts/AC123/Messages/{SID}.json"
    delivery.refresh_from_db()
    assert delivery.receipt == state


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ((200, "<html>oops</html>"), "garbage"),
        ((500, "<html>down</html>"), None),
        (status_answer(99), "unknown_status"),
        ((200, {"success": True, "data": None}), None),
        ((200, {"success": False, "message": "Not found"}), None),
    ],
    ids=["html", "5xx", "unknown-status", "no-data", "refused"],
)
def test_a_status_answer_it_cannot_use_is_logged_counted_and_asked_again(
    api, providers, answer, kind
):
    aero, _ = providers
    aero.status_script = [answer]
    delivery = sent(api)
    counted = kind and metrics.SMS_PROVIDER_ERRORS.labels("smsaero", kind)._value.get()
    assert poll_now() == 1  # no exception reaches the task
    delivery.refresh_from_db()
    assert delivery.receipt == "" and delivery.receipt_due_at > timezone.now()
    assert delivery.status == "sent"
    if kind:
        assert metrics.SMS_PROVIDER_ERRORS.labels("smsaero", kind)._value.get() == counted + 1


def test_an_unreachable_provider_leaves_the_receipt_to_a_later_poll(api, providers, settings):
    from tests.support.smsaero_stub import SmsAeroStub

    sent(api)
    with SmsAeroStub() as gone:
        pass
    settings.SMSAERO_API_URL = gone.url
    assert poll_now() == 1
    assert SmsDelivery.objects.get().receipt == ""


def test_staff_see_the_receipt_in_the_task_status_and_the_admin(api, providers, admin_user, client):
    delivery = sent(api)
    poll_now()
    delivery.refresh_from_db()
    api.force_authenticate(admin_user)
    body = api.get(f"/tasks/{delivery.task_id}/").json()
    assert body["provider"] == "smsaero" and body["receipt"] == "delivered"
    assert body["receipt_at"]

    admin_login(client, admin_user)
    page = client.get(f"/admin/tasks/smsdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert b"delivered" in page.content and b"smsaero" in page.content


def test_the_receipt_poll_runs_on_the_maintenance_queue_and_codes_on_sms():
    route = app.amqp.router.route
    assert route({}, "tasks.poll_sms_receipts")["queue"].name == "maintenance"
    assert route({}, "tasks.redeliver_pending_sms")["queue"].name == "maintenance"
    assert route({}, "auth_phone.deliver_login_code")["queue"].name == "sms"
    assert route({}, "tasks.tasks.deliver_login_code")["queue"].name == "sms"
    assert route({}, "tasks.deliver_notice")["queue"].name == "sms"
    assert route({}, "webhooks.deliver_webhook")["queue"].name == "webhooks"
