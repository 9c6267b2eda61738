"""Stripe-style signatures: `X-Webhook-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" keyed with the endpoint's secret>`."""

from __future__ import annotations

import hashlib
import hmac
import time


def sign(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(*, secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """What a receiver does (docs/webhooks.md): the signature matches and is recent. A
    missing field, a `t` that is not ASCII digits or a non-ASCII `v1` simply does not."""
    fields = dict(item.partition("=")[::2] for item in header.split(","))
    t, v1 = fields.get("t", ""), fields.get("v1", "")
    # compare_digest refuses a str with non-ASCII characters (TypeError); int() would take
    # other scripts' digits, which are not what was signed.
    if not (t.isascii() and t.isdigit() and v1.isascii()):
        return False
    if abs(time.time() - int(t)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, v1)
