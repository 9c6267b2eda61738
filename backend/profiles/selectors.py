"""Reads on users, always scoped to the caller: nobody can name another user's profile."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile

from .errors import NotFound
from .models import User

ME = "me"
REFERRAL_ORDER = ("referred_at", "pk")  # oldest activation first; pk breaks ties


@dataclass(frozen=True)
class Profile:
    user: User
    users_list: list[str]

    @property
    def id(self) -> int:
        return self.user.pk

    @property
    def phone(self) -> str:
        return self.user.phone

    @property
    def email(self) -> str | None:
        return self.user.email

    @property
    def first_name(self) -> str | None:
        return self.user.first_name

    @property
    def last_name(self) -> str | None:
        return self.user.last_name

    @property
    def avatar(self) -> FieldFile | None:
        return self.user.avatar or None

    @property
    def self_referral(self) -> str:
        return self.user.invite_code

    @property
    def user_referral(self) -> str | None:
        # The stored code, not the inviter's current one: it outlives the inviter's account.
        return self.user.activated_code

    @property
    def referrals_count(self) -> int:
        return len(self.users_list)


def get_own_user(*, user: User, pk: int | str) -> User:
    """`user` itself when `pk` is "me" or its id; NotFound for any other pk, exactly as
    for one that does not exist."""
    if pk == ME:
        return user
    if isinstance(pk, str):
        if not (pk.isascii() and pk.isdigit()):
            raise NotFound()
        pk = int(pk)
    if user.is_authenticated and pk == user.pk:
        return user
    raise NotFound()


def list_referrals(*, user: User) -> QuerySet[User]:
    """The users who activated `user`'s code, oldest activation first."""
    return (
        User.objects.filter(referred_by=user)
        .order_by(*REFERRAL_ORDER)
        .only("pk", "phone", "referred_at")
    )


def get_profile(*, user: User) -> Profile:
    """`user`'s profile with the phones of its referrals: one query whatever their number."""
    phones = list(list_referrals(user=user).values_list("phone", flat=True))
    return Profile(user=user, users_list=phones)
