"""SMS senders behind one small interface, chosen by the SMS_BACKEND setting.

- `simulated`: waits SMS_DELAY_MIN..SMS_DELAY_MAX seconds (in the worker) and, with
  SMS_DEV_INBOX and DEBUG on, keeps the message for the development inbox;
- `smsaero`: SMS Aero's HTTP API v2;
- `locmem`: keeps messages in memory, for tests.
A dotted path to a class with `send(*, phone, text) -> str` is accepted too.

Texts are written in the language the delivery recorded (`sms_language`) and kept to one
segment (`fit_one_segment`); docs/sms.md shows them all.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import phonenumbers
import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .models import SmsDelivery
from .segments import count_segments

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


# --- QA scenario numbers (simulated sender only; docs/sms.md) ----------------------------
Scenario = SmsDelivery.Scenario
SCENARIO_NUMBERS: dict[str, str] = {
    "+79000000001": Scenario.RETRY_ONCE,
    "+79000000002": Scenario.REFUSED,
    "+79000000003": Scenario.UNDELIVERED,
    "+79000000004": Scenario.NO_RECEIPT,
}


MESSAGE_ID_PREFIXES: dict[str, str] = {
    Scenario.UNDELIVERED: "sim-undelivered-",
    Scenario.NO_RECEIPT: "sim-noreceipt-",
}


def scenario_of(phone: str) -> str:
    """What `phone` is for ("" for a person's number): a test number (SMS_TEST_NUMBERS),
    which is sent nothing, or a QA scenario, played only by the simulated sender so that a
    real provider treats these numbers as any other."""
    if phone in settings.SMS_TEST_NUMBERS:
        return Scenario.TEST
    if settings.SMS_BACKEND != "simulated":
        return ""
    return SCENARIO_NUMBERS.get(phone, "")


def _play_scenario(phone: str, text: str) -> str:
    """Fail as the number's scenario says; return the prefix of its message id."""
    scenario = SCENARIO_NUMBERS.get(phone, "")
    if scenario == Scenario.REFUSED:
        raise SmsRejected("simulated: the number refuses every message (QA scenario)")
    if scenario == Scenario.RETRY_ONCE:
        # The first attempt of each message fails; its retry (the same text: the same
        # code) passes. One cache key per message, kept as long as its code lives.
        key = "sms:scenario:" + hashlib.sha256(f"{phone}\n{text}".encode()).hexdigest()
        if cache.add(key, 1, timeout=settings.LOGIN_CODE_TTL):
            raise SmsTransientError("simulated: the first attempt fails (QA scenario)")
    # The message ids tell a future delivery receipt what to report (undelivered, never).
    return MESSAGE_ID_PREFIXES.get(scenario, "sim-")


class SimulatedSender:
    name = "simulated"

    def send(self, *, phone: str, text: str) -> str:
        prefix = _play_scenario(phone, text)
        low, high = settings.SMS_DELAY_MIN, settings.SMS_DELAY_MAX
        delay = random.uniform(low, max(low, high))  # noqa: S311 - a delay, not a secret
        if delay > 0:
            time.sleep(delay)
        message_id = f"{prefix}{uuid.uuid4()}"
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


def get_sender() -> SmsSender:
    backend = settings.SMS_BACKEND
    cls: type[SmsSender] = SENDERS.get(backend) or import_string(backend)
    return cls()


# --- Languages ------------------------------------------------------------------------------
# Countries whose numbers get Russian when the request named no language the service has.
COUNTRY_LANGUAGES = {"RU": "ru", "BY": "ru", "KZ": "ru", "KG": "ru"}


def sms_language(*, phone: str, requested: str | None = None) -> str:
    """The language of an SMS to `phone`: `requested` (the code request's Accept-Language or
    UI language) when the service has it, else the number's country's (LANGUAGE_CODE for
    countries without one)."""
    if requested:
        try:
            return translation.get_supported_language_variant(requested)
        except LookupError:
            pass
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return settings.LANGUAGE_CODE
    # A number only "possible" (the simulated senders' +71111111111) has no region of its
    # own: its calling code's main country decides, as for SMS_ALLOWED_REGIONS.
    region = phonenumbers.region_code_for_number(
        number
    ) or phonenumbers.region_code_for_country_code(number.country_code or 0)
    return COUNTRY_LANGUAGES.get(region, settings.LANGUAGE_CODE)


# --- Texts -----------------------------------------------------------------------------------
def autofill_lines(code: str) -> list[str]:
    """The lines that let a phone fill `code` in by itself, in the order they end an SMS:
    the Android app's hash (SMS Retriever finds it anywhere in the message), then the
    origin-bound line, which WebOTP and Safari read only as the very last line."""
    lines = []
    if settings.SMS_ANDROID_APP_HASH:
        lines.append(settings.SMS_ANDROID_APP_HASH)
    if settings.SMS_WEBOTP_DOMAIN:
        lines.append(f"@{settings.SMS_WEBOTP_DOMAIN} #{code}")
    return lines


def fit_one_segment(variants: Sequence[str], tail: Sequence[str] = ()) -> str:
    """The first of `variants` (longest first) that, with the `tail` lines, fits one
    segment; the last (shortest) one when none does (then several segments are billed,
    which `sms_texts_fit_one_segment` warns about at start)."""
    text = ""
    for variant in variants:
        text = "\n".join([variant, *tail])
        if count_segments(text).count <= 1:
            break
    return text


def segments_of(text: str) -> int:
    return count_segments(text).count


# Fixed messages without any code, by the name the task carries.
NOTICES = {
    "phone_changed": _(
        "Your account has moved to a new phone number: this number no longer signs in to "
        "it. Not you? Contact support."
    ),
}


def render_notice(notice: str, language: str | None = None) -> str:
    """The notice's text in `language` (the active one when None)."""
    if language is None:
        return str(NOTICES[notice])
    with translation.override(language):
        return str(NOTICES[notice])
