"""Users are created with a random, unique invite code; a collision is retried."""

import re

import pytest
from django.db import IntegrityError

from profiles.models import User
from profiles.services import invites, users


def test_created_user_has_a_six_character_code(db):
    user = users.create_user(phone="+79111234567")
    assert re.fullmatch(r"[0-9A-Z]{6}", user.invite_code)
    assert not user.has_usable_password()


def test_codes_differ_between_users(db):
    codes = {users.create_user(phone=f"+7911000{i:04d}").invite_code for i in range(50)}
    assert len(codes) == 50


def test_a_code_collision_is_retried(db, monkeypatch):
    taken = users.create_user(phone="+79110000001").invite_code
    proposals = iter([taken, taken, "Z9Z9Z9"])
    monkeypatch.setattr(invites, "generate_invite_code", lambda: next(proposals))
    user = users.create_user(phone="+79110000002")
    assert user.invite_code == "Z9Z9Z9"
    assert User.objects.count() == 2


def test_endless_collisions_give_up(db, monkeypatch):
    taken = users.create_user(phone="+79110000001").invite_code
    monkeypatch.setattr(invites, "generate_invite_code", lambda: taken)
    with pytest.raises(IntegrityError):
        users.create_user(phone="+79110000002")
    assert User.objects.count() == 1


def test_a_taken_phone_is_not_retried(db, monkeypatch):
    users.create_user(phone="+79110000001")
    calls = []
    real = invites.generate_invite_code
    monkeypatch.setattr(invites, "generate_invite_code", lambda: calls.append(1) or real())
    with pytest.raises(IntegrityError):
        users.create_user(phone="+79110000001")
    assert len(calls) == 1


def test_the_database_refuses_a_malformed_code(db):
    with pytest.raises(IntegrityError):
        User.objects.create(phone="+79110000001", invite_code="abc123")


def test_the_database_refuses_self_referral(db):
    user = users.create_user(phone="+79110000001")
    user.referred_by = user
    with pytest.raises(IntegrityError):
        user.save()


def test_superuser_can_be_created_with_a_password(db):
    admin = User.objects.create_superuser("+79110000009", "s3cret-pass")
    assert admin.is_staff and admin.is_superuser
    assert admin.check_password("s3cret-pass")
    assert str(admin) == "+79110000009"
