"""Changing the phone number of an account: a code sent to the new number proves it.

The code is a LoginCode of purpose PHONE_CHANGE, issued, delivered and checked by the very
functions of the phone login (same TTL, attempts, rate limits and rules on which numbers
may get an SMS). Looked up by purpose, it can never log in, and a login code can never
confirm a change. The account moves to the new number only when the code is confirmed;
the unique phone column decides between two accounts confirming one number.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from profiles.models import User
from profiles.services import users
from tasks.services import queue_notice_sms
from webhooks import events
from webhooks.services import emit_event

from ..errors import (
    InvalidCode,
    NoPendingPhoneChange,
    NotPendingPhone,
    PhoneTaken,
    ReauthenticationRequired,
)
from ..models import LoginCode
from . import sessions
from .codes import request_login_code, verify_login_code

CHANGE = LoginCode.Purpose.PHONE_CHANGE
CODE_FIELD = "sms_code"
PHONE_CHANGED_NOTICE = "phone_changed"


@dataclass(frozen=True)
class PendingPhoneChange:
    phone: str
    task_id: str
    expires_in: int
    resend_in: int


def update_profile(
    *,
    user: User,
    client_ip: str,
    authenticated_at: datetime | None,
    language: str | None = None,
    **fields,
) -> tuple[User, PendingPhoneChange | None]:
    """users.update_profile, except that a `phone` (E.164) other than the account's
    starts a change: the other fields are saved and a code goes to the new number (its SMS
    in `language`), in one transaction. A change needs a login with a code
    (`authenticated_at`) within PHONE_CHANGE_REAUTH_SECONDS. A number of another account
    answers exactly as a free one (the same limits, a code row and a task id) but gets no
    SMS and its code never matches: the answer must not tell who is registered. Raises
    ReauthenticationRequired, RateLimited and the errors of update_profile."""
    phone = fields.pop("phone", None)
    if phone is None or phone == user.phone:
        return users.update_profile(user=user, **fields), None
    ensure_recent_login(authenticated_at)
    taken = User.objects.filter(phone=phone).exclude(pk=user.pk).exists()
    try:
        # The profile is written in the code's transaction, before the code: a refused
        # invite code or image then sends nothing and costs the new number nothing.
        sent = request_login_code(
            phone=phone,
            client_ip=client_ip,
            purpose=CHANGE,
            user=user,
            in_transaction=lambda: users.update_profile(user=user, **fields),
            language=language,
            send=not taken,
        )
    except BaseException:
        # The rollback left the in-memory user with the refused values.
        # The database may be what failed, or the account may be gone (deleted meanwhile).
        with contextlib.suppress(DatabaseError, User.DoesNotExist):
            user.refresh_from_db()
        raise
    pending = PendingPhoneChange(
        phone=phone, task_id=sent.task_id, expires_in=sent.expires_in, resend_in=sent.resend_in
    )
    return user, pending


def ensure_recent_login(authenticated_at: datetime | None) -> None:
    """Raises ReauthenticationRequired unless the login with a code was recent: a stolen
    access token (or a refreshed one) cannot move the account to another number once the
    window after its login has passed (OWASP ASVS: re-authenticate before sensitive
    changes)."""
    window = timedelta(seconds=settings.PHONE_CHANGE_REAUTH_SECONDS)
    if authenticated_at is None or timezone.now() - authenticated_at > window:
        raise ReauthenticationRequired()


def get_pending_phone(*, user: User) -> str | None:
    """The number `user` asked to change to and has not confirmed yet, or None."""
    return (
        LoginCode.objects.filter(user=user, purpose=CHANGE, used_at__isnull=True)
        .values_list("phone", flat=True)
        .first()
    )


def _move_to(phone: str, keep_session: str | None) -> Callable[[LoginCode, datetime], None]:
    def move(change_code: LoginCode, now: datetime) -> None:
        old_phone = change_code.user.phone  # locked with the code by verify_login_code
        try:
            with transaction.atomic():
                User.objects.filter(pk=change_code.user_id).update(
                    phone=phone, phone_verified_at=now
                )
        except IntegrityError as exc:  # another account took the number meanwhile
            raise PhoneTaken() from exc
        emit_event(
            events.PHONE_CHANGED,
            {
                "user_id": change_code.user_id,
                "old_phone": old_phone,
                "new_phone": phone,
                "changed_at": now,
            },
        )
        # A login code sent to the old number must not open the account afterwards.
        LoginCode.objects.filter(
            user_id=change_code.user_id,
            purpose=LoginCode.Purpose.LOGIN,
            used_at__isnull=True,
        ).delete()
        # Whoever else held a login (a thief's refresh token among them) holds nothing now.
        sessions.end_other_sessions(user=change_code.user, keep=keep_session)
        queue_notice_sms(phone=old_phone, notice=PHONE_CHANGED_NOTICE)

    return move


def confirm_phone_change(
    *, user: User, phone: str, code: str, keep_session: str | None = None
) -> User:
    """Move `user` to `phone` with the right, live code sent there for this change; its
    unused login codes die, every session but `keep_session` (the caller's) ends and the
    old number gets a notice. Raises NoPendingPhoneChange,
    NotPendingPhone, PhoneTaken; on `sms_code`: InvalidCode; RateLimited."""
    pending = get_pending_phone(user=user)
    # Checked first: a number nobody asked a code for costs that number no failed attempt.
    if pending is None:
        raise NoPendingPhoneChange()
    if pending != phone:
        raise NotPendingPhone()
    try:
        verify_login_code(
            phone=phone,
            code=code,
            purpose=CHANGE,
            user=user,
            on_verified=_move_to(phone, keep_session),
        )
    except InvalidCode as exc:
        if exc.reason == InvalidCode.NO_CODE:  # replaced or confirmed by a concurrent request
            raise NoPendingPhoneChange() from None
        exc.field = CODE_FIELD
        raise
    user.refresh_from_db()
    return user
