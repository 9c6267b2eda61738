"""SMS senders behind one small interface, chosen by the SMS_BACKEND setting.

- `simulated`: waits SMS_DELAY_MIN..SMS_DELAY_MAX seconds (in the worker) and, with
  SMS_DEV_INBOX and DEBUG on, keeps the message for the development inbox;
- `smsaero`: SMS Aero's HTTP API v2;
- `locmem`: keeps messages in memory, for tests.
A dotted path to a class with `send(*, phone, text) -> str` is accepted too.
"""

from __future__ import annotations

import logging
import random
import re
import time
import uuid
from datetime import datetime
from typing import Protocol

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """Sending failed. Messages name the cause and never carry the SMS text."""


class SmsTransientError(SmsError):
    """Worth another try later: the network or the provider failed."""


class SmsRejected(SmsError):
    """The provider refused the message; retrying would not help."""


class SmsSender(Protocol):
    name: str

    def send(self, *, phone: str, text: str) -> str:
        """Send `text` to `phone`; return the provider's message id."""


# --- Development inbox --------------------------------------------------------------------
def dev_inbox_enabled() -> bool:
    # DEBUG too: a production that forgot SMS_DEV_INBOX=true must not publish its codes.
    return settings.DEBUG and settings.SMS_DEV_INBOX and settings.SMS_BACKEND == "simulated"


def _inbox_key(phone: str) -> str:
    return f"devinbox:{phone}"


# A one-time code as a message carries it: a run of 4 to 8 digits standing alone.
_CODE_IN_TEXT = re.compile(r"(?<!\d)(\d{4,8})(?!\d)")


def code_in_text(text: str) -> str | None:
    """The one-time code a message carries, as a phone's code autofill would find it."""
    match = _CODE_IN_TEXT.search(text)
    return match.group(1) if match else None


def read_dev_inbox(phone: str) -> dict | None:
    return cache.get(_inbox_key(phone))


def delivered_since(phone: str, since: str | None) -> dict | None:
    """The simulated SMS to `phone` sent at or after `since` (an ISO time), once delivered:
    the one a page that asked for it at `since` waits for."""
    message = read_dev_inbox(phone)
    if message is None or since is None:
        return None
    if datetime.fromisoformat(message["sent_at"]) < datetime.fromisoformat(since):
        return None  # the SMS of an earlier request; the new one is on its way
    return message


class SimulatedSender:
    name = "simulated"

    def send(self, *, phone: str, text: str) -> str:
        low, high = settings.SMS_DELAY_MIN, settings.SMS_DELAY_MAX
        delay = random.uniform(low, max(low, high))  # noqa: S311 - a delay, not a secret
        if delay > 0:
            time.sleep(delay)
        message_id = f"sim-{uuid.uuid4()}"
        if dev_inbox_enabled():
            cache.set(
                _inbox_key(phone),
                {
                    "phone": phone,
                    "text": text,
                    "message_id": message_id,
                    "sent_at": timezone.now().isoformat(),
                },
                timeout=settings.LOGIN_CODE_TTL,
            )
        logger.info("simulated SMS delivered to %s after %.2fs", phone, delay)
        return message_id


class LocmemSender:
    """Keeps sent messages in `LocmemSender.outbox` (a list of dicts), for tests."""

    name = "locmem"
    outbox: list[dict] = []

    def send(self, *, phone: str, text: str) -> str:
        message_id = f"locmem-{len(self.outbox) + 1}"
        self.outbox.append({"phone": phone, "text": text, "message_id": message_id})
        return message_id


class SmsAeroSender:
    """SMS Aero API v2: POST {SMSAERO_API_URL}sms/send, basic auth (e-mail, API key).

    The JSON `success` field is authoritative. Network errors, timeouts and 5xx answers
    are transient; any other refusal is final.
    """

    name = "smsaero"

    def send(self, *, phone: str, text: str) -> str:
        url = settings.SMSAERO_API_URL.rstrip("/") + "/sms/send"
        try:
            response = requests.post(
                url,
                json={"number": phone.lstrip("+"), "sign": settings.SMSAERO_SIGN, "text": text},
                auth=(settings.SMSAERO_EMAIL, settings.SMSAERO_API_KEY),
                timeout=settings.SMSAERO_TIMEOUT,
            )
        except requests.Timeout as exc:
            raise SmsTransientError("SMS Aero did not answer in time") from exc
        except requests.RequestException as exc:
            raise SmsTransientError(f"SMS Aero unreachable ({type(exc).__name__})") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise SmsTransientError(f"SMS Aero answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise SmsRejected(f"SMS Aero answered HTTP {response.status_code}, not JSON") from exc
        if not isinstance(body, dict) or body.get("success") is not True:
            message = body.get("message") if isinstance(body, dict) else None
            raise SmsRejected(
                f"SMS Aero refused the message (HTTP {response.status_code}): "
                f"{str(message or 'no reason given')[:200]}"
            )
        data = body.get("data") or {}
        return str(data.get("id", "")) if isinstance(data, dict) else ""


SENDERS: dict[str, type[SmsSender]] = {
    "simulated": SimulatedSender,
    "smsaero": SmsAeroSender,
    "locmem": LocmemSender,
}


def longest_send() -> float:
    """The most seconds one send may take (the simulated delay or a provider's timeout)."""
    return max(settings.SMSAERO_TIMEOUT, settings.SMS_DELAY_MAX)


def get_sender() -> SmsSender:
    backend = settings.SMS_BACKEND
    cls: type[SmsSender] = SENDERS.get(backend) or import_string(backend)
    return cls()


# Fixed messages without any code, by the name the task carries.
NOTICES = {
    "phone_changed": "The phone number of your account has been changed: this number no "
    "longer signs in to it. If you did not do this, sign in with your new number or "
    "contact support.",
}


def render_notice(notice: str) -> str:
    return NOTICES[notice]
