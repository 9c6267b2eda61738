"""Login codes, their SMS and the rate limits."""

import re

import phonenumbers
from django.core.exceptions import ImproperlyConfigured

from .base import derived_key, env

# --- Login codes, SMS, rate limits ------------------------------------------------------
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="RU")
LOGIN_CODE_TTL = env.int("LOGIN_CODE_TTL", default=300)
LOGIN_CODE_MAX_ATTEMPTS = env.int("LOGIN_CODE_MAX_ATTEMPTS", default=5)
LOGIN_CODE_HMAC_KEY = env.str("LOGIN_CODE_HMAC_KEY", default="") or derived_key("login-code-hmac")
# Digits of a login or phone-change code. 4 is the API's original contract; more digits make
# a guess within LOGIN_CODE_MAX_ATTEMPTS less likely (5 tries: 1 in 2000 at 4, 1 in 200000 at 6).
LOGIN_CODE_LENGTH = env.int("LOGIN_CODE_LENGTH", default=4)
if not 4 <= LOGIN_CODE_LENGTH <= 8:
    raise ImproperlyConfigured(f"LOGIN_CODE_LENGTH must be 4 to 8, not {LOGIN_CODE_LENGTH}.")

RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
SMS_RESEND_COOLDOWN = env.int("SMS_RESEND_COOLDOWN", default=60)
# Codes per number per requesting network (IPv4 address, IPv6 /64) ...
SMS_PHONE_HOURLY_LIMIT = env.int("SMS_PHONE_HOURLY_LIMIT", default=5)
# ... and per number across all networks.
SMS_PHONE_HOURLY_LIMIT_ALL_NETWORKS = env.int("SMS_PHONE_HOURLY_LIMIT_ALL_NETWORKS", default=15)
SMS_IP_HOURLY_LIMIT = env.int("SMS_IP_HOURLY_LIMIT", default=30)
LOGIN_FAILURES_HOURLY_LIMIT = env.int("LOGIN_FAILURES_HOURLY_LIMIT", default=10)
LOGIN_FAILURES_IP_HOURLY_LIMIT = env.int("LOGIN_FAILURES_IP_HOURLY_LIMIT", default=30)
# An IPv6 client is counted by its /64 (the limits above), its /56 and its /48 at once.
SMS_IP56_HOURLY_LIMIT = env.int("SMS_IP56_HOURLY_LIMIT", default=60)
SMS_IP48_HOURLY_LIMIT = env.int("SMS_IP48_HOURLY_LIMIT", default=120)
LOGIN_FAILURES_IP56_HOURLY_LIMIT = env.int("LOGIN_FAILURES_IP56_HOURLY_LIMIT", default=60)
LOGIN_FAILURES_IP48_HOURLY_LIMIT = env.int("LOGIN_FAILURES_IP48_HOURLY_LIMIT", default=120)
# The breaker: failed logins of the whole service per window (seconds), far above normal.
LOGIN_FAILURES_SERVICE_LIMIT = env.int("LOGIN_FAILURES_SERVICE_LIMIT", default=1000)
LOGIN_FAILURES_SERVICE_WINDOW = env.int("LOGIN_FAILURES_SERVICE_WINDOW", default=60)
# Unknown invite codes one user may try per clock hour.
INVITE_FAILURES_HOURLY_LIMIT = env.int("INVITE_FAILURES_HOURLY_LIMIT", default=20)
# Avatar uploads one account may make per window (each is decoded and encoded again).
AVATAR_UPLOADS_HOURLY_LIMIT = env.int("AVATAR_UPLOADS_HOURLY_LIMIT", default=10)
# Failed password logins on the admin's login page per client address (IPv6: per /64)
# per window; beyond it every admin login from that address answers 429.
ADMIN_LOGIN_FAILURES_HOURLY_LIMIT = env.int("ADMIN_LOGIN_FAILURES_HOURLY_LIMIT", default=10)
RATE_LIMIT_WINDOW = env.int("RATE_LIMIT_WINDOW", default=3600)

SMS_BACKEND = env.str("SMS_BACKEND", default="simulated")
# Countries (ISO 3166 codes) whose numbers may get a login code; "*" allows every country.
SMS_ALLOWED_REGIONS = env.list("SMS_ALLOWED_REGIONS", default=["RU"])
# Login codes the whole service may send per clock hour (a cap on the SMS bill).
SMS_HOURLY_BUDGET = env.int("SMS_HOURLY_BUDGET", default=1000)
# The conversion guard per country calling code (docs/security.md, "SMS pumping"): once
# this many codes went to one calling code within the last hour (0: no guard) ...
SMS_ROUTE_GUARD_MIN_REQUESTS = env.int("SMS_ROUTE_GUARD_MIN_REQUESTS", default=100)
# ... at least this share of them must have been used (a login, a confirmed change of
# number), or codes to that calling code wait ...
SMS_ROUTE_GUARD_MIN_CONVERSION = env.float("SMS_ROUTE_GUARD_MIN_CONVERSION", default=0.2)
if not 0 <= SMS_ROUTE_GUARD_MIN_CONVERSION <= 1:
    raise ImproperlyConfigured(
        "SMS_ROUTE_GUARD_MIN_CONVERSION is a share from 0 to 1 (0.2: 20 % of the codes "
        f"used), not {SMS_ROUTE_GUARD_MIN_CONVERSION}."
    )
# ... this many seconds, or until an operator lifts the suspension in the admin (0: no guard).
SMS_ROUTE_SUSPEND_SECONDS = env.int("SMS_ROUTE_SUSPEND_SECONDS", default=3600)
# Calling codes the guard never suspends (digits, comma-separated: "7,49"), e.g. the home
# country's, where a stranger's flood of unused codes must not stop every login; the budget
# and the per-address limits still bound what they cost.
SMS_ROUTE_GUARD_EXEMPT = frozenset(
    int(code.strip().lstrip("+")) for code in env.list("SMS_ROUTE_GUARD_EXEMPT", default=[])
)
SMS_DELAY_MIN = env.float("SMS_DELAY_MIN", default=1.0)
SMS_DELAY_MAX = env.float("SMS_DELAY_MAX", default=2.0)
SMS_DEV_INBOX = env.bool("SMS_DEV_INBOX", default=False)
SMS_MAX_RETRIES = env.int("SMS_MAX_RETRIES", default=4)
SMS_RETRY_BACKOFF = env.int("SMS_RETRY_BACKOFF", default=2)
SMS_RETRY_BACKOFF_MAX = env.int("SMS_RETRY_BACKOFF_MAX", default=60)
SMSAERO_API_URL = env.str("SMSAERO_API_URL", default="https://gate.smsaero.ru/v2/")
SMSAERO_EMAIL = env.str("SMSAERO_EMAIL", default="")
SMSAERO_API_KEY = env.str("SMSAERO_API_KEY", default="")
SMSAERO_SIGN = env.str("SMSAERO_SIGN", default="SMS Aero")
SMSAERO_TIMEOUT = env.float("SMSAERO_TIMEOUT", default=10.0)
# A change of number needs a login with a code at most this many seconds ago.
PHONE_CHANGE_REAUTH_SECONDS = env.int("PHONE_CHANGE_REAUTH_SECONDS", default=300)

# --- The SMS text: autofill and fixed test numbers (docs/sms.md) ---------------------------
# The site's domain: its last line becomes "@<domain> #<code>", which Chrome's WebOTP API
# and Safari read to fill the code in. Empty: no such line.
SMS_WEBOTP_DOMAIN = env.str("SMS_WEBOTP_DOMAIN", default="").strip().lstrip("@")
if SMS_WEBOTP_DOMAIN and not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]+)?", SMS_WEBOTP_DOMAIN):
    raise ImproperlyConfigured(
        f"SMS_WEBOTP_DOMAIN must be a bare host name such as referral.example.com, not "
        f"{SMS_WEBOTP_DOMAIN!r}."
    )
# The Android app's 11-character hash for the SMS Retriever API. Empty: not in the SMS.
SMS_ANDROID_APP_HASH = env.str("SMS_ANDROID_APP_HASH", default="").strip()
if SMS_ANDROID_APP_HASH and not re.fullmatch(r"[A-Za-z0-9+/]{11}", SMS_ANDROID_APP_HASH):
    raise ImproperlyConfigured(
        "SMS_ANDROID_APP_HASH must be the 11 characters (letters, digits, + and /) that "
        "Google's SMS Retriever documentation computes from the app's package and key."
    )


def _test_numbers(entries: list[str], length: int) -> dict[str, str]:
    """`+79990000001=4821,...` as {phone: code}. Raises ImproperlyConfigured, naming the
    entry, for anything that is not an E.164 number with a code of `length` digits: a number
    the API would spell otherwise could never be matched, and the service must not start
    with a test number that silently does not work."""
    numbers = {}
    for entry in entries:
        phone, sep, code = (part.strip() for part in entry.partition("="))
        try:
            e164 = phonenumbers.format_number(
                phonenumbers.parse(phone, None), phonenumbers.PhoneNumberFormat.E164
            )
        except phonenumbers.NumberParseException:
            e164 = None
        if not sep or e164 != phone:
            raise ImproperlyConfigured(
                f"SMS_TEST_NUMBERS: {entry!r} is not '<E.164 number>=<code>' "
                "(for example +79990000001=4821)."
            )
        if not re.fullmatch(rf"[0-9]{{{length}}}", code):
            raise ImproperlyConfigured(
                f"SMS_TEST_NUMBERS: the code of {phone} must be {length} digits "
                "(LOGIN_CODE_LENGTH)."
            )
        numbers[phone] = code
    return numbers


# Numbers that log in with a fixed code and get no SMS (app-store review, demos): a code
# request answers as usual, sends nothing and spends no SMS budget. Empty by default.
SMS_TEST_NUMBERS = _test_numbers(env.list("SMS_TEST_NUMBERS", default=[]), LOGIN_CODE_LENGTH)
# A second provider (SMS_BACKEND=smsaero,twilio): Twilio Programmable Messaging.
TWILIO_API_URL = env.str("TWILIO_API_URL", default="https://api.twilio.com")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")
TWILIO_TIMEOUT = env.float("TWILIO_TIMEOUT", default=10.0)
# A provider that failed this many times in a row is skipped for SMS_BREAKER_SECONDS while
# another one is available.
SMS_BREAKER_FAILURES = env.int("SMS_BREAKER_FAILURES", default=5)
SMS_BREAKER_SECONDS = env.int("SMS_BREAKER_SECONDS", default=60)
# Delivery receipts: the provider is first asked SMS_RECEIPT_FIRST_CHECK seconds after it
# took the message, then at doubling intervals (at most 15 min), until a final state or
# SMS_RECEIPT_GIVE_UP seconds after the send (then: expired).
SMS_RECEIPT_FIRST_CHECK = env.int("SMS_RECEIPT_FIRST_CHECK", default=10)
SMS_RECEIPT_GIVE_UP = env.int("SMS_RECEIPT_GIVE_UP", default=3600)
