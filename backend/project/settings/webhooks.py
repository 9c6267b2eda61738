"""Webhook delivery."""

from .base import env

# --- Webhooks ---------------------------------------------------------------------------
# Development and tests only: allows http:// and private, loopback, link-local addresses.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# The wait before attempt n+1 is a random value between half and all of
# min(WEBHOOK_RETRY_BACKOFF * 2^(n-1), WEBHOOK_RETRY_BACKOFF_MAX) seconds: with the
# defaults, 8 attempts span 12 to 25 hours.
WEBHOOK_RETRY_BACKOFF = env.int("WEBHOOK_RETRY_BACKOFF", default=720)
WEBHOOK_RETRY_BACKOFF_MAX = env.int("WEBHOOK_RETRY_BACKOFF_MAX", default=12 * 3600)
# How long a process trusts what it last read about which events have an endpoint (the
# query that every event would otherwise cost); 0 reads it for every event.
WEBHOOK_ENDPOINT_CACHE_SECONDS = env.float("WEBHOOK_ENDPOINT_CACHE_SECONDS", default=5.0)
# An endpoint is disabled after this many failed attempts in a row (any event).
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=50)
