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


def issue_code(*, login_code: LoginCode | None) -> str | None:
    """Derive the code of `login_code` (read by the caller, with its delivery) and store its
    hash (the same code on every call); None if the code was replaced, used or has expired
    (a stale task then sends nothing). The hash is written by a conditional UPDATE, so a
    code used or expired since it was read is not stored either."""
    if login_code is None or login_code.used_at is not None:
        return None
    if login_code.expires_at <= timezone.now():
        return None
    code = derive_code(login_code_id=login_code.pk, nonce=login_code.nonce)
    code_hash = hash_code(user_id=login_code.user_id, code=code)
    if login_code.code_hash != code_hash:  # a retry finds it stored already: no second write
        stored = LoginCode.objects.filter(
            pk=login_code.pk, expires_at__gt=timezone.now(), used_at__isnull=True
        ).update(code_hash=code_hash)
        if not stored:
            return None
        login_code.code_hash = code_hash
    return code
