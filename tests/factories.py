"""factory_boy factories: test data made the way the service makes it.

Users go through `profiles.services.users.create_user`, so every user has a unique invite code
(with the service's retry on a collision) and an unusable password, as real ones do.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import factory
from django.conf import settings
from django.utils import timezone

from auth_phone.models import LoginCode
from profiles.models import User
from profiles.services.users import create_user

_phones = itertools.count(1)


def next_phone() -> str:
    """A phone number no other test data in this run has (+7111 and seven digits)."""
    return f"+7111{next(_phones):07d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    phone = factory.LazyFunction(next_phone)

    @classmethod
    def _create(cls, model_class: type[User], *args, **kwargs) -> User:
        return create_user(**kwargs)


class LoginCodeFactory(factory.django.DjangoModelFactory):
    """An unused login code that lives as long as a requested one; without `code_hash`
    it is a code whose SMS has not been generated yet."""

    class Meta:
        model = LoginCode

    user = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(
        lambda: timezone.now() + timedelta(seconds=settings.LOGIN_CODE_TTL)
    )
