"""Notice SMS (no code, e.g. to the old number after a change of number): queued on commit,
sent once, retried only on transient errors, never sent twice."""

import pytest

from tasks import services
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender, render_notice
from tests.phones import phone_number

PHONE = phone_number()


@pytest.fixture
def queued(db, django_capture_on_commit_callbacks, monkeypatch):
    """A notice whose task was queued but not run yet."""
    from tasks.tasks import deliver_notice

    monkeypatch.setattr(deliver_notice, "apply_async", lambda *a, **k: None)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.queue_notice_sms(phone=PHONE, notice="phone_changed")
    monkeypatch.undo()
    return delivery


def run_task(delivery):
    from tasks.tasks import deliver_notice

    return deliver_notice.apply(args=(delivery.pk, "phone_changed"), task_id=delivery.task_id)


def test_a_notice_is_sent_once_with_its_fixed_text(queued):
    assert queued.status == "queued" and queued.login_code_id is None

    assert run_task(queued).get() == "sent"
    assert run_task(queued).get() == "sent"  # re-delivered: not sent again

    assert LocmemSender.outbox == [
        {"phone": PHONE, "text": render_notice("phone_changed", "ru"), "message_id": "locmem-1"}
    ]
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.attempts == 1 and queued.sent_at


def test_transient_failures_are_retried_and_bounded(queued, smsaero, settings):
    smsaero.script = [(503, {"success": False})]
    assert run_task(queued).get() == "failed"
    queued.refresh_from_db()
    assert queued.status == "failed" and "503" in queued.error
    assert queued.attempts == settings.SMS_MAX_RETRIES + 1


def test_a_retry_that_succeeds_ends_sent(queued, smsaero):
    smsaero.script = [(503, {}), (200, {"success": True, "data": {"id": 7}})]
    assert run_task(queued).get() == "sent"
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.attempts == 2 and queued.provider_message_id == "7"


def test_a_rejection_is_not_retried(queued, smsaero):
    smsaero.script = [(200, {"success": False, "message": "Bad sign"})]
    assert run_task(queued).get() == "failed"
    queued.refresh_from_db()
    assert queued.attempts == 1 and "Bad sign" in queued.error


def test_a_missing_delivery_sends_nothing(db):
    assert services.deliver_notice(delivery_id=987654, notice="phone_changed") == "missing"
    assert LocmemSender.outbox == []


def test_an_unknown_notice_fails_in_the_caller_and_records_nothing(db):
    with pytest.raises(KeyError):
        services.queue_notice_sms(phone=PHONE, notice="no_such_notice")
    assert not SmsDelivery.objects.exists()


def test_a_change_code_sms_says_what_it_is_for():
    from auth_phone.services.delivery import render_text

    assert render_text("1234", purpose="phone_change").startswith(
        "Code to confirm this number for your account: 1234."
    )
    assert render_text("1234").startswith("Your login code: 1234.")
