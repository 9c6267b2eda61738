"""Users are created with a random, unique invite code; a collision is retried."""

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from profiles.models import User
from profiles.services import invites, users
from tests.conftest import run_in_threads
from tests.factories import WebhookEndpointFactory
from tests.phones import phone_number
from webhooks.models import WebhookEvent


def test_created_user_has_a_six_character_code(db):
    user = users.create_user(phone=phone_number())
    assert re.fullmatch(r"[0-9A-Z]{6}", user.invite_code)
    assert not user.has_usable_password()


def test_codes_differ_between_users(db):
    codes = {users.create_user(phone=phone_number(i)).invite_code for i in range(50)}
    assert len(codes) == 50


def test_a_code_collision_is_retried(db, monkeypatch):
    taken = users.create_user(phone=phone_number(1)).invite_code
    proposals = iter([taken, taken, "Z9Z9Z9"])
    monkeypatch.setattr(invites, "generate_invite_code", lambda: next(proposals))
    user = users.create_user(phone=phone_number(2))
    assert user.invite_code == "Z9Z9Z9"
    assert User.objects.count() == 2


def test_endless_collisions_give_up(db, monkeypatch):
    taken = users.create_user(phone=phone_number(1)).invite_code
    monkeypatch.setattr(invites, "generate_invite_code", lambda: taken)
    with pytest.raises(IntegrityError):
        users.create_user(phone=phone_number(2))
    assert User.objects.count() == 1


def test_a_taken_phone_is_not_retried(db, monkeypatch):
    users.create_user(phone=phone_number(1))
    calls = []
    real = invites.generate_invite_code
    monkeypatch.setattr(invites, "generate_invite_code", lambda: calls.append(1) or real())
    with pytest.raises(IntegrityError):
        users.create_user(phone=phone_number(1))
    assert len(calls) == 1


def test_the_database_refuses_a_malformed_code(db):
    with pytest.raises(IntegrityError):
        User.objects.create(phone=phone_number(1), invite_code="abc123")


def test_the_database_refuses_self_referral(db):
    user = users.create_user(phone=phone_number(1))
    user.referred_by = user
    with pytest.raises(IntegrityError):
        user.save()


def test_superuser_can_be_created_with_a_password(db):
    admin = User.objects.create_superuser(phone_number(9), "s3cret-pass")
    assert admin.is_staff and admin.is_superuser
    assert admin.check_password("s3cret-pass")
    assert str(admin) == phone_number(9)


# get_or_create_user: INSERT ... ON CONFLICT DO NOTHING, no lookup savepoint.


@pytest.fixture
def user_created_hook(db):
    return WebhookEndpointFactory(
        url="https://hooks.example.com/in", secret="s", events=["user.created"]
    )


def test_a_first_request_inserts_without_a_savepoint(db):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        user, created = users.get_or_create_user(phone=phone_number(1))
    sql = [q["sql"] for q in queries.captured_queries]
    assert created and User.objects.get(phone=phone_number(1)).pk == user.pk
    # Only the test's own atomic block (nested in the test's transaction) makes one.
    assert [s for s in sql if "SAVEPOINT" in s] == [sql[0], sql[-1]], sql
    inserts = [s for s in sql if s.split()[:3] == ["INSERT", "INTO", "profiles_user"]]
    assert len(inserts) == 1 and "ON CONFLICT DO NOTHING" in inserts[0], sql
    assert user.has_usable_password() is False
    assert User.objects.get(pk=user.pk).password == user.password


def test_a_first_request_is_one_insert(db):
    users.get_or_create_user(phone=phone_number(0))  # reads which events have endpoints
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        user, created = users.get_or_create_user(phone=phone_number(1))
    sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert created and len(sql) == 1, sql
    assert sql[0].split()[:3] == ["INSERT", "INTO", "profiles_user"], sql


def test_a_known_phone_is_found_locked_and_nothing_is_inserted(db):
    first = users.create_user(phone=phone_number(1))
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        assert users.get_or_create_user(phone=phone_number(1)) == (first, False)
    sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(sql) == 2, sql
    assert sql[0].split()[:3] == ["INSERT", "INTO", "profiles_user"] and "ON CONFLICT" in sql[0]
    assert sql[1].startswith("SELECT") and sql[1].endswith("FOR UPDATE"), sql[1]
    assert list(User.objects.values_list("pk", flat=True)) == [first.pk]


def test_an_invite_code_collision_on_first_request_is_retried(db, monkeypatch, user_created_hook):
    taken = users.create_user(phone=phone_number(1)).invite_code
    WebhookEvent.objects.all().delete()
    proposals = iter([taken, "Z9Z9Z9"])
    monkeypatch.setattr(invites, "generate_invite_code", lambda: next(proposals))
    user, created = users.get_or_create_user(phone=phone_number(2))
    assert created and user.invite_code == "Z9Z9Z9"
    assert User.objects.get(phone=phone_number(2)).invite_code == "Z9Z9Z9"
    assert [e.data["user_id"] for e in WebhookEvent.objects.all()] == [user.pk]


def test_endless_collisions_on_first_request_give_up_and_write_nothing(db, monkeypatch):
    taken = users.create_user(phone=phone_number(1)).invite_code
    monkeypatch.setattr(invites, "generate_invite_code", lambda: taken)
    with pytest.raises(IntegrityError):
        users.get_or_create_user(phone=phone_number(2))
    assert list(User.objects.values_list("phone", flat=True)) == [phone_number(1)]


def test_concurrent_first_requests_create_one_user_and_one_event(transactional_db):
    WebhookEndpointFactory(url="https://hooks.example.com/in", secret="s", events=["user.created"])

    def first_request(i):
        with transaction.atomic():
            return users.get_or_create_user(phone=phone_number(3))

    results = run_in_threads(first_request, 10)
    assert all(isinstance(r, tuple) for r in results), results
    assert sum(created for _, created in results) == 1
    assert {user.pk for user, _ in results} == {User.objects.get().pk}
    assert WebhookEvent.objects.filter(type="user.created").count() == 1
