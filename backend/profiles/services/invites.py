"""Invite codes: making one for a new user, and activating another user's code once."""

from __future__ import annotations

import re
import secrets

from django.db import transaction
from django.utils import timezone

from core import ratelimit
from core.ops import metrics
from webhooks import events
from webhooks.services import emit_event

from ..errors import (
    InviteAlreadyActivated,
    InviteCodeInvalid,
    InviteCodeNotFound,
    InviteCycle,
    NotFound,
    OwnInviteCode,
)
from ..models import INVITE_CODE_ALPHABET, INVITE_CODE_LENGTH, ReferralGraphLock, User

INVITE_CODE_RE = re.compile(rf"[{INVITE_CODE_ALPHABET}]{{{INVITE_CODE_LENGTH}}}")


def generate_invite_code() -> str:
    return "".join(secrets.choice(INVITE_CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def normalize_invite_code(raw: str) -> str:
    """`raw` without surrounding spaces, upper-cased. Raises InviteCodeInvalid unless it
    then is 6 digits or letters A-Z."""
    code = raw.strip() if isinstance(raw, str) else ""
    # ASCII first: str.upper() turns some letters into two ("ß" -> "SS").
    code = code.upper() if code.isascii() else ""
    if not INVITE_CODE_RE.fullmatch(code):
        raise InviteCodeInvalid()
    return code


def _lock_referral_graph() -> None:
    """Serialise all invite activations until the current transaction ends.

    Row locks on the two users are not enough: a cycle can close through two concurrent
    activations that touch four different rows (A->B and C->D while B->C and D->A exist).
    Locking the one ReferralGraphLock row `FOR UPDATE` makes the cycle check and the write
    a single step for every activation; COMMIT or ROLLBACK releases it, so nothing can
    leak it. SQLite (the zero-setup local run) has no row locks (select_for_update does
    nothing there) and needs none: its transactions are serialisable, so of two racing
    activations the one that read stale data fails to write.
    """
    # get_or_create: a missing row (deleted by hand, or by `flush`) is written again
    # rather than failing every activation. Two activations that both find it missing both
    # INSERT pk 1; PostgreSQL makes the second wait for the first to end, as the lock would:
    # if the first commits, the second's INSERT fails, get_or_create rolls back its
    # savepoint and locks the committed row; if the first rolls back, the second's INSERT
    # goes through. Either way one activation at a time.
    ReferralGraphLock.objects.select_for_update().get_or_create(pk=1)


# Generations read by one query of the walk up the referrals: a chain this deep or less
# is one query (a join per generation), a deeper one a query more per this many.
GENERATIONS_PER_QUERY = 8
_ANCESTORS = tuple("__".join(["referred_by"] * n) for n in range(1, GENERATIONS_PER_QUERY + 1))


def is_referred_through(*, user_id: int, ancestor_id: int) -> bool:
    """Whether walking `referred_by` upwards from `user_id` (itself included) reaches
    `ancestor_id`. Ends at a user referred by nobody, and on a loop (which activation
    never makes). Each query reads GENERATIONS_PER_QUERY generations through joins on the
    primary key: the ORM has no recursive query, and one query per generation would let
    a long chain cost as many round trips."""
    if user_id == ancestor_id:
        return True
    seen = {user_id}
    current = user_id
    while True:
        row = User.objects.filter(pk=current).values_list(*_ANCESTORS).first()
        if row is None:  # deleted meanwhile
            return False
        for pk in row:
            if pk == ancestor_id:
                return True
            if pk is None or pk in seen:
                return False
            seen.add(pk)
        current = row[-1]


@transaction.atomic
def activate_invite_code(*, user: User, code: str) -> User:
    """Link `user` once to the owner of `code` (any case, spaces ignored). Raises
    InviteCodeInvalid, InviteAlreadyActivated, InviteCodeNotFound, OwnInviteCode, InviteCycle,
    and RateLimited beyond INVITE_FAILURES_HOURLY_LIMIT unknown codes per user and hour."""
    code = normalize_invite_code(code)
    if user.activated_code is not None:
        raise InviteAlreadyActivated()

    attempt = ratelimit.reserve("invite.fail", user=user.pk)
    inviter_id = User.objects.filter(invite_code=code).values_list("pk", flat=True).first()
    if inviter_id is None:
        # An unknown code takes no lock: guesses never queue the real activations.
        raise InviteCodeNotFound(code)
    attempt.release()  # the code exists: not a failed guess
    # Lock order, the same in every writer, so none can deadlock another:
    # 1. the ReferralGraphLock row (activations only) -> one activation at a time, so the
    #    cycle check below sees every committed link and none can slip in before our
    #    UPDATE;
    # 2. the rows of both users, by ascending pk (delete_user locks its one row first), so
    #    that neither can be deleted between the checks and the UPDATE (a code found
    #    above whose owner is deleted meanwhile is missing from `locked`).
    _lock_referral_graph()
    if inviter_id == user.pk:
        raise OwnInviteCode()
    locked = {
        row.pk: row
        for row in User.objects.select_for_update()
        .filter(pk__in=(user.pk, inviter_id))
        .order_by("pk")
        .only("pk", "phone", "invite_code", "activated_code")
    }
    if user.pk not in locked:  # the account was deleted meanwhile
        raise NotFound()
    if inviter_id not in locked:
        raise InviteCodeNotFound(code)
    if locked[user.pk].activated_code is not None:
        raise InviteAlreadyActivated()
    if is_referred_through(user_id=inviter_id, ancestor_id=user.pk):
        raise InviteCycle()

    now = timezone.now()
    # Compare-and-set on activated_code (not referred_by, which the inviter's deletion
    # clears): a user activates once, ever, even if the lock above were ever removed.
    updated = User.objects.filter(pk=user.pk, activated_code__isnull=True).update(
        referred_by_id=inviter_id, referred_at=now, activated_code=code
    )
    if updated:
        transaction.on_commit(metrics.INVITES_ACTIVATED.inc)
    if not updated:
        raise InviteAlreadyActivated()
    user.referred_by_id, user.referred_at, user.activated_code = inviter_id, now, code
    emit_event(
        events.INVITE_ACTIVATED,
        {
            "user_id": user.pk,
            "phone": locked[user.pk].phone,
            "inviter_id": inviter_id,
            "inviter_phone": locked[inviter_id].phone,
            "invite_code": code,
            "activated_at": now,
        },
    )
    return user
