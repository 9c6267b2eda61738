"""Changing the phone number of an account: a code sent to the new number proves it.

The code is a LoginCode of purpose PHONE_CHANGE, issued, delivered and checked by the very
functions of the phone login (same TTL, attempts, rate limits and rules on which numbers
may get an SMS). Looked up by purpose, it can never log in, and a login code can never
confirm a change. The account moves to the new number only when the code is confirmed;
the unique phone column decides between two accounts confirming one number.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from core import ratelimit
from core.errors import RateLimited
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

logger = logging.getLogger(__name__)

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


# What the notice to the old number takes: an SMS like a code's, so the number's hourly
# limits (from the confirming network, and from all) and the service's hourly budget.
NOTICE_LIMITS = ("code.phone", "code.phone.all", "sms.budget")


def _queue_phone_changed_notice(*, user_id: int, old_phone: str, client_ip: str) -> None:
    """Queue the notice to the old number unless a limit of that number or the SMS budget
    is spent: then the notice is skipped (logged; counted in rate_limit_refusals_total),
    and the change goes on. The move of the account never fails for its notice."""
    try:
        ratelimit.reserve(*NOTICE_LIMITS, phone=old_phone, net=client_ip)
    except RateLimited as exc:
        logger.warning(
            "phone_changed notice for user %s not sent: %s (%s)", user_id, exc.text, exc.code
        )
        return
    queue_notice_sms(phone=old_phone, notice=PHONE_CHANGED_NOTICE)


def _move_to(
    phone: str, keep_session: str | None, client_ip: str
) -> Callable[[LoginCode, datetime], None]:
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
        _queue_phone_changed_notice(
            user_id=change_code.user_id, old_phone=old_phone, client_ip=client_ip
        )

    return move


def confirm_phone_change(
    *, user: User, phone: str, code: str, client_ip: str, keep_session: str | None = None
) -> User:
    """Move `user` to `phone` with the right, live code sent there for this change; its
    unused login codes die, every session but `keep_session` (the caller's) ends and the
    old number gets a notice (unless its limits or the SMS budget are spent). A wrong code
    counts like a failed login: against `client_ip` (the login limits of an address) and
    against the new number. Raises NoPendingPhoneChange, NotPendingPhone, PhoneTaken; on
    `sms_code`: InvalidCode; RateLimited."""
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
            client_ip=client_ip,
            purpose=CHANGE,
            user=user,
            on_verified=_move_to(phone, keep_session, client_ip),
        )
    except InvalidCode as exc:
        if exc.reason == InvalidCode.NO_CODE:  # replaced or confirmed by a concurrent request
            raise NoPendingPhoneChange() from None
        exc.field = CODE_FIELD
        raise
    user.refresh_from_db()
    return user
