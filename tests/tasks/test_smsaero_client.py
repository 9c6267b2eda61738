"""The SMS Aero sender against a local stub server: request shape, auth, and which
failures are retried."""

import pytest

from tasks.sms import SmsAeroSender, SmsRejected, SmsTransientError
from tests.phones import phone_number
from tests.support.smsaero_stub import SmsAeroStub


@pytest.fixture
def stub(settings):
    with SmsAeroStub() as server:
        settings.SMS_BACKEND = "smsaero"
        settings.SMSAERO_API_URL = server.url
        settings.SMSAERO_EMAIL = "ops@example.com"
        settings.SMSAERO_API_KEY = "key-123"
        settings.SMSAERO_SIGN = "SMS Aero"
        settings.SMSAERO_TIMEOUT = 0.5
        yield server


def test_request_shape_and_basic_auth(stub):
    message_id = SmsAeroSender().send(phone=phone_number(), text="hello")
    assert message_id == "1001"
    assert stub.requests == [
        {
            "path": "/v2/sms/send",
            "auth": "ops@example.com:key-123",
            "json": {
                "number": phone_number().removeprefix("+"),
                "sign": "SMS Aero",
                "text": "hello",
            },
        }
    ]


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_are_transient(stub, status):
    stub.script = [(status, {"success": False, "message": "down"})]
    with pytest.raises(SmsTransientError, match=str(status)):
        SmsAeroSender().send(phone=phone_number(), text="hello")


def test_timeout_is_transient(stub):
    stub.script = [("sleep", 1.0)]
    with pytest.raises(SmsTransientError, match="in time"):
        SmsAeroSender().send(phone=phone_number(), text="hello")


def test_unreachable_provider_is_transient(settings):
    settings.SMSAERO_API_URL = "http://127.0.0.1:9/v2/"  # discard port: nothing listens
    settings.SMSAERO_TIMEOUT = 0.5
    with pytest.raises(SmsTransientError, match="unreachable"):
        SmsAeroSender().send(phone=phone_number(), text="hello")


@pytest.mark.parametrize(
    "status, body, reason",
    [
        (200, {"success": False, "message": "Validation error."}, "Validation error."),
        (401, {"success": False, "message": "Unauthorized"}, "Unauthorized"),
        (400, {"success": False}, "no reason given"),
        (200, b"<html>not json</html>", "not JSON"),
        (200, ["unexpected"], "no reason given"),
    ],
)
def test_rejections_are_final(stub, status, body, reason):
    stub.script = [(status, body)]
    with pytest.raises(SmsRejected, match=reason):
        SmsAeroSender().send(phone=phone_number(), text="hello")
    assert len(stub.requests) == 1


def test_success_without_an_id(stub):
    stub.script = [(200, {"success": True, "data": None})]
    assert SmsAeroSender().send(phone=phone_number(), text="hello") == ""
