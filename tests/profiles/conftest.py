"""Users (tests/factories.py, through the services) and tokens are made directly, not
through the SMS flow, to keep tests fast."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from profiles.models import User
from tests.factories import UserFactory, next_phone

__all__ = ["next_phone"]  # imported from here by several test modules


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def link(user: User, inviter: User, when=None) -> None:
    """Record an activation directly (arranging data, not testing the service)."""
    User.objects.filter(pk=user.pk).update(
        referred_by=inviter, activated_code=inviter.invite_code, referred_at=when or timezone.now()
    )
    user.refresh_from_db()


def image_bytes(fmt: str = "PNG", size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def unused_code() -> str:
    """A well-formed invite code that nobody has."""
    taken = set(User.objects.values_list("invite_code", flat=True))
    return next(code for code in ("Z9Z9Z9", "Y8Y8Y8", "X7X7X7", "W6W6W6") if code not in taken)


def snapshot(user: User) -> dict:
    """Every stored column of `user`, to prove a refused request changed nothing."""
    return User.objects.filter(pk=user.pk).values().get()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def _make(phone: str | None = None, **fields) -> User:
        return UserFactory(**fields) if phone is None else UserFactory(phone=phone, **fields)

    return _make


@pytest.fixture
def user(make_user) -> User:
    return make_user()


@pytest.fixture
def auth_api(user) -> APIClient:
    return client_for(user)
