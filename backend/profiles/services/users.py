"""Writes on accounts: create (with a fresh invite code), update, delete."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import ratelimit
from core.phones import InvalidPhone, normalize_phone
from webhooks import events
from webhooks.services import emit_event

from .. import queries
from ..errors import NotFound, PhoneReadOnly
from ..models import User
from . import avatars, invites

INVITE_CODE_ATTEMPTS = 10
EDITABLE_FIELDS = frozenset({"email", "first_name", "last_name", "avatar"})


def create_user(*, phone: str, **fields) -> User:
    """Create a user with a fresh invite code, retrying on a code collision.
    Raises IntegrityError if the phone is taken."""
    for _ in range(INVITE_CODE_ATTEMPTS):
        user = User(phone=phone, invite_code=invites.generate_invite_code(), **fields)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save(force_insert=True)
                emit_event(
                    events.USER_CREATED,
                    {"user_id": user.pk, "phone": user.phone, "invite_code": user.invite_code},
                )
            return user
        except IntegrityError:
            # Only a clash on the invite code is worth another try; anything else
            # (the phone is taken) is the caller's to handle.
            if not User.objects.filter(invite_code=user.invite_code).exists():
                raise
    raise IntegrityError("could not find a free invite code")


def get_or_create_user(*, phone: str) -> tuple[User, bool]:
    """The user with `phone`: inserted if new, else its row locked (SELECT ... FOR UPDATE)
    until the caller's transaction ends; safe against concurrent first requests.

    The insert comes first: a new number costs one statement, a known one two (the insert
    that finds the phone taken writes nothing, but uses up a value of the id sequence)."""
    with transaction.atomic(savepoint=False):  # the caller's transaction when there is one
        for _ in range(INVITE_CODE_ATTEMPTS):
            user = User(phone=phone, invite_code=invites.generate_invite_code())
            user.set_unusable_password()
            # One statement, ON CONFLICT DO NOTHING (profiles/queries.py): nothing written,
            # and no error that aborts the transaction, if the phone or the code is taken.
            user.pk = queries.insert_user_unless_taken(user)
            if user.pk is not None:
                emit_event(
                    events.USER_CREATED,
                    {"user_id": user.pk, "phone": user.phone, "invite_code": user.invite_code},
                )
                return user, True
            # The phone is taken (by a committed row: the insert waited for any transaction
            # still writing it), or only the invite code was: then draw another.
            existing = User.objects.select_for_update().filter(phone=phone).first()
            if existing is not None:
                return existing, False
    raise IntegrityError("could not find a free invite code")


def _check_phone_unchanged(user: User, phone: str | None) -> None:
    try:
        same = phone is not None and normalize_phone(phone) == user.phone
    except InvalidPhone:
        same = False
    if not same:
        raise PhoneReadOnly()


def _delete_file_on_commit(storage, name: str) -> None:
    transaction.on_commit(lambda: storage.delete(name))


def update_profile(*, user: User, **fields) -> User:
    """Set the given editable fields (email, first_name, last_name, avatar; None or "" clears
    one), accept `phone` only unchanged, activate the code in `user_referral` if given; all
    or nothing. Raises PhoneReadOnly, AvatarInvalid, RateLimited (beyond
    AVATAR_UPLOADS_HOURLY_LIMIT avatars per account) and the errors of activate_invite_code."""
    unknown = set(fields) - EDITABLE_FIELDS - {"phone", "user_referral"}
    if unknown:
        raise TypeError(f"update_profile() got unexpected fields: {sorted(unknown)}")
    if "phone" in fields:
        _check_phone_unchanged(user, fields.pop("phone"))
    code = fields.pop("user_referral", None) or None
    # Every input is checked before anything is written.
    if code is not None:
        code = invites.normalize_invite_code(code)
    changes: dict[str, Any] = {
        name: (value.strip() or None) if isinstance(value, str) else (value or None)
        for name, value in fields.items()
    }
    if changes.get("avatar") is not None:
        # Counted after the header check (a file refused there is not decoded) and before
        # the decoding it pays for, and kept whatever happens next; a refusal stores nothing.
        extension = avatars.check_avatar(changes["avatar"])
        ratelimit.reserve("avatar.upload", user=user.pk)
        changes["avatar"] = avatars.encode_avatar(changes["avatar"], extension=extension)

    with transaction.atomic():
        if code is not None:
            invites.activate_invite_code(user=user, code=code)
        if changes:
            # The row lock (the order of delete_user) keeps the account from being deleted
            # before the save; one that was deleted since the request began is not found.
            if not User.objects.select_for_update().filter(pk=user.pk).exists():
                raise NotFound()
            old_avatar = user.avatar.name if "avatar" in changes else None
            for name, value in changes.items():
                setattr(user, name, value)
            user.save(update_fields=list(changes))
            if old_avatar and old_avatar != user.avatar.name:
                _delete_file_on_commit(user.avatar.storage, old_avatar)
    return user


def delete_user(*, user: User) -> None:
    """Delete the account and revoke its tokens; users who activated its code keep their
    accounts and the code they activated (`activated_code`)."""
    with transaction.atomic():
        # Taken first, this row lock makes a concurrent activation of this user's code
        # wait and then find no code (see activate_invite_code for the lock order).
        locked = User.objects.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            return
        # Access tokens of a missing user are refused by authentication; its login
        # sessions go with the row (on_delete CASCADE), so no refresh token refreshes.
        avatar = locked.avatar.name
        # No phone: the receiver knows it by user_id, and a deleted account's number is
        # not sent anywhere again.
        emit_event(events.USER_DELETED, {"user_id": locked.pk, "deleted_at": timezone.now()})
        locked.delete()
        if avatar:
            _delete_file_on_commit(locked.avatar.storage, avatar)
