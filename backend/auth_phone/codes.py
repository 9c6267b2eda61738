"""Generating and checking login codes. The plaintext exists only in the worker that sends it.

A code is derived, not drawn: HMAC(LOGIN_CODE_HMAC_KEY, row id + the row's random nonce),
so every attempt to send one login code (a retry after a provider timeout, a message the
outbox sweeper publishes again) carries the same digits. Without the key, the nonce
in the database tells nothing about the code."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils import timezone

from .models import LoginCode


def derive_code(*, login_code_id: int, nonce: str) -> str:
    """LOGIN_CODE_LENGTH digits (4 to 8)."""
    digits = settings.LOGIN_CODE_LENGTH
    key = settings.LOGIN_CODE_HMAC_KEY.encode()
    digest = hmac.new(key, f"login-code:{login_code_id}:{nonce}".encode(), hashlib.sha256)
    # 64 bits reduced modulo 10^n (n <= 8): the bias (below 2^-36) is far beneath anything
    # a guess uses.
    return f"{int.from_bytes(digest.digest()[:8], 'big') % 10**digits:0{digits}d}"


def hash_code(*, user_id: int, code: str) -> str:
    key = settings.LOGIN_CODE_HMAC_KEY.encode()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(login_code: LoginCode, code: str) -> bool:
    if not login_code.code_hash:
        return False
    expected = hash_code(user_id=login_code.user_id, code=code)
    return hmac.compare_digest(login_code.code_hash, expected)


def store_code(*, login_code_id: int, nonce: str, user_id: int) -> str | None:
    """Derive the code of the login code `login_code_id` and store its hash; None and
    nothing stored if the code was used, replaced or has expired meanwhile (the hash is
    written by a conditional UPDATE)."""
    code = derive_code(login_code_id=login_code_id, nonce=nonce)
    stored = LoginCode.objects.filter(
        pk=login_code_id, expires_at__gt=timezone.now(), used_at__isnull=True
    ).update(code_hash=hash_code(user_id=user_id, code=code))
    return code if stored else None
