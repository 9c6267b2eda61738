"""Guessing invite codes: unknown codes are limited per user and hour (in Redis), and a
guess never waits for, nor holds up, the lock that serialises real activations."""

from __future__ import annotations

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection

from profiles.errors import InviteCodeNotFound
from profiles.models import User
from profiles.services.invites import activate_invite_code
from tests.conftest import run_in_threads, snapshot, unused_code
from tests.factories import UserFactory, client_for

UPDATE = "/users/update/me/"


def activate(client, code):
    return client.patch(UPDATE, {"user_referral": code}, format="json")


def test_the_default_limit_is_20(settings):
    assert settings.INVITE_FAILURES_HOURLY_LIMIT == 20


def test_beyond_the_limit_of_unknown_codes_the_user_gets_429(user, make_user, settings):
    settings.INVITE_FAILURES_HOURLY_LIMIT = 3
    inviter = make_user()
    client = client_for(user)
    unknown = unused_code()
    for _ in range(3):
        assert activate(client, unknown).status_code == 400

    refused = activate(client, unknown)

    assert refused.status_code == 429
    retry_after = int(refused["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert refused.json() == {
        "detail": f"Too many unknown invite codes. Try again in {retry_after} seconds.",
        "code": "rate_limited",
    }
    # Even a real code waits for the hour to end, and nothing was written.
    before = snapshot(user)
    assert activate(client, inviter.invite_code).status_code == 429
    assert snapshot(user) == before and before["referred_by_id"] is None


def test_the_limit_is_per_user(user, make_user, settings):
    settings.INVITE_FAILURES_HOURLY_LIMIT = 1
    other = make_user()
    assert activate(client_for(user), unused_code()).status_code == 400
    assert activate(client_for(user), unused_code()).status_code == 429
    assert activate(client_for(other), unused_code()).status_code == 400


def test_codes_that_exist_are_not_counted(user, make_user, settings):
    settings.INVITE_FAILURES_HOURLY_LIMIT = 1
    client = client_for(user)
    for _ in range(3):  # the own code: refused, but no guess
        assert activate(client, user.invite_code).status_code == 400
    assert activate(client, unused_code()).status_code == 400  # the one unknown code allowed
    assert activate(client, unused_code()).status_code == 429


def test_the_browser_form_is_limited_too(user, settings):
    from django.test import Client

    settings.INVITE_FAILURES_HOURLY_LIMIT = 1
    client = Client()
    client.force_login(user)
    client.post("/profile/activate/", {"code": unused_code()})
    page = client.post("/profile/activate/", {"code": unused_code()}).content.decode()
    assert "Too many unknown invite codes." in page


def test_without_rate_limits_nothing_is_counted(user, settings):
    settings.RATE_LIMITS_ENABLED = False
    settings.INVITE_FAILURES_HOURLY_LIMIT = 1
    for _ in range(3):
        assert activate(client_for(user), unused_code()).status_code == 400
    assert cache.keys("rl:invite:*") == []


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_never_pass_the_limit_together(settings):
    settings.INVITE_FAILURES_HOURLY_LIMIT = 5
    user = UserFactory()

    def guess(i):
        return activate_invite_code(user=User.objects.get(pk=user.pk), code=f"Z{i:05d}")

    results = run_in_threads(guess, 16)

    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["InviteCodeNotFound"] * 5 + ["RateLimited"] * 11


def test_an_unknown_code_does_not_wait_for_the_activation_lock(user):
    """Another session holds the referral-graph lock (a long activation): an unknown code
    is answered at once, without queueing behind it."""
    params = connection.get_connection_params()
    # The lock row (written if a flush removed it), held until the rollback at the end.
    with (
        psycopg.connect(
            dbname=params["dbname"],
            host=params.get("host"),
            port=params.get("port"),
            user=params.get("user"),
            autocommit=True,
        ) as other,
        other.transaction(force_rollback=True),
    ):
        other.execute(
            "INSERT INTO profiles_referralgraphlock (id) VALUES (1) ON CONFLICT DO NOTHING"
        )
        other.execute("SELECT id FROM profiles_referralgraphlock WHERE id = 1 FOR UPDATE")
        with connection.cursor() as cursor:
            # Waiting for the lock would end in an error after this, not in InviteCodeNotFound.
            cursor.execute("SET lock_timeout = '3s'")
        with pytest.raises(InviteCodeNotFound):
            activate_invite_code(user=user, code=unused_code())
