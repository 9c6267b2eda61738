"""Generating and checking login codes. The plaintext exists only in the worker that sends it."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import LoginCode

CODE_DIGITS = 4


def hash_code(*, user_id: int, code: str) -> str:
    key = settings.LOGIN_CODE_HMAC_KEY.encode()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(login_code: LoginCode, code: str) -> bool:
    if not login_code.code_hash:
        return False
    expected = hash_code(user_id=login_code.user_id, code=code)
    return hmac.compare_digest(login_code.code_hash, expected)


@transaction.atomic
def issue_code(*, login_code_id: int | None) -> str | None:
    """Generate a fresh code for a live LoginCode and store its hash; None if the code
    was replaced, used or has expired (a stale task then sends nothing)."""
    if login_code_id is None:
        return None
    login_code = (
        LoginCode.objects.select_for_update()
        .filter(pk=login_code_id, used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if login_code is None:
        return None
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    login_code.code_hash = hash_code(user_id=login_code.user_id, code=code)
    login_code.save(update_fields=["code_hash"])
    return code
