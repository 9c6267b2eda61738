"""The delivery task: generate, hash, send; retry only what is transient; stale tasks
send nothing; re-delivered tasks do not send twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auth_phone.models import LoginCode
from auth_phone.services import delivery as login_delivery
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender, SmsRejected, SmsTransientError, get_sender
from tests.conftest import last_code
from tests.phones import phone_number

PHONE = phone_number()


@pytest.fixture
def queued(api, monkeypatch):
    """A code request whose task was queued but not run yet."""
    from auth_phone.tasks import deliver_login_code

    monkeypatch.setattr(deliver_login_code, "apply_async", lambda *a, **k: None)
    assert api.post("/auth/sms/", {"phone": PHONE}, format="json").status_code == 201
    monkeypatch.undo()
    return SmsDelivery.objects.get()


def run_task(delivery):
    from auth_phone.tasks import deliver_login_code

    return deliver_login_code.apply(args=(delivery.pk,), task_id=delivery.task_id)


def test_delivery_generates_the_code_and_stores_only_its_hash(queued):
    assert LoginCode.objects.get().code_hash == ""
    assert run_task(queued).get() == "sent"
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.attempts == 1 and queued.sent_at
    assert queued.provider_message_id == "locmem-1"
    code = last_code(PHONE)
    assert LoginCode.objects.get().code_hash not in ("", code)


def test_transient_failures_are_retried_until_sent(queued, smsaero):
    smsaero.script = [(503, {}), (500, {}), (200, {"success": True, "data": {"id": 7}})]
    assert run_task(queued).get() == "sent"
    queued.refresh_from_db()
    assert queued.status == "sent"
    assert queued.attempts == 3
    assert queued.provider_message_id == "7"
    assert queued.error == ""
    assert len(smsaero.requests) == 3
    # Every attempt carries the same code: the user may hold any of the messages.
    texts = [r["json"]["text"] for r in smsaero.requests]
    assert len(set(texts)) == 1


def test_retries_are_bounded_and_end_in_failed(queued, smsaero, settings):
    smsaero.script = [(503, {"success": False})]
    result = run_task(queued)
    assert result.get() == "failed"
    queued.refresh_from_db()
    assert queued.status == "failed"
    assert queued.attempts == settings.SMS_MAX_RETRIES + 1
    assert "503" in queued.error
    assert len(smsaero.requests) == settings.SMS_MAX_RETRIES + 1


def test_a_rejection_is_not_retried(queued, smsaero):
    smsaero.script = [(200, {"success": False, "message": "Bad sign"})]
    assert run_task(queued).get() == "failed"
    queued.refresh_from_db()
    assert queued.status == "failed" and queued.attempts == 1
    assert "Bad sign" in queued.error
    assert len(smsaero.requests) == 1


@pytest.mark.parametrize(
    "make_stale",
    [
        lambda: LoginCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1)),
        lambda: LoginCode.objects.update(used_at=timezone.now()),
        lambda: LoginCode.objects.all().delete(),
    ],
    ids=["expired", "used", "replaced"],
)
def test_a_stale_task_sends_nothing(queued, make_stale):
    make_stale()
    assert run_task(queued).get() == "stale"
    queued.refresh_from_db()
    assert queued.status == "stale" and queued.attempts == 0
    assert LocmemSender.outbox == []


def test_a_redelivered_task_does_not_send_twice(queued):
    assert run_task(queued).get() == "sent"
    assert run_task(queued).get() == "sent"
    assert len(LocmemSender.outbox) == 1


def test_a_task_for_a_missing_delivery_does_nothing(db):
    assert login_delivery.deliver_login_code(delivery_id=987654) == "missing"
    assert LocmemSender.outbox == []


def test_sender_is_chosen_by_setting(settings):
    settings.SMS_BACKEND = "simulated"
    assert get_sender().name == "simulated"
    settings.SMS_BACKEND = "tasks.sms.LocmemSender"
    assert get_sender().name == "locmem"


def test_error_classes_are_distinct():
    assert not issubclass(SmsRejected, SmsTransientError)
