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
    """What a receiver does (docs/webhooks.md): the signature matches and is recent."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        t = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - t) > tolerance:
        return False
    expected = sign(secret=secret, body=body, timestamp=t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))
