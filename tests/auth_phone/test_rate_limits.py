"""Every limit against the real Redis: status, Retry-After, detail, and that a refused
request sends nothing and costs nothing."""

import time

import pytest
from django.core.cache import cache

from auth_phone.models import LoginCode
from core import ratelimit
from core.errors import RateLimited
from profiles.models import User
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.phones import phone_number

PHONE = phone_number(1234567)
CODE = ("code.cooldown", "code.phone", "code.address")  # a code request's own limits
LOGIN = ("login.address", "login.phone")


def ask(api, phone=PHONE, ip="10.1.1.1"):
    return api.post("/auth/sms/", {"phone": phone}, format="json", REMOTE_ADDR=ip)


def assert_refused(response, words):
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert retry_after >= 1
    detail = response.json()["detail"]
    assert words in detail
    assert f"Try again in {retry_after} seconds." in detail
    return retry_after


def test_uses_the_redis_cache():
    from django.core.cache import caches
    from django_redis.cache import RedisCache

    assert isinstance(caches["default"], RedisCache)


def test_one_code_per_phone_per_cooldown(api):
    assert ask(api).status_code == 201
    retry_after = assert_refused(ask(api), "moments ago")
    assert 55 <= retry_after <= 60
    assert len(LocmemSender.outbox) == 1
    assert SmsDelivery.objects.count() == 1


def test_cooldown_expires(api, settings):
    settings.SMS_RESEND_COOLDOWN = 1
    assert ask(api).status_code == 201
    assert ask(api).status_code == 429
    time.sleep(1.2)  # real Redis key expiry, not a timed assertion
    assert ask(api).status_code == 200
    assert len(LocmemSender.outbox) == 2


def test_five_codes_per_phone_per_hour(api, settings):
    settings.SMS_RESEND_COOLDOWN = 1
    for _ in range(5):
        cache.delete_pattern("rl:sms:cooldown:*")
        assert ask(api).status_code in (200, 201)
    cache.delete_pattern("rl:sms:cooldown:*")
    retry_after = assert_refused(ask(api), "Too many codes requested for this number.")
    assert 3500 <= retry_after <= 3600
    assert len(LocmemSender.outbox) == 5
    # The refused request gave its cooldown back: it did not start a new minute.
    assert cache.get(f"rl:sms:cooldown:{PHONE}") is None


def test_thirty_codes_per_ip_per_hour(api):
    for i in range(30):
        assert ask(api, phone=phone_number(i)).status_code == 201
    response = ask(api, phone=phone_number(9999))
    assert_refused(response, "Too many codes requested from your address.")
    assert not User.objects.filter(phone=phone_number(9999)).exists()
    assert len(LocmemSender.outbox) == 30
    # Another address is not affected, and the refused phone's cooldown was given back.
    assert ask(api, phone=phone_number(9999), ip="10.2.2.2").status_code == 201


def test_limits_can_be_configured(api, settings):
    settings.SMS_IP_HOURLY_LIMIT = 2
    assert ask(api, phone=phone_number(1)).status_code == 201
    assert ask(api, phone=phone_number(2)).status_code == 201
    assert ask(api, phone=phone_number(3)).status_code == 429


def test_forwarded_address_counts_only_behind_a_configured_proxy(api, settings):
    settings.SMS_IP_HOURLY_LIMIT = 1
    headers = {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    assert ask(api, phone=phone_number(1), **{}).status_code == 201
    # Without NUM_PROXIES the header is ignored: same REMOTE_ADDR, refused.
    response = api.post(
        "/auth/sms/", {"phone": phone_number(2)}, format="json", REMOTE_ADDR="10.1.1.1", **headers
    )
    assert response.status_code == 429
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    response = api.post(
        "/auth/sms/", {"phone": phone_number(2)}, format="json", REMOTE_ADDR="10.1.1.1", **headers
    )
    assert response.status_code == 201


def test_wrong_codes_per_phone_per_hour(api, request_code, settings):
    settings.RATE_LIMITS_ENABLED = True
    code = request_code(PHONE)
    wrong = f"{(int(code) + 1) % 10000:04d}"
    statuses = []
    for attempt in range(10):
        if attempt == 5:  # the first code died after 5; a new one is needed
            cache.delete_pattern("rl:sms:*")
            code = request_code(PHONE)
            wrong = f"{(int(code) + 1) % 10000:04d}"
        statuses.append(
            api.post(
                "/users/login/", {"phone": PHONE, "password": wrong}, format="json"
            ).status_code
        )
    assert statuses == [400] * 10
    cache.delete_pattern("rl:sms:*")
    code = request_code(PHONE)
    response = api.post("/users/login/", {"phone": PHONE, "password": code}, format="json")
    assert_refused(response, "Too many wrong codes for this number.")
    # The blocked login neither consumed nor counted against the fresh code.
    fresh = LoginCode.objects.get(used_at__isnull=True)
    assert fresh.attempts == 0


def test_disabled_limits_let_everything_through(api, settings):
    settings.RATE_LIMITS_ENABLED = False
    assert [ask(api).status_code for _ in range(3)] == [201, 200, 200]
    ratelimit.reserve(*LOGIN, phone=PHONE, net="10.1.1.1")
    assert cache.get(f"rl:login:fail:{PHONE}") is None
    assert cache.get("rl:login:ip:10.1.1.1") is None


def test_a_failed_request_gives_its_reservations_back(api, monkeypatch):
    from auth_phone.services import codes as services

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "queue_login_code_sms", broken)
    with pytest.raises(RuntimeError):
        services.request_login_code(phone=PHONE, client_ip="10.1.1.1")
    assert cache.get(f"rl:sms:cooldown:{PHONE}") is None
    assert cache.get(f"rl:sms:phone:{PHONE}") == 0
    assert cache.get("rl:sms:ip:10.1.1.1") == 0
    assert not User.objects.exists()


def test_counter_window_restarts_when_the_key_vanishes(monkeypatch):
    """If the count key expires between `add` and `incr`, the window starts again."""
    calls = {"n": 0}
    real_incr = cache.incr

    def flaky_incr(key, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            cache.delete(key)
            raise ValueError("Key not found")
        return real_incr(key, *args, **kwargs)

    monkeypatch.setattr(cache, "incr", flaky_incr)
    reservations = ratelimit.reserve(*CODE, phone=PHONE, net="10.9.9.9")
    assert cache.get(f"rl:sms:phone:{PHONE}:10.9.9.9") == 1
    reservations.release()


def test_rate_limited_rounds_up_and_never_says_zero():
    assert RateLimited(0.2, "Slow down.").retry_after == 1
    assert RateLimited(59.1, "Slow down.").retry_after == 60
