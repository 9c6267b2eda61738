"""Failed logins are limited per client address as well as per phone, so one address
cannot spread its guesses over many numbers; IPv6 clients are counted by their /64."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from auth_phone.models import LoginCode
from core.http import client_ip
from tests.conftest import last_code
from tests.phones import phone_number

PHONE = phone_number()


def login(api, phone, code="1234", ip="10.1.1.1"):
    return api.post(
        "/users/login/", {"phone": phone, "password": code}, format="json", REMOTE_ADDR=ip
    )


def test_thirty_failed_logins_then_every_login_from_the_address_is_refused(api):
    api.post("/auth/sms/", {"phone": PHONE}, format="json", REMOTE_ADDR="10.9.9.9")
    code = last_code(PHONE)
    # 30 numbers, one try each: the per-phone limit never comes near.
    for i in range(30):
        assert login(api, phone_number(i)).status_code == 400
    response = login(api, PHONE, code)  # the right code, for a number never tried
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 3500 <= retry_after <= 3600
    assert response.json() == {
        "detail": f"Too many failed logins from your address. Try again in {retry_after} seconds.",
        "code": "rate_limited",
    }
    # The refused login looked at nothing and counted nothing against the number.
    login_code = LoginCode.objects.get(user__phone=PHONE)
    assert login_code.used_at is None and login_code.attempts == 0
    assert cache.get(f"rl:login:fail:{PHONE}") is None
    assert cache.get("rl:login:ip:10.1.1.1") == 30
    # Another address logs in.
    assert login(api, PHONE, code, ip="10.2.2.2").status_code == 200


def test_a_successful_login_does_not_count_against_the_address(api, request_code, settings):
    settings.LOGIN_FAILURES_IP_HOURLY_LIMIT = 1
    settings.SMS_RESEND_COOLDOWN = 1
    for _ in range(3):
        cache.delete_pattern("rl:sms:cooldown:*")
        assert login(api, PHONE, request_code(PHONE)).status_code == 200
    assert cache.get("rl:login:ip:10.1.1.1") == 0
    assert login(api, PHONE).status_code == 400  # the one failure allowed
    assert login(api, PHONE).status_code == 429


@pytest.mark.parametrize(
    ("first", "second", "other_network"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:3::1"),
        ("2001:DB8:0:0:8::1", "2001:db8::9:0:0:1", "2001:db8:0:1::1"),
    ],
)
def test_ipv6_logins_are_counted_by_their_64(api, settings, first, second, other_network):
    settings.LOGIN_FAILURES_IP_HOURLY_LIMIT = 1
    assert login(api, phone_number(1), ip=first).status_code == 400
    response = login(api, phone_number(2), ip=second)
    assert response.status_code == 429
    assert "Too many failed logins from your address." in response.json()["detail"]
    assert login(api, phone_number(3), ip=other_network).status_code == 400


def test_ipv6_code_requests_are_counted_by_their_64(api, settings):
    settings.SMS_IP_HOURLY_LIMIT = 1

    def ask(phone, ip):
        return api.post("/auth/sms/", {"phone": phone}, format="json", REMOTE_ADDR=ip)

    assert ask(phone_number(1), "2001:db8:aa:bb::1").status_code == 201
    response = ask(phone_number(2), "2001:db8:aa:bb:1234::5")
    assert response.status_code == 429
    assert "Too many codes requested from your address." in response.json()["detail"]
    assert ask(phone_number(2), "2001:db8:aa:bc::1").status_code == 201


@pytest.mark.parametrize(
    ("meta", "num_proxies", "expected"),
    [
        ({"REMOTE_ADDR": "203.0.113.7"}, 0, "203.0.113.7"),
        ({"REMOTE_ADDR": "2001:db8::1"}, 0, "2001:db8::/64"),
        ({"REMOTE_ADDR": "::ffff:203.0.113.7"}, 0, "203.0.113.7"),
        ({"REMOTE_ADDR": "fe80::1%eth0"}, 0, "fe80::/64"),
        ({"REMOTE_ADDR": ""}, 0, "unknown"),
        ({}, 0, "unknown"),
        # Behind one proxy the last X-Forwarded-For hop is the client; without a configured
        # proxy the header is ignored, so a client cannot pick its own key.
        (
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 2001:db8:5::7"},
            1,
            "2001:db8:5::/64",
        ),
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, 0, "10.0.0.2"),
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "not-an-address"}, 1, "unknown"),
    ],
)
def test_client_ip_is_the_address_drf_sees_grouped_by_64(settings, meta, num_proxies, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    assert client_ip(request) == expected
