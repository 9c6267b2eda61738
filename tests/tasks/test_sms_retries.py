"""Provider faults: retried with backoff while transient, never sent twice, never logged
with the code; a task whose code is no longer live sends nothing."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_results.models import TaskResult

from auth_phone.models import LoginCode
from auth_phone.tasks import deliver_login_code
from project.celery import app as celery_app
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.factories import LoginCodeFactory
from tests.phones import phone_number
from tests.support.smsaero_stub import SmsAeroStub, success

PHONE = phone_number()


@pytest.fixture
def smsaero(settings):
    # Eagerly run tasks retry inline, as a worker would, only when their exceptions do not
    # propagate to the caller (with propagation, Celery raises the Retry itself).
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    assert celery_app.conf.task_eager_propagates is False

    def configure(script, delay=0):
        stub = SmsAeroStub(script, delay)
        settings.SMS_BACKEND = "smsaero"
        settings.SMSAERO_API_URL = stub.url
        settings.SMSAERO_EMAIL = "ops@example.com"
        settings.SMSAERO_API_KEY = "api-key"
        settings.SMSAERO_SIGN = "Referral"
        return stub

    return configure


def code_in(request: dict) -> str:
    return re.search(r"\b(\d{4})\b", request["json"]["text"]).group(1)


def test_two_provider_errors_then_success_delivers_once(api, smsaero, caplog):
    with smsaero([(500, "oops"), (503, "busy"), success(4711)]) as stub:
        response = api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 201

    assert len(stub.requests) == 3
    for request in stub.requests:
        assert request["path"] == "/v2/sms/send"
        assert request["auth"] == "ops@example.com:api-key"
        assert request["json"]["number"] == PHONE.lstrip("+")
        assert request["json"]["sign"] == "Referral"

    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.SENT
    assert delivery.attempts == 3
    assert delivery.provider_message_id == "4711"
    assert delivery.sent_at is not None and delivery.error == ""

    # Each attempt generated a fresh code; only the one that was delivered logs in.
    codes = [code_in(r) for r in stub.requests]
    login = api.post("/users/login/", {"phone": PHONE, "password": codes[-1]}, format="json")
    assert login.status_code == 200, login.content

    row = TaskResult.objects.get(task_id=delivery.task_id)
    assert row.status == "SUCCESS" and row.task_name == "auth_phone.deliver_login_code"
    stored = " ".join(filter(None, [row.task_args, row.task_kwargs, row.result, row.meta]))
    logged = caplog.text
    for code in codes:
        assert code not in stored
        assert code not in logged


def test_a_provider_that_keeps_failing_gives_up_after_the_retries(api, smsaero, settings):
    with smsaero([(502, "bad gateway")]) as stub:
        response = api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 201
    attempts = deliver_login_code.max_retries + 1
    assert len(stub.requests) == attempts
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.FAILED
    assert delivery.attempts == attempts
    assert delivery.error == "SMS Aero answered HTTP 502"
    assert delivery.sent_at is None and delivery.provider_message_id == ""


def test_a_refusal_is_not_retried(api, smsaero):
    refusal = (400, {"success": False, "data": None, "message": "Validation error."})
    with smsaero([refusal, success()]) as stub:
        api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert len(stub.requests) == 1
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.FAILED and delivery.attempts == 1
    assert "Validation error." in delivery.error


def test_an_unreachable_provider_is_retried_then_given_up(api, smsaero, settings):
    with smsaero([success()]) as stub:
        pass  # stopped: nothing listens on its port any more
    response = api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 201
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.FAILED
    assert delivery.attempts == deliver_login_code.max_retries + 1
    assert delivery.error == "SMS Aero unreachable (ConnectionError)"
    assert stub.requests == []


def test_a_provider_slower_than_the_timeout_is_retried(api, smsaero, settings):
    settings.SMSAERO_TIMEOUT = 0.2
    with smsaero([success()], delay=1) as stub:
        api.post("/auth/sms/", {"phone": PHONE}, format="json")
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.FAILED
    assert len(stub.requests) == delivery.attempts == deliver_login_code.max_retries + 1
    assert delivery.error == "SMS Aero did not answer in time"


@pytest.mark.parametrize("answer", [(200, "<html>maintenance</html>"), (200, "[1, 2]")])
def test_an_answer_that_is_not_the_api_s_json_is_a_refusal(api, smsaero, answer):
    with smsaero([answer]) as stub:
        api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert len(stub.requests) == 1
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.FAILED and delivery.attempts == 1
    assert delivery.error.startswith("SMS Aero")


@pytest.fixture
def queued_delivery(db):
    """A delivery whose task has not run yet, with its live login code."""
    login_code = LoginCodeFactory(user__phone=PHONE)
    return SmsDelivery.objects.create(
        login_code=login_code, phone=PHONE, backend="locmem", task_id="t-stale-1"
    )


@pytest.mark.parametrize("what", ["expired", "used", "replaced"])
def test_a_stale_task_sends_nothing(queued_delivery, what):
    login_code = queued_delivery.login_code
    if what == "expired":
        LoginCode.objects.filter(pk=login_code.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif what == "used":
        LoginCode.objects.filter(pk=login_code.pk).update(used_at=timezone.now())
    else:  # a newer request deleted the unused code and made another
        login_code.delete()
        LoginCodeFactory(user=queued_delivery.login_code.user)

    result = deliver_login_code.apply(args=(queued_delivery.pk,))

    assert result.get() == "stale"
    assert LocmemSender.outbox == []
    queued_delivery.refresh_from_db()
    assert queued_delivery.status == SmsDelivery.Status.STALE
    assert queued_delivery.attempts == 0 and queued_delivery.sent_at is None
    assert not LoginCode.objects.exclude(code_hash="").exists()


def test_a_task_delivered_twice_sends_once(api, request_code):
    request_code(PHONE)
    delivery = SmsDelivery.objects.get()
    again = deliver_login_code.apply(args=(delivery.pk,))
    assert again.get() == "sent"
    assert len(LocmemSender.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1
