"""Login codes: asking for one (and its SMS), checking one."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import phones, ratelimit
from core.errors import SmsRouteSuspended
from core.ops import metrics
from profiles.models import User
from profiles.services.users import get_or_create_user
from webhooks import events
from webhooks.services import emit_event

from .. import codes
from ..errors import InvalidCode, PhoneNotDeliverable
from ..models import LoginCode
from .delivery import queue_login_code_sms
from .routes import record_route_suspension

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
    send: bool = True,
) -> CodeRequest:
    """Create the user if new, replace any unused code with a new one and queue its SMS
    (in `language` when the service has it, else in the number's country's).
    Raises PhoneNotDeliverable, RateLimited, SmsRouteSuspended (the request that suspends
    the number's calling code records the suspension), SmsBudgetExhausted; a refused or
    failed request sends nothing and counts nothing. With `user` given (a phone change), `phone` is
    the number to prove and no user is made; `in_transaction` runs first in the code's
    transaction (its errors undo both). A test number (SMS_TEST_NUMBERS) gets its fixed
    code, no SMS, and takes nothing from any limit or budget. With `send=False` everything
    happens as for any request (limits, code row, delivery row) except that the code can
    never match and no SMS goes out: the answer must not show that nothing was sent. A
    deactivated account (`is_active` false) is answered so too."""
    try:
        phones.ensure_sms_deliverable(phone)
    except phones.UndeliverablePhone as exc:
        raise PhoneNotDeliverable(exc.message, **exc.params) from exc
    fixed_code = settings.SMS_TEST_NUMBERS.get(phone)
    if fixed_code is not None:  # sends nothing, so it spends nothing
        reservations = ratelimit.Reservations()
    else:
        reservations = _reserve_code(phone=phone, client_ip=client_ip)
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
            # A deactivated account is answered as any other, but gets no code that could
            # match and no SMS; a code it still had dies.
            deliver = send and user.is_active
            live = (
                None
                if created or not deliver
                else _live_code(user=user, purpose=purpose, phone=phone)
            )
            if live is not None:
                # A request while a code is live sends that code again: a stranger asking
                # for the owner's number leaves no dead code in the owner's hand.
                login_code = live
            else:
                if not created:
                    LoginCode.objects.filter(
                        user=user, purpose=purpose, used_at__isnull=True
                    ).delete()
                login_code = LoginCode(  # written with its delivery, below
                    user=user,
                    purpose=purpose,
                    phone=phone,
                    expires_at=timezone.now() + timedelta(seconds=settings.LOGIN_CODE_TTL),
                    # A test number's hash now: no worker issues its code.
                    # An empty hash matches no code: without an SMS it must never match.
                    code_hash=""
                    if fixed_code is None or not deliver
                    else codes.hash_code(user_id=user.pk, code=fixed_code),
                )
            delivery = queue_login_code_sms(
                login_code=login_code, phone=phone, language=language, send=deliver
            )
    except BaseException:
        reservations.release()  # the budget's unit too
        raise
    metrics.CODES_REQUESTED.labels(str(created).lower()).inc()
    expires_in = settings.LOGIN_CODE_TTL
    if live is not None:  # a code sent again lives what it has left
        expires_in = math.ceil((live.expires_at - timezone.now()).total_seconds())
    if fixed_code is not None:
        metrics.TEST_NUMBER_USES.labels("code_request").inc()
        logger.info("test number %s: code request answered, no SMS sent", phone)
    return CodeRequest(
        user=user,
        created=created,
        task_id=delivery.task_id,
        expires_in=expires_in,
        resend_in=ratelimit.window("code.cooldown"),
    )


def _reserve_code(*, phone: str, client_ip: str) -> ratelimit.Reservations:
    """Take a code request's limits; the budget last, so that a request another limit
    refuses costs none. The refusal that suspends the number's route is recorded for the
    admin."""
    try:
        return ratelimit.reserve(
            "code.cooldown",
            "code.phone",
            "code.phone.all",
            "code.address",
            "code.address.56",
            "code.address.48",
            "code.route",
            "sms.budget",
            phone=phone,
            net=client_ip,
        )
    except SmsRouteSuspended as exc:
        if exc.trip is not None:
            requested, used = exc.trip
            record_route_suspension(
                calling_code=exc.calling_code,
                requested=requested,
                used=used,
                seconds=exc.retry_after,
            )
        raise


def _live_code(*, user: User, purpose: str, phone: str) -> LoginCode | None:
    """The unused code of `user` for `purpose` sent to `phone` that can still log in (not
    expired, attempts left), or None. Its row is locked with the user's."""
    return (
        LoginCode.objects.select_for_update()
        .filter(
            user=user,
            purpose=purpose,
            phone=phone,
            used_at__isnull=True,
            expires_at__gt=timezone.now() + timedelta(seconds=LIVE_CODE_MARGIN),
            attempts__lt=settings.LOGIN_CODE_MAX_ATTEMPTS,
        )
        .first()
    )


# A code about to expire is replaced rather than sent again: its SMS would arrive dead.
LIVE_CODE_MARGIN = 60


def _mark_logged_in(login_code: LoginCode, now: datetime) -> None:
    changes = {"last_login": now}
    if login_code.user.phone_verified_at is None:  # the first login, and only it
        emit_event(
            events.USER_LOGGED_IN,
            {"user_id": login_code.user_id, "phone": login_code.user.phone, "logged_in_at": now},
        )
        changes["phone_verified_at"] = now
    # One UPDATE: the first successful login marks the phone verified. The user's row was
    # read under its lock (_check_code), so what it says of the verification holds.
    User.objects.filter(pk=login_code.user_id).update(**changes)


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
    InvalidCode (one answer, whether the code is wrong, expired or used up or none is
    live). With `user` given (a phone change), only its code of `purpose` sent to `phone`
    counts, and `on_verified` runs in the transaction that consumes it (an error it raises
    undoes the consumption).

    Every failure counts against `client_ip` (when given); only a guess at a live code
    counts against `phone`, since a try for a number without one can guess nothing. A
    success counts a used code of the number's calling code (the conversion guard)."""
    # The address first: beyond its limit every login from it is refused, whatever the
    # phone, and a refusal there must not move the phone's count.
    # The service-wide breaker last: a login another limit refuses does not count there.
    limits = LOGIN_LIMITS if client_ip is not None else ("login.phone",)
    reservations = ratelimit.reserve(*limits, phone=phone, net=client_ip)
    try:
        login_code, error, guessed = _check_code(
            phone=phone, code=code, purpose=purpose, user=user, on_verified=on_verified
        )
    except BaseException:
        reservations.release()
        raise
    if purpose == LoginCode.Purpose.LOGIN:  # phone-change confirmations are no logins
        metrics.LOGINS.labels("success" if error is None else METRIC_OUTCOMES[error.reason]).inc()
    if phone in settings.SMS_TEST_NUMBERS:
        outcome = "login" if error is None else "wrong_code"
        metrics.TEST_NUMBER_USES.labels(outcome).inc()
        logger.info("test number %s: %s", phone, outcome)
    if error is None:
        assert login_code is not None  # no error: the code was found and consumed
        if phone in settings.SMS_TEST_NUMBERS:  # no code was sent, so none was used
            reservations.release()
        else:  # one more code of its calling code used, in the round trip of the release
            ratelimit.code_used(phone=phone, reservations=reservations)
        return login_code.user
    if not guessed:
        reservations.release("login.phone")
    raise error


# A login's limits, in order: its network's (/64, /56, /48), the number's, the service's.
LOGIN_LIMITS = (
    "login.address",
    "login.address.56",
    "login.address.48",
    "login.phone",
    "login.service",
)

# The outcome label of logins_total for each reason of InvalidCode (labels kept from when
# each reason had its own answer, so dashboards keep working).
METRIC_OUTCOMES = {
    InvalidCode.WRONG: "WrongCode",
    InvalidCode.NO_CODE: "NoActiveCode",
    InvalidCode.EXPIRED: "CodeExpired",
    InvalidCode.EXHAUSTED: "CodeAttemptsExhausted",
}


def _check_code(
    *,
    phone: str,
    code: str,
    purpose: str,
    user: User | None,
    on_verified: Callable[[LoginCode, datetime], None],
) -> tuple[LoginCode | None, InvalidCode | None, bool]:
    """(code, error, whether a live code was guessed at). The wrong-attempt counter must
    be committed even though the request fails, so the transaction decides and the
    caller raises the error after it."""
    now = timezone.now()
    with transaction.atomic():
        # Lock order, the same in every writer: the user's row, then its codes
        # (request_login_code and delete_user lock the user first too; locking the code
        # first deadlocked a login against a new code request for the same number).
        # FOR NO KEY UPDATE for a login: it changes no key, and rows that refer to the user
        # (a new login's tokens, an invitee) need not wait for it. A phone change rewrites
        # the unique phone column, which needs the full row lock (FOR UPDATE).
        if user is None:
            users = User.objects.select_for_update(no_key=True).filter(phone=phone)
        else:
            users = User.objects.select_for_update().filter(pk=user.pk)
        # At most one row (a unique column): read without .first()'s ORDER BY and LIMIT.
        locked = next(iter(users), None)
        # A deactivated account logs in with no code: answered as a number without one.
        if locked is None or not locked.is_active:
            return None, InvalidCode(InvalidCode.NO_CODE), False
        unused = LoginCode.objects.select_for_update().filter(
            user=locked, purpose=purpose, used_at__isnull=True
        )
        if user is not None:  # only the code sent to the number being proved
            unused = unused.filter(phone=phone)
        login_code = next(iter(unused), None)  # one unused code per user and purpose
        if login_code is None:
            return None, InvalidCode(InvalidCode.NO_CODE), False
        login_code.user = locked
        if login_code.expires_at <= now:
            return None, InvalidCode(InvalidCode.EXPIRED), False
        if login_code.attempts >= settings.LOGIN_CODE_MAX_ATTEMPTS:
            return None, InvalidCode(InvalidCode.EXHAUSTED), False
        if not codes.code_matches(login_code, code):
            LoginCode.objects.filter(pk=login_code.pk).update(attempts=F("attempts") + 1)
            return None, InvalidCode(InvalidCode.WRONG), True
        LoginCode.objects.filter(pk=login_code.pk).update(used_at=now)
        on_verified(login_code, now)
    return login_code, None, True
