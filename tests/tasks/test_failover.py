"""A second provider: a transient failure at SMS Aero sends the same message through Twilio
at once; a refusal does not; a provider failing again and again is skipped for a while
(a circuit shared through Redis) and then tried again. Both providers are local stubs
over HTTP."""

from __future__ import annotations

import pytest

from auth_phone.tasks import deliver_login_code
from tasks import sms
from tasks.models import SmsDelivery
from tests.phones import TWILIO_TEST_FROM, phone_number
from tests.support.processes import wait_for
from tests.support.smsaero_stub import SmsAeroStub, success

PHONE = phone_number(1234567)
SID = "SM0123456789abcdef0123456789abcdef"  # the stub's, as the `providers` fixture sets it


def request_code(api, phone: str = PHONE) -> SmsDelivery:
    assert api.post("/auth/sms/", {"phone": phone}, format="json").status_code == 201
    return SmsDelivery.objects.get(phone=phone)


def login(api, phone: str, code: str) -> int:
    return api.post("/users/login/", {"phone": phone, "password": code}, format="json").status_code


@pytest.mark.parametrize(
    "failure", [(503, {"success": False}), (429, {}), ("sleep", 2)], ids=["5xx", "429", "timeout"]
)
def test_a_transient_failure_sends_the_same_code_through_twilio_at_once(api, providers, failure):
    aero, twilio = providers
    aero.script = [failure]
    delivery = request_code(api)

    assert len(aero.requests) == 1 and len(twilio.requests) == 1
    sent = twilio.requests[0]
    assert sent["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sent["auth"] == "AC123:token"
    assert sent["form"]["To"] == PHONE and sent["form"]["From"] == TWILIO_TEST_FROM
    assert (
        sent["form"]["Body"].split(": ", 1)[1][:4]
        == aero.requests[0]["json"]["text"].split(": ", 1)[1][:4]
    )  # the same code SMS Aero was given
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider, delivery.provider_message_id) == (
        "sent", "twilio", SID,
    )  # fmt: skip
    assert delivery.attempts == 1  # one attempt: no backoff between providers
    code = sent["form"]["Body"].split(": ", 1)[1][:4]
    assert login(api, PHONE, code) == 200


def test_an_unreachable_provider_fails_over_too(api, providers, settings):
    aero, twilio = providers
    with SmsAeroStub() as gone:
        pass  # stopped: nothing listens on its port any more
    settings.SMSAERO_API_URL = gone.url
    delivery = request_code(api)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider == "twilio"
    assert len(twilio.requests) == 1


def test_a_refusal_does_not_fail_over(api, providers):
    aero, twilio = providers
    aero.script = [(400, {"success": False, "message": "Invalid number"})]
    delivery = request_code(api)
    assert twilio.requests == []
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.provider == "smsaero"
    assert "Invalid number" in delivery.error and delivery.attempts == 1


def test_a_refusal_by_twilio_is_final_as_well(api, providers):
    aero, twilio = providers
    aero.script = [(503, {})]
    twilio.script = [(400, {"code": 21211, "message": "The 'To' number is not valid."})]
    delivery = request_code(api)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.provider == "twilio"
    assert "21211" in delivery.error and len(twilio.requests) == 1


def test_backoff_only_when_every_provider_failed(api, providers):
    aero, twilio = providers
    aero.script = [(503, {})]
    twilio.script = [(500, {"code": 20500, "message": "Internal"})]
    delivery = request_code(api)
    delivery.refresh_from_db()
    attempts = deliver_login_code.max_retries + 1
    assert delivery.status == "failed" and delivery.attempts == attempts
    assert "smsaero: " in delivery.error and "twilio: " in delivery.error
    # Each attempt tried both, in order (the circuit opened on the way: then Twilio first).
    assert len(twilio.requests) == attempts


def test_the_circuit_opens_after_failures_in_a_row_and_closes_after_a_while(
    api, providers, settings
):
    aero, twilio = providers
    settings.SMS_BREAKER_SECONDS = 3
    aero.script = [(503, {})]
    for n in range(3):
        request_code(api, phone_number(1234500 + n))
    assert len(aero.requests) == 3 and len(twilio.requests) == 3
    assert sms.breaker.is_open("smsaero")

    request_code(api, phone_number(1234509))
    assert len(aero.requests) == 3  # skipped: straight to Twilio
    assert len(twilio.requests) == 4

    wait_for(lambda: not sms.breaker.is_open("smsaero"), 10, "the circuit to close")
    aero.script = [success(2002)]
    delivery = request_code(api, phone_number(1234510))
    assert len(aero.requests) == 4  # tried again, and it answered
    delivery.refresh_from_db()
    assert delivery.provider == "smsaero" and delivery.provider_message_id == "2002"
    assert not sms.breaker.is_open("smsaero")


def test_with_every_circuit_open_the_providers_are_still_tried(api, providers, settings):
    aero, twilio = providers
    for _ in range(3):
        sms.breaker.failed("smsaero")
        sms.breaker.failed("twilio")
    delivery = request_code(api)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider == "smsaero"


@pytest.mark.parametrize(
    "answer",
    [(200, "<html>maintenance</html>"), (201, b"\x00\xff garbage")],
    ids=["html", "garbage"],
)
def test_twilio_answering_what_is_not_its_json_is_logged_counted_and_not_sent_twice(
    api, providers, answer
):
    from core.ops import metrics

    aero, twilio = providers
    aero.script = [(503, {})]
    twilio.script = [answer]
    before = metrics.SMS_PROVIDER_ERRORS.labels("twilio", "garbage")._value.get()
    delivery = request_code(api)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "not JSON" in delivery.error
    assert len(twilio.requests) == 1
    assert metrics.SMS_PROVIDER_ERRORS.labels("twilio", "garbage")._value.get() == before + 1


def test_an_acceptance_without_an_id_is_sent_counted_and_asks_no_receipt(api, providers):
    aero, twilio = providers
    aero.script = [(200, {"success": True, "data": {}})]
    delivery = request_code(api)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider_message_id == ""
    assert delivery.receipt_due_at is None and twilio.requests == []


def test_a_cache_that_is_down_never_stops_a_send(api, providers, monkeypatch):
    from django_redis.exceptions import ConnectionInterrupted

    def down(*args, **kwargs):
        raise ConnectionInterrupted(connection=None)

    aero, twilio = providers
    aero.script = [(503, {})]
    for method in ("get", "add", "incr", "set", "delete_many"):
        monkeypatch.setattr(sms.cache, method, down)
    delivery = request_code(api)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider == "twilio"


@pytest.mark.parametrize("value", ["smsaero,twillio", "", "nosuch.Sender"])
def test_a_backend_that_does_not_exist_is_a_check_error(settings, value):
    from tasks.checks import sms_backends_exist

    settings.SMS_BACKEND = value
    assert [e.id for e in sms_backends_exist()] == ["tasks.E001"]


def test_the_known_backends_pass_the_check(settings):
    from tasks.checks import sms_backends_exist

    settings.SMS_BACKEND = "smsaero, twilio,tasks.sms.LocmemSender"
    assert sms_backends_exist() == []
    assert sms.backends() == ["smsaero", "twilio", "tasks.sms.LocmemSender"]


def test_one_provider_has_no_circuit_to_keep(settings, monkeypatch):
    """With a single provider there is nothing to skip it for: a send asks the cache
    nothing about circuits (one round trip less per SMS)."""
    settings.SMS_BACKEND = "locmem"

    def untouched(*args, **kwargs):
        raise AssertionError("the circuit was consulted")

    for method in ("is_open", "failed", "succeeded"):
        monkeypatch.setattr(sms.breaker, method, untouched)
    assert sms.send(phone=phone_number(), text="hello").provider == "locmem"
