"""Fixtures of the delivery tests."""

import pytest

from tests.phones import TWILIO_TEST_FROM
from tests.support.smsaero_stub import SmsAeroStub
from tests.support.twilio_stub import TwilioStub, accepted

SID = "SM0123456789abcdef0123456789abcdef"


@pytest.fixture
def smsaero(settings):
    """The SMS Aero sender pointed at a local stub (a short timeout, retries at once)."""
    with SmsAeroStub() as stub:
        settings.SMS_BACKEND = "smsaero"
        settings.SMSAERO_API_URL = stub.url
        settings.SMSAERO_TIMEOUT = 0.5
        settings.SMS_RETRY_BACKOFF = 0
        yield stub


@pytest.fixture
def providers(settings):
    """SMS_BACKEND=smsaero,twilio, both local stubs; Twilio accepts with the sid SID."""
    with SmsAeroStub() as aero, TwilioStub(script=[accepted(SID)]) as twilio:
        settings.SMS_BACKEND = "smsaero,twilio"
        settings.SMSAERO_API_URL = aero.url
        settings.SMSAERO_TIMEOUT = 0.5
        settings.TWILIO_API_URL = twilio.url
        settings.TWILIO_ACCOUNT_SID = "AC123"
        settings.TWILIO_AUTH_TOKEN = "token"
        settings.TWILIO_FROM = TWILIO_TEST_FROM
        settings.TWILIO_TIMEOUT = 0.5
        settings.SMS_RETRY_BACKOFF = 0
        settings.SMS_BREAKER_FAILURES = 3
        settings.SMS_BREAKER_SECONDS = 60
        yield aero, twilio
