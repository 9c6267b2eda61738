"""The login limits count first and decide after, against the real Redis and PostgreSQL:
parallel guesses cannot all pass a limit, and giving a count back never fails."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

from auth_phone import codes
from auth_phone.errors import InvalidCode
from auth_phone.models import LoginCode
from auth_phone.services import codes as services
from core import ratelimit
from core.errors import RateLimited
from profiles.services.users import create_user
from tests.conftest import run_in_threads
from tests.phones import phone_number

PHONE = phone_number(1234567)
CODE = ("code.cooldown", "code.phone", "code.address")  # a code request's own limits
LOGIN = ("login.address", "login.phone")


def test_parallel_wrong_guesses_cannot_pass_the_per_phone_limit(transactional_db, settings):
    settings.LOGIN_FAILURES_HOURLY_LIMIT = 3
    settings.LOGIN_CODE_MAX_ATTEMPTS = 100  # so that only the hourly limit can stop them
    user = create_user(phone=PHONE)
    login_code = LoginCode.objects.create(
        user=user,
        expires_at=timezone.now() + timedelta(minutes=5),
        code_hash=codes.hash_code(user_id=user.pk, code="1234"),
    )

    def guess(i):
        return services.verify_login_code(phone=PHONE, code=f"{i + 2000}", client_ip=f"10.0.0.{i}")

    results = run_in_threads(guess, 16)
    wrong = [r for r in results if isinstance(r, InvalidCode)]
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert len(wrong) == 3 and len(refused) == 13, results
    login_code.refresh_from_db()
    assert login_code.attempts == 3 and login_code.used_at is None
    assert cache.get(f"rl:login:fail:{PHONE}") == 3


def test_parallel_failures_cannot_pass_the_per_address_limit(transactional_db, settings):
    settings.LOGIN_FAILURES_IP_HOURLY_LIMIT = 4

    def fail(i):
        return services.verify_login_code(phone=phone_number(i), code="1234", client_ip="10.1.1.1")

    results = run_in_threads(fail, 12)
    assert sum(isinstance(r, RateLimited) for r in results) == 8, results
    assert cache.get("rl:login:ip:10.1.1.1") == 4


def test_giving_back_counts_whose_window_expired_never_raises(db):
    reservations = ratelimit.reserve(*CODE, phone=PHONE, net="10.1.1.1")
    login = ratelimit.reserve(*LOGIN, phone=PHONE, net="10.1.1.1")
    cache.delete_many(
        [
            f"rl:sms:phone:{PHONE}",
            "rl:sms:ip:10.1.1.1",
            f"rl:login:fail:{PHONE}",
            "rl:login:ip:10.1.1.1",
        ]
    )  # what Redis does when the window ends
    reservations.release()
    login.release()
    # Nothing was given back into a window that no longer exists.
    assert cache.get(f"rl:sms:phone:{PHONE}") is None
    assert cache.get(f"rl:login:fail:{PHONE}") is None


def test_an_outage_after_the_window_expired_still_answers_503(api, monkeypatch):
    def database_gone(**kwargs):
        cache.delete_pattern("rl:sms:*")  # the window ends while the request runs
        raise OperationalError("connection refused")

    monkeypatch.setattr(services, "queue_login_code_sms", database_gone)
    response = api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 503
    assert "the database" in response.json()["detail"]


@pytest.mark.parametrize("outcome", ["right code", "outage"])
def test_a_login_that_is_not_a_failure_gives_both_counts_back(
    api, request_code, monkeypatch, outcome
):
    code = request_code(PHONE)
    if outcome == "outage":

        def database_gone(**kwargs):
            raise OperationalError("connection refused")

        monkeypatch.setattr(services, "_check_code", database_gone)
    response = api.post("/users/login/", {"phone": PHONE, "password": code}, format="json")
    assert response.status_code == (200 if outcome == "right code" else 503)
    assert cache.get(f"rl:login:fail:{PHONE}") == 0
    assert cache.get("rl:login:ip:127.0.0.1") == 0
