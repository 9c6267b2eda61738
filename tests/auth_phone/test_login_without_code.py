"""A login for a number without a live code guesses nothing: it costs the number
nothing, so strangers cannot lock its owner out, but it still costs the address."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from auth_phone.models import LoginCode
from tests.conftest import last_code
from tests.phones import phone_number

PHONE = phone_number()


def login(api, code="1234", ip="10.1.1.1", phone=PHONE):
    return api.post(
        "/users/login/", {"phone": phone, "password": code}, format="json", REMOTE_ADDR=ip
    )


def test_logins_without_a_code_do_not_lock_the_owner_out(api, request_code):
    request_code(PHONE)
    LoginCode.objects.update(used_at=timezone.now())  # the owner logged in; no code now
    # More than the per-phone limit (10), each from its own address.
    for i in range(12):
        response = login(api, ip=f"10.0.0.{i}")
        assert response.status_code == 400
        assert response.json() == {
            "detail": "Invalid or expired code. Check it, or request a new code.",
            "code": "invalid_code",
        }
    assert cache.get(f"rl:login:fail:{PHONE}") == 0
    assert [cache.get(f"rl:login:ip:10.0.0.{i}") for i in range(12)] == [1] * 12
    cache.delete_pattern("rl:sms:*")
    assert login(api, request_code(PHONE)).status_code == 200


@pytest.mark.parametrize("state", ["never asked", "expired", "dead after 5 wrong tries"])
def test_no_live_code_costs_the_phone_nothing_but_the_address_one(api, request_code, state):
    if state == "never asked":
        phone = phone_number(77)
    else:
        phone = PHONE
        request_code(phone)
        if state == "expired":
            LoginCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        else:
            LoginCode.objects.update(attempts=5)
    before = list(LoginCode.objects.values_list("attempts", "used_at"))
    response = login(api, last_code(phone) if phone == PHONE else "1234", phone=phone)
    assert response.status_code == 400
    assert not cache.get(f"rl:login:fail:{phone}")
    assert cache.get("rl:login:ip:10.1.1.1") == 1
    assert list(LoginCode.objects.values_list("attempts", "used_at")) == before


def test_a_wrong_guess_at_a_live_code_costs_both(api, request_code):
    code = request_code(PHONE)
    response = login(api, f"{(int(code) + 1) % 10000:04d}")
    assert response.json() == {
        "detail": "Invalid or expired code. Check it, or request a new code.",
        "code": "invalid_code",
    }
    assert cache.get(f"rl:login:fail:{PHONE}") == 1
    assert cache.get("rl:login:ip:10.1.1.1") == 1
