"""Writes on users. Invite codes are random (`secrets`) and unique by constraint."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from .models import INVITE_CODE_ALPHABET, INVITE_CODE_LENGTH, User

INVITE_CODE_ATTEMPTS = 10


def generate_invite_code() -> str:
    return "".join(secrets.choice(INVITE_CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def create_user(*, phone: str, **fields) -> User:
    """Create a user with a fresh invite code, retrying on a code collision.
    Raises IntegrityError if the phone is taken."""
    for _ in range(INVITE_CODE_ATTEMPTS):
        user = User(phone=phone, invite_code=generate_invite_code(), **fields)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save(force_insert=True)
            return user
        except IntegrityError:
            # Only a clash on the invite code is worth another try; anything else
            # (the phone is taken) is the caller's to handle.
            if not User.objects.filter(invite_code=user.invite_code).exists():
                raise
    raise IntegrityError("could not find a free invite code")


def get_or_create_user(*, phone: str) -> tuple[User, bool]:
    """The user with `phone`, created if new; safe against concurrent first requests."""
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        return user, False
    try:
        return create_user(phone=phone), True
    except IntegrityError:
        # A concurrent request created the same phone first (the unique index decided).
        return User.objects.get(phone=phone), False
