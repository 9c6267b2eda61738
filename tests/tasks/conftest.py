"""Fixtures of the delivery tests."""

import pytest

from tests.support.smsaero_stub import SmsAeroStub


@pytest.fixture
def smsaero(settings):
    """The SMS Aero sender pointed at a local stub (a short timeout, retries at once)."""
    with SmsAeroStub() as stub:
        settings.SMS_BACKEND = "smsaero"
        settings.SMSAERO_API_URL = stub.url
        settings.SMSAERO_TIMEOUT = 0.5
        settings.SMS_RETRY_BACKOFF = 0
        yield stub
