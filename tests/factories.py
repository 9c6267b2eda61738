"""Test data made the way the service makes it: the factories every test module uses.

- `UserFactory()`: a user through `profiles.services.users.create_user` (a unique invite
  code, with the service's retry on a collision, and an unusable password, as real
  ones have), with a phone from `tests.phones.next_phone` unless one is given.
- `LoginCodeFactory(user=..., code="1234")`: an unused login code that lives as long as a
  requested one; without `code` it is one whose SMS has not been generated yet.
- `session(user)`: a login session as logging in starts one (the service's
  `issue_tokens`), returned as its tokens; `client_for(user)` is an API client that
  carries an access token of the user.
- `invite(user, inviter)`: `user` has activated `inviter`'s invite code.
- `WebhookEndpointFactory()`: an active endpoint, subscribed to every event.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import factory
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from auth_phone.codes import hash_code
from auth_phone.models import LoginCode
from auth_phone.services.sessions import issue_tokens
from auth_phone.tokens import RefreshToken
from profiles.models import User
from profiles.services.users import create_user
from tests.phones import next_phone
from webhooks.models import WebhookEndpoint


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    phone = factory.LazyFunction(next_phone)

    @classmethod
    def _create(cls, model_class: type[User], *args, **kwargs) -> User:
        return create_user(**kwargs)


def staff_with_password(phone: str, password: str) -> User:
    """A superuser who can log in to the admin with `password` (the only way it opens)."""
    user = create_user(phone=phone, is_staff=True, is_superuser=True)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


class LoginCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoginCode

    class Params:
        code = None  # the code the SMS carried, stored as the service stores it

    user = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(
        lambda: timezone.now() + timedelta(seconds=settings.LOGIN_CODE_TTL)
    )
    code_hash = factory.LazyAttribute(
        lambda o: hash_code(user_id=o.user.pk, code=o.code) if o.code else ""
    )


def session(user: User) -> dict:
    """A new login session of `user`, as the login endpoint starts it: its "refresh" and
    "access" tokens."""
    return issue_tokens(user=user)


def client_for(user: User) -> APIClient:
    """An API client that sends an access token of `user` from a login with a code made
    just now (`auth_time`; no session is recorded): enough for every call, a change of
    number included."""
    access = RefreshToken.for_user(user).access_token
    access["auth_time"] = int(timezone.now().timestamp())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def browser_login(client, user: User) -> None:
    """Log `client` in to the UI as a login with a code made just now would."""
    client.force_login(user)
    session = client.session
    session["auth_time"] = timezone.now().isoformat()
    session.save()


def invite(user: User, inviter: User, when: datetime | None = None) -> None:
    """Record that `user` activated `inviter`'s code (at `when`, by default now), written
    directly: arranging data, not testing the activation service."""
    User.objects.filter(pk=user.pk).update(
        referred_by=inviter, activated_code=inviter.invite_code, referred_at=when or timezone.now()
    )
    user.refresh_from_db()


def referral_chain(length: int) -> list[User]:
    """`length` new users, each referred by the one before it (invite())."""
    users = [UserFactory()]
    for _ in range(length - 1):
        users.append(UserFactory())
        invite(users[-1], users[-2])
    return users


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    """Written as the admin writes it (no URL check: tests point endpoints at loopback)."""

    class Meta:
        model = WebhookEndpoint

    url = "https://hooks.example.com/referral"
    secret = "webhook-secret-for-tests"
    events = factory.LazyFunction(lambda: ["*"])
