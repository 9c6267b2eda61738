"""Login codes, their SMS and the rate limits."""

from .base import derived_key, env

# --- Login codes, SMS, rate limits ------------------------------------------------------
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="RU")
LOGIN_CODE_TTL = env.int("LOGIN_CODE_TTL", default=300)
LOGIN_CODE_MAX_ATTEMPTS = env.int("LOGIN_CODE_MAX_ATTEMPTS", default=5)
LOGIN_CODE_HMAC_KEY = env.str("LOGIN_CODE_HMAC_KEY", default="") or derived_key("login-code-hmac")

RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
SMS_RESEND_COOLDOWN = env.int("SMS_RESEND_COOLDOWN", default=60)
SMS_PHONE_HOURLY_LIMIT = env.int("SMS_PHONE_HOURLY_LIMIT", default=5)
SMS_IP_HOURLY_LIMIT = env.int("SMS_IP_HOURLY_LIMIT", default=30)
LOGIN_FAILURES_HOURLY_LIMIT = env.int("LOGIN_FAILURES_HOURLY_LIMIT", default=10)
LOGIN_FAILURES_IP_HOURLY_LIMIT = env.int("LOGIN_FAILURES_IP_HOURLY_LIMIT", default=30)
# Unknown invite codes one user may try per clock hour.
INVITE_FAILURES_HOURLY_LIMIT = env.int("INVITE_FAILURES_HOURLY_LIMIT", default=20)
RATE_LIMIT_WINDOW = env.int("RATE_LIMIT_WINDOW", default=3600)

SMS_BACKEND = env.str("SMS_BACKEND", default="simulated")
# Countries (ISO 3166 codes) whose numbers may get a login code; "*" allows every country.
SMS_ALLOWED_REGIONS = env.list("SMS_ALLOWED_REGIONS", default=["RU"])
# Login codes the whole service may send per clock hour (a cap on the SMS bill).
SMS_HOURLY_BUDGET = env.int("SMS_HOURLY_BUDGET", default=1000)
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
