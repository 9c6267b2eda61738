"""An IPv6 client is counted by its /64, /56 and /48 at once, each with its own ceiling:
taking a fresh /64 (or /56) per try does not buy fresh budgets. And failed logins of the
whole service trip a breaker, however many addresses they come from."""

from __future__ import annotations

import pytest

from core import ratelimit
from core.http import wider_network
from tests.phones import phone_number

PHONE = phone_number(5300001)


def login(api, ip: str, phone: str = PHONE):
    return api.post(
        "/users/login/", {"phone": phone, "password": "1234"}, format="json", REMOTE_ADDR=ip
    )


def ask_code(api, ip: str, phone: str):
    return api.post("/auth/sms/", {"phone": phone}, format="json", REMOTE_ADDR=ip)


@pytest.mark.parametrize(
    ("net", "prefix", "address"),
    [
        ("2001:db8:1:ab00::/64", 56, "2001:db8:1:ab00::/56"),
        ("2001:db8:1:ab00::/64", 48, "2001:db8:1::/48"),
        ("2001:db8:1:abcd::/64", 56, "2001:db8:1:ab00::/56"),
        ("203.0.113.7", 48, "203.0.113.7"),
        ("unknown", 56, "unknown"),
    ],
)
def test_the_wider_networks_of_a_client(net, prefix, address):
    assert wider_network(net, prefix) == address


def test_wrong_codes_spread_over_a_48_are_limited(api, settings):
    settings.LOGIN_FAILURES_IP48_HOURLY_LIMIT = 3
    # Each try from its own /56 (and so its own /64) of one /48.
    answers = [login(api, f"2001:db8:7:{i:02x}00::1").status_code for i in range(1, 5)]
    assert answers == [400, 400, 400, 429]
    assert login(api, "2001:db8:8:100::1").status_code == 400  # another /48


def test_wrong_codes_spread_over_a_56_are_limited(api, settings):
    settings.LOGIN_FAILURES_IP56_HOURLY_LIMIT = 3
    # Each try from its own /64 of one /56.
    answers = [login(api, f"2001:db8:7:1{i:02x}::1").status_code for i in range(1, 5)]
    assert answers == [400, 400, 400, 429]
    assert login(api, "2001:db8:7:200::1").status_code == 400  # another /56


def test_codes_asked_from_all_over_a_48_are_limited(api, settings):
    settings.SMS_IP48_HOURLY_LIMIT = 2
    answers = [
        ask_code(api, f"2001:db8:9:{i:02x}00::1", phone_number(5300010 + i)).status_code
        for i in range(1, 4)
    ]
    assert answers == [201, 201, 429]


def test_failed_logins_from_everywhere_trip_the_service_breaker(api, settings, caplog):
    settings.LOGIN_FAILURES_SERVICE_LIMIT = 3
    # A botnet: every try from another /48, for another number.
    answers = [
        login(api, f"2001:db8:{i:x}::1", phone_number(5300020 + i)).status_code for i in range(1, 5)
    ]
    assert answers == [400, 400, 400, 429]
    assert "Login breaker open" in caplog.text
    refused = login(api, "198.51.100.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 60


def test_a_successful_login_does_not_count_towards_the_breaker(api, request_code, settings):
    settings.LOGIN_FAILURES_SERVICE_LIMIT = 1
    code = request_code(PHONE)
    response = api.post("/users/login/", {"phone": PHONE, "password": code}, format="json")
    assert response.status_code == 200
    assert login(api, "198.51.100.2").status_code == 400  # the one failure the breaker allows
    assert ratelimit.window("login.service") == 60
