"""SMS senders behind one small interface, chosen by the SMS_BACKEND setting: one name, or
several in order of preference (`smsaero,twilio`), tried in turn (`send`).

- `simulated`: waits SMS_DELAY_MIN..SMS_DELAY_MAX seconds (in the worker) and, with
  SMS_DEV_INBOX and DEBUG on, keeps the message for the development inbox;
- `smsaero`: SMS Aero's HTTP API v2;
- `twilio`: Twilio Programmable Messaging (REST API 2010-04-01);
- `locmem`: keeps messages in memory, for tests.
A dotted path to a class with `send(*, phone, text) -> str` is accepted too.

Texts are written in the language the delivery recorded (`sms_language`) and kept to one
segment (`fit_one_segment`); docs/sms.md shows them all.

Both providers are called with plain `requests` on one session per worker thread (kept-alive
connections): each is one POST and one GET, which their client libraries would only wrap.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import random
import re
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import phonenumbers
import redis
import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_redis.exceptions import ConnectionInterrupted  # type: ignore[import-untyped]

from core import phones
from core.ops import metrics

from .models import SmsDelivery
from .segments import count_segments

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """Sending failed. Messages name the cause and never carry the SMS text."""


class SmsTransientError(SmsError):
    """Worth another try later: the network or the provider failed."""


class SmsRejected(SmsError):
    """The provider refused the message; retrying would not help."""


_local = threading.local()


def http() -> requests.Session:
    """This thread's session for the providers' APIs (no proxy from the environment)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.trust_env = False
    return session


def _provider_answer(provider: str, kind: str, detail: str) -> None:
    """Log and count an answer a provider should not have given (garbage, no id...)."""
    metrics.SMS_PROVIDER_ERRORS.labels(provider, kind).inc()
    logger.warning("%s: %s", provider, detail)


def _provider_response(provider: str, method: str, url: str, **kwargs) -> requests.Response:
    """`method` `url` on the shared session; what every provider call treats alike raises
    SmsTransientError: no connection, no answer in time, a 5xx or a 429 (the same message
    may go again, through this provider or the next)."""
    try:
        response = http().request(method, url, **kwargs)
    except requests.Timeout as exc:
        raise SmsTransientError(f"{provider} did not answer in time") from exc
    except requests.RequestException as exc:
        raise SmsTransientError(f"{provider} unreachable ({type(exc).__name__})") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise SmsTransientError(f"{provider} answered HTTP {response.status_code}")
    return response


class SmsSender(Protocol):
    name: str

    def send(self, *, phone: str, text: str) -> str:
        """Send `text` to `phone`; return the provider's message id."""


class ReceiptSender(SmsSender, Protocol):
    def status(self, message_id: str) -> str:
        """The message's final state (a SmsDelivery.Receipt value), or "" while pending."""


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
    # The message ids tell the delivery receipt what to report (undelivered, never).
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

    def status(self, message_id: str) -> str:
        """The receipt its scenario promises: undelivered, none ever (the poll ends in
        expired at SMS_RECEIPT_GIVE_UP), delivered for every other message."""
        if message_id.startswith(MESSAGE_ID_PREFIXES[Scenario.UNDELIVERED]):
            return SmsDelivery.Receipt.UNDELIVERED
        if message_id.startswith(MESSAGE_ID_PREFIXES[Scenario.NO_RECEIPT]):
            return ""
        return SmsDelivery.Receipt.DELIVERED


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
        response = _provider_response(
            "SMS Aero",
            "POST",
            settings.SMSAERO_API_URL.rstrip("/") + "/sms/send",
            json={"number": phone.lstrip("+"), "sign": settings.SMSAERO_SIGN, "text": text},
            auth=(settings.SMSAERO_EMAIL, settings.SMSAERO_API_KEY),
            timeout=settings.SMSAERO_TIMEOUT,
        )
        try:
            body = response.json()
        except ValueError as exc:
            # Not the API's answer (a proxy's page...). Whether the message was taken is
            # unknown: sending it again, here or elsewhere, might send it twice.
            _provider_answer(self.name, "garbage", f"HTTP {response.status_code}, not JSON")
            raise SmsRejected(f"SMS Aero answered HTTP {response.status_code}, not JSON") from exc
        if not isinstance(body, dict) or body.get("success") is not True:
            message = body.get("message") if isinstance(body, dict) else None
            raise SmsRejected(
                f"SMS Aero refused the message (HTTP {response.status_code}): "
                f"{str(message or 'no reason given')[:200]}"
            )
        data = body.get("data")
        message_id = str(data.get("id") or "") if isinstance(data, dict) else ""
        if not message_id:
            # Accepted (success: true): sending again would send twice. No receipt, though.
            _provider_answer(self.name, "no_id", "accepted a message without giving its id")
        return message_id

    def status(self, message_id: str) -> str:
        """The message's state at SMS Aero (sms/status): a RECEIPT_STATES value, or "" while
        it is not final. Raises SmsTransientError, SmsRejected."""
        response = _provider_response(
            "SMS Aero",
            "GET",
            settings.SMSAERO_API_URL.rstrip("/") + "/sms/status",
            params={"id": message_id},
            auth=(settings.SMSAERO_EMAIL, settings.SMSAERO_API_KEY),
            timeout=settings.SMSAERO_TIMEOUT,
        )
        try:
            body = response.json()
        except ValueError as exc:  # (requests' JSONDecodeError is one)
            _provider_answer(self.name, "garbage", "a status that is not JSON")
            raise SmsTransientError("SMS Aero answered a status that is not JSON") from exc
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or body.get("success") is not True:
            raise SmsRejected(f"SMS Aero has no status for message {message_id}")
        code = data.get("status")
        if code not in SMSAERO_STATES:
            _provider_answer(self.name, "unknown_status", f"unknown status {code!r}")
            return ""  # not final as far as we know: asked again until the give-up time
        return SMSAERO_STATES[code]


# SMS Aero's numeric statuses (sms/status): final ones map to a receipt state, the others
# (queued 0, transmitted 3, waiting 4, moderation 8) to "".
SMSAERO_STATES = {0: "", 1: "delivered", 2: "undelivered", 3: "", 4: "", 6: "rejected", 8: ""}


class TwilioSender:
    """Twilio Programmable Messaging: POST {TWILIO_API_URL}/2010-04-01/Accounts/{sid}/
    Messages.json (form fields To, From, Body; basic auth: account SID, auth token).

    Network errors, timeouts, 5xx and 429 are transient; any other 4xx is a refusal."""

    name = "twilio"

    def _url(self, tail: str) -> str:
        base = settings.TWILIO_API_URL.rstrip("/")
        return f"{base}/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/{tail}"

    def _call(self, method: str, url: str, **kwargs) -> dict:
        response = _provider_response(
            "Twilio",
            method,
            url,
            auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN),
            timeout=settings.TWILIO_TIMEOUT,
            **kwargs,
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            # As for SMS Aero: whether it took the message is unknown; no second send.
            _provider_answer(self.name, "garbage", f"HTTP {response.status_code}, not JSON")
            raise SmsRejected(f"Twilio answered HTTP {response.status_code}, not JSON")
        if response.status_code >= 400:
            raise SmsRejected(
                f"Twilio refused the message (HTTP {response.status_code}, code "
                f"{body.get('code')}): {str(body.get('message') or 'no reason given')[:200]}"
            )
        return body

    def send(self, *, phone: str, text: str) -> str:
        body = self._call(
            "POST", self._url("Messages.json"),
            data={"To": phone, "From": settings.TWILIO_FROM, "Body": text},
        )  # fmt: skip
        message_id = str(body.get("sid") or "")
        if not message_id:
            _provider_answer(self.name, "no_id", "accepted a message without giving its sid")
        return message_id

    def status(self, message_id: str) -> str:
        """The message's state at Twilio (Messages/{sid}.json): a RECEIPT_STATES value, or ""
        while it is not final. Raises SmsTransientError, SmsRejected."""
        body = self._call("GET", self._url(f"Messages/{message_id}.json"))
        status = body.get("status")
        if status not in TWILIO_STATES:
            _provider_answer(self.name, "unknown_status", f"unknown status {status!r}")
            return ""
        return TWILIO_STATES[status]


TWILIO_STATES = {
    **dict.fromkeys(
        ("accepted", "scheduled", "queued", "sending", "sent", "receiving", "received"), ""
    ),
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "rejected",
    "canceled": "rejected",
}


SENDERS: dict[str, type[SmsSender]] = {
    "simulated": SimulatedSender,
    "smsaero": SmsAeroSender,
    "twilio": TwilioSender,
    "locmem": LocmemSender,
}


def backends() -> list[str]:
    """SMS_BACKEND as a list, in order of preference."""
    return [name.strip() for name in settings.SMS_BACKEND.split(",") if name.strip()]


def longest_send() -> float:
    """The most seconds one send may take: every provider in turn, each up to its timeout."""
    timeouts = {"smsaero": settings.SMSAERO_TIMEOUT, "twilio": settings.TWILIO_TIMEOUT}
    return sum(max(timeouts.get(name, 0), settings.SMS_DELAY_MAX) for name in backends())


def sender(name: str) -> SmsSender:
    cls: type[SmsSender] = SENDERS.get(name) or import_string(name)
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
    code = phones.calling_code(phone)
    known = _calling_code_languages()
    if code not in known:  # no country of this calling code has a language of its own
        return settings.LANGUAGE_CODE
    shared = known[code]
    if shared is not None:  # all its countries share one (+7: Russia, Kazakhstan)
        return shared
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return settings.LANGUAGE_CODE
    # A number only "possible" (the simulated senders' +71111111111) has no region of its
    # own: its calling code's main country decides, as for SMS_ALLOWED_REGIONS.
    region = phonenumbers.region_code_for_number(
        number
    ) or phonenumbers.region_code_for_country_code(number.country_code or 0)
    return COUNTRY_LANGUAGES.get(region) or settings.LANGUAGE_CODE


@functools.cache
def _calling_code_languages() -> dict[int, str | None]:
    """For each calling code of a country in COUNTRY_LANGUAGES: the language every country
    of that code gets, or None where they differ (only a parse of the number tells). Every
    code request asks for its SMS's language, and the digits answer it without a parse."""
    languages: dict[int, str | None] = {}
    for region, language in COUNTRY_LANGUAGES.items():
        code = phonenumbers.country_code_for_region(region)
        shared = {
            COUNTRY_LANGUAGES.get(r) for r in phonenumbers.region_codes_for_country_code(code)
        }
        languages[code] = language if shared == {language} else None
    return languages


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


def get_sender() -> SmsSender:
    """The first sender of SMS_BACKEND."""
    return sender(backends()[0])


@dataclass(frozen=True)
class Sent:
    provider: str
    message_id: str


def send(*, phone: str, text: str) -> Sent:
    """Send through the first provider of SMS_BACKEND that takes the message. A transient
    failure passes the same message to the next provider at once; a refusal does not (it
    is about the message, not the provider). A provider whose circuit is open is skipped
    while another one is available. Raises SmsTransientError when every provider failed,
    SmsRejected."""
    names = backends()
    # With one provider there is nothing to skip it for: no circuit, no cache round trip.
    circuits = len(names) > 1
    closed = [name for name in names if not breaker.is_open(name)] if circuits else names
    errors = []
    for name in closed or names:
        try:
            message_id = sender(name).send(phone=phone, text=text)
        except SmsRejected as exc:
            exc.provider = name  # type: ignore[attr-defined]  # for the delivery log
            raise
        except SmsTransientError as exc:
            if circuits:
                breaker.failed(name)
            metrics.SMS_PROVIDER_ERRORS.labels(name, "transient").inc()
            logger.warning("SMS via %s failed, trying the next provider: %s", name, exc)
            errors.append(f"{name}: {exc}" if len(names) > 1 else str(exc))
            continue
        if circuits:
            breaker.succeeded(name)
        return Sent(provider=name, message_id=message_id)
    raise SmsTransientError("; ".join(errors))


# django-redis wraps the client's errors; the file cache (tests without Redis) raises OSError.
_CACHE_ERRORS = (ConnectionInterrupted, redis.RedisError, OSError)


class _Breaker:
    """A circuit breaker per provider, in the cache (Redis: shared by every worker):
    SMS_BREAKER_FAILURES transient failures in a row open it for SMS_BREAKER_SECONDS, during
    which the provider is skipped if another one is available; then it is tried again.
    A cache that is down never stops a send: every circuit counts as closed."""

    def _key(self, name: str, what: str) -> str:
        return f"sms-breaker:{name}:{what}"

    def is_open(self, name: str) -> bool:
        try:
            return bool(cache.get(self._key(name, "open")))
        except _CACHE_ERRORS as exc:  # the circuit is an optimisation: never stop a send
            logger.warning("SMS circuit of %s unknown (%s)", name, type(exc).__name__)
            return False

    def failed(self, name: str) -> None:
        seconds = settings.SMS_BREAKER_SECONDS
        key = self._key(name, "failures")
        try:
            cache.add(key, 0, timeout=seconds * 10)
            if cache.incr(key) >= settings.SMS_BREAKER_FAILURES:
                cache.set(self._key(name, "open"), True, timeout=seconds)
                cache.delete(key)
                metrics.SMS_PROVIDER_ERRORS.labels(name, "circuit_opened").inc()
                logger.error("SMS provider %s skipped for %s s after failures", name, seconds)
        except _CACHE_ERRORS as exc:
            logger.warning("SMS circuit of %s not updated (%s)", name, type(exc).__name__)

    def succeeded(self, name: str) -> None:
        try:
            cache.delete_many([self._key(name, "failures"), self._key(name, "open")])
        except _CACHE_ERRORS as exc:
            logger.warning("SMS circuit of %s not updated (%s)", name, type(exc).__name__)


breaker = _Breaker()


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
