"""Phone login: asking for a one-time code and exchanging it for JWT tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from profiles.models import User
from profiles.services import get_or_create_user
from project import metrics
from tasks.services import queue_login_code_sms

from . import codes, ratelimit
from .errors import (
    CodeAttemptsExhausted,
    CodeExpired,
    InvalidRefreshToken,
    NoActiveCode,
    WrongCode,
)
from .models import LoginCode


@dataclass(frozen=True)
class CodeRequest:
    user: User
    created: bool
    task_id: str
    expires_in: int
    resend_in: int


def request_login_code(
    *,
    phone: str,
    client_ip: str,
    purpose: str = LoginCode.Purpose.LOGIN,
    user: User | None = None,
    in_transaction: Callable[[], object] | None = None,
) -> CodeRequest:
    """Create the user if new, replace any unused code with a new one and queue its SMS.
    Raises RateLimited; a refused or failed request sends nothing and counts nothing.
    With `user` given (a phone change), `phone` is the number to prove and no user is made;
    `in_transaction` runs first in the code's transaction (its errors undo both)."""
    reservations = ratelimit.reserve_code_request(phone=phone, ip=client_ip)
    try:
        with transaction.atomic():
            if in_transaction is not None:
                in_transaction()
            if user is None:
                user, created = get_or_create_user(phone=phone)
            else:
                created = False
            if not created:
                # Serialises concurrent requests for one phone: one unused code at a time.
                # A user created by this transaction has no code yet and stays invisible
                # to other requests until the commit, so it needs neither step.
                User.objects.select_for_update().filter(pk=user.pk).first()
                LoginCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).delete()
            login_code = LoginCode.objects.create(
                user=user,
                purpose=purpose,
                phone=phone,
                expires_at=timezone.now() + timedelta(seconds=settings.LOGIN_CODE_TTL),
            )
            delivery = queue_login_code_sms(login_code=login_code, phone=phone)
    except BaseException:
        reservations.release()
        raise
    metrics.CODES_REQUESTED.labels(str(created).lower()).inc()
    return CodeRequest(
        user=user,
        created=created,
        task_id=delivery.task_id,
        expires_in=settings.LOGIN_CODE_TTL,
        resend_in=settings.SMS_RESEND_COOLDOWN if settings.RATE_LIMITS_ENABLED else 0,
    )


def _mark_logged_in(login_code: LoginCode, now: datetime) -> None:
    # One UPDATE: the first successful login marks the phone verified.
    User.objects.filter(pk=login_code.user_id).update(
        last_login=now, phone_verified_at=Coalesce("phone_verified_at", Value(now))
    )


def verify_login_code(
    *,
    phone: str,
    code: str,
    purpose: str = LoginCode.Purpose.LOGIN,
    user: User | None = None,
    on_verified: Callable[[LoginCode, datetime], None] = _mark_logged_in,
) -> User:
    """Consume the right, live code of `phone` and return its user. Raises RateLimited,
    NoActiveCode, CodeExpired, CodeAttemptsExhausted, WrongCode. With `user` given (a phone
    change), only its code of `purpose` sent to `phone` counts, and `on_verified` runs in
    the transaction that consumes it (an error it raises undoes the consumption)."""
    ratelimit.check_login_allowed(phone=phone)
    now = timezone.now()
    error = None
    # The wrong-attempt counter must be committed even though the request fails, so the
    # transaction decides and the error is raised after it.
    with transaction.atomic():
        owner = {"user__phone": phone} if user is None else {"user": user, "phone": phone}
        login_code = (
            LoginCode.objects.select_for_update()
            .select_related("user")
            .filter(**owner, purpose=purpose, used_at__isnull=True)
            .first()
        )
        if login_code is None:
            error = NoActiveCode()
        elif login_code.expires_at <= now:
            error = CodeExpired()
        elif login_code.attempts >= settings.LOGIN_CODE_MAX_ATTEMPTS:
            error = CodeAttemptsExhausted()
        elif not codes.code_matches(login_code, code):
            LoginCode.objects.filter(pk=login_code.pk).update(attempts=F("attempts") + 1)
            left = settings.LOGIN_CODE_MAX_ATTEMPTS - login_code.attempts - 1
            error = (
                WrongCode(f"Invalid code. {left} attempt(s) left.")
                if left > 0
                else CodeAttemptsExhausted("Invalid code. No attempts left: request a new code.")
            )
        else:
            LoginCode.objects.filter(pk=login_code.pk).update(used_at=now)
            on_verified(login_code, now)
    if error is not None:
        ratelimit.record_login_failure(phone=phone)
        metrics.LOGINS.labels(type(error).__name__).inc()
        raise error
    metrics.LOGINS.labels("success").inc()
    return login_code.user


def issue_tokens(*, user: User) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token), "user_id": user.pk}


def logout(*, refresh: str) -> None:
    """Blacklist a refresh token. Raises InvalidRefreshToken."""
    try:
        RefreshToken(refresh).blacklist()
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
