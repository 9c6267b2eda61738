"""Login codes: asking for one (and its SMS), checking one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import phones, sql
from core.ops import metrics
from profiles.models import User
from profiles.services.users import get_or_create_user
from webhooks import events
from webhooks.services import emit_event

from .. import budget, codes, ratelimit
from ..errors import (
    CodeAttemptsExhausted,
    CodeExpired,
    LastAttemptFailed,
    NoActiveCode,
    PhoneNotDeliverable,
    WrongCode,
)
from ..models import LoginCode
from .delivery import queue_login_code_sms

logger = logging.getLogger(__name__)


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
    language: str | None = None,
) -> CodeRequest:
    """Create the user if new, replace any unused code with a new one and queue its SMS
    (in `language` when the service has it, else in the number's country's).
    Raises PhoneNotDeliverable, RateLimited, SmsBudgetExhausted; a refused or failed
    request sends nothing and counts nothing. With `user` given (a phone change), `phone` is
    the number to prove and no user is made; `in_transaction` runs first in the code's
    transaction (its errors undo both). A test number (SMS_TEST_NUMBERS) gets its fixed
    code, no SMS, and takes nothing from any limit or budget."""
    try:
        phones.ensure_sms_deliverable(phone)
    except phones.UndeliverablePhone as exc:
        raise PhoneNotDeliverable(exc.message, **exc.params) from exc
    fixed_code = settings.SMS_TEST_NUMBERS.get(phone)
    if fixed_code is not None:  # sends nothing, so it spends nothing
        reservations = ratelimit.Reservations()
    else:  # the budget is taken last: a request another limit refuses costs none
        reservations = ratelimit.reserve_code_request(
            phone=phone, ip=client_ip, budget=budget.sms_budget()
        )
    try:
        with transaction.atomic():
            if in_transaction is not None:
                in_transaction()
            # The user's row lock serialises concurrent requests for one phone: one unused
            # code at a time. A user created by this transaction has no code yet and stays
            # invisible to other requests until the commit, so it needs neither step.
            if user is None:
                user, created = get_or_create_user(phone=phone)  # locked unless created
            else:
                created = False
                User.objects.select_for_update().filter(pk=user.pk).first()
            if not created:
                LoginCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).delete()
            login_code = LoginCode(
                user=user,
                purpose=purpose,
                phone=phone,
                expires_at=timezone.now() + timedelta(seconds=settings.LOGIN_CODE_TTL),
            )
            if fixed_code is not None:  # its hash now: no worker issues it
                login_code.code_hash = codes.hash_code(user_id=user.pk, code=fixed_code)
            sql.insert_instance(login_code, _insert_code_sql())
            delivery = queue_login_code_sms(login_code=login_code, phone=phone, language=language)
    except BaseException:
        reservations.release()  # the budget's unit too
        raise
    metrics.CODES_REQUESTED.labels(str(created).lower()).inc()
    if fixed_code is not None:
        metrics.TEST_NUMBER_USES.labels("code_request").inc()
        logger.info("test number %s: code request answered, no SMS sent", phone)
    return CodeRequest(
        user=user,
        created=created,
        task_id=delivery.task_id,
        expires_in=settings.LOGIN_CODE_TTL,
        resend_in=settings.SMS_RESEND_COOLDOWN if settings.RATE_LIMITS_ENABLED else 0,
    )


@sql.statement
def _insert_code_sql() -> str:
    # What LoginCode.objects.create() sends, built once (core/sql.py).
    return sql.insert_row(LoginCode)


def _mark_logged_in(login_code: LoginCode, now: datetime) -> None:
    if login_code.user.phone_verified_at is None:  # the first login, and only it
        emit_event(
            events.USER_LOGGED_IN,
            {"user_id": login_code.user_id, "phone": login_code.user.phone, "logged_in_at": now},
        )
    # One UPDATE: the first successful login marks the phone verified.
    now_value = sql.db_value(User, "last_login", now)
    sql.execute(_mark_logged_in_sql(), [now_value, now_value, login_code.user_id])


@sql.statement
def _mark_logged_in_sql() -> str:
    return sql.update(User, values=["last_login"], unless_set=["phone_verified_at"], equal=["id"])


def verify_login_code(
    *,
    phone: str,
    code: str,
    client_ip: str | None = None,
    purpose: str = LoginCode.Purpose.LOGIN,
    user: User | None = None,
    on_verified: Callable[[LoginCode, datetime], None] = _mark_logged_in,
) -> User:
    """Consume the right, live code of `phone` and return its user. Raises RateLimited,
    NoActiveCode, CodeExpired, CodeAttemptsExhausted, WrongCode. With `user` given (a phone
    change), only its code of `purpose` sent to `phone` counts, and `on_verified` runs in
    the transaction that consumes it (an error it raises undoes the consumption).

    Every failure counts against `client_ip` (when given); only a guess at a live code
    counts against `phone`, since a try for a number without one can guess nothing."""
    reservations = ratelimit.reserve_login(phone=phone, ip=client_ip)
    try:
        login_code, error, guessed = _check_code(
            phone=phone, code=code, purpose=purpose, user=user, on_verified=on_verified
        )
    except BaseException:
        reservations.release()
        raise
    if purpose == LoginCode.Purpose.LOGIN:  # phone-change confirmations are no logins
        metrics.LOGINS.labels("success" if error is None else type(error).__name__).inc()
    if phone in settings.SMS_TEST_NUMBERS:
        outcome = "login" if error is None else "wrong_code"
        metrics.TEST_NUMBER_USES.labels(outcome).inc()
        logger.info("test number %s: %s", phone, outcome)
    if error is None:
        assert login_code is not None  # no error: the code was found and consumed
        reservations.release()
        return login_code.user
    if not guessed:
        reservations.phone.release()
    raise error


# A login's statements, built once (core/sql.py): built by the ORM on every call,
# they cost more CPU than the rest of the request. They are the ones the ORM sent
# (select_for_update(...).filter(...).first(), .update()) without the ORDER BY and LIMIT
# of .first(): a unique column (the phone) or constraint (one unused code per user and
# purpose) allows one row at most.


@sql.statement
def _lock_user_by_phone_sql() -> str:
    # FOR NO KEY UPDATE: a login changes no key, and rows that refer to the user (a new
    # login's tokens, an invitee) need not wait for it.
    return sql.select(User, equal=["phone"], lock="no key update")


@sql.statement
def _lock_user_by_pk_sql() -> str:
    # FOR UPDATE: a phone change rewrites the unique phone column.
    return sql.select(User, equal=["id"], lock="update")


@sql.statement
def _lock_unused_code_sql() -> str:
    return sql.select(LoginCode, equal=["user", "purpose"], null=["used_at"], lock="update")


@sql.statement
def _lock_unused_code_sent_to_sql() -> str:
    return sql.select(
        LoginCode, equal=["user", "purpose", "phone"], null=["used_at"], lock="update"
    )


@sql.statement
def _use_code_sql() -> str:
    return sql.update(LoginCode, values=["used_at"], equal=["id"])


def _check_code(
    *,
    phone: str,
    code: str,
    purpose: str,
    user: User | None,
    on_verified: Callable[[LoginCode, datetime], None],
) -> tuple[LoginCode | None, Exception | None, bool]:
    """(code, error, whether a live code was guessed at). The wrong-attempt counter must
    be committed even though the request fails, so the transaction decides and the
    caller raises the error after it."""
    now = timezone.now()
    with transaction.atomic():
        # Lock order, the same in every writer: the user's row, then its codes
        # (request_login_code and delete_user lock the user first too; locking the code
        # first deadlocked a login against a new code request for the same number). A
        # phone change rewrites the unique phone column, which needs the full row lock.
        if user is None:
            locked = sql.fetch_instance(User, _lock_user_by_phone_sql(), [phone])
        else:
            locked = sql.fetch_instance(User, _lock_user_by_pk_sql(), [user.pk])
        if locked is None:
            return None, NoActiveCode(), False
        if user is None:
            login_code = sql.fetch_instance(
                LoginCode, _lock_unused_code_sql(), [locked.pk, purpose]
            )
        else:  # only the code sent to the number being proved
            login_code = sql.fetch_instance(
                LoginCode, _lock_unused_code_sent_to_sql(), [locked.pk, purpose, phone]
            )
        if login_code is None:
            return None, NoActiveCode(), False
        login_code.user = locked
        if login_code.expires_at <= now:
            return None, CodeExpired(), False
        if login_code.attempts >= settings.LOGIN_CODE_MAX_ATTEMPTS:
            return None, CodeAttemptsExhausted(), False
        if not codes.code_matches(login_code, code):
            LoginCode.objects.filter(pk=login_code.pk).update(attempts=F("attempts") + 1)
            left = settings.LOGIN_CODE_MAX_ATTEMPTS - login_code.attempts - 1
            error = WrongCode(n=left) if left > 0 else LastAttemptFailed()
            return None, error, True
        sql.execute(_use_code_sql(), [sql.db_value(LoginCode, "used_at", now), login_code.pk])
        on_verified(login_code, now)
    return login_code, None, True
