"""The reservations of one request are taken by one Lua script against the real Redis:
all or none, counted first and decided after, the window opened by its first hit and
never lengthened, and given back without going below nothing."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from core import ratelimit
from core.errors import RateLimited
from tests.conftest import run_in_threads
from tests.phones import phone_number

PHONE = phone_number(1234567)
# A code request's own limits.
CODE = ("code.cooldown", "code.phone", "code.phone.all", "code.address")
LOGIN = ("login.address", "login.phone")


def ttl(key: str) -> int:
    return cache.ttl(key)


def test_a_refusal_by_the_address_gives_back_the_cooldown_and_the_phone_count(settings):
    settings.SMS_IP_HOURLY_LIMIT = 1
    ratelimit.reserve(*CODE, phone=phone_number(1234500), net="10.3.3.3")
    with pytest.raises(RateLimited) as refused:
        ratelimit.reserve(*CODE, phone=PHONE, net="10.3.3.3")
    assert "from your address" in str(refused.value)
    assert 3500 < refused.value.retry_after <= settings.RATE_LIMIT_WINDOW
    assert cache.get(f"rl:sms:cooldown:{PHONE}") is None
    assert cache.get(f"rl:sms:phone:{PHONE}") == 0
    assert cache.get("rl:sms:ip:10.3.3.3") == 1


def test_a_refusal_by_the_cooldown_counts_nothing(settings):
    ratelimit.reserve(*CODE, phone=PHONE, net="10.3.3.4")
    with pytest.raises(RateLimited) as refused:
        ratelimit.reserve(*CODE, phone=PHONE, net="10.3.3.5")
    assert "moments ago" in str(refused.value)
    assert 0 < refused.value.retry_after <= settings.SMS_RESEND_COOLDOWN
    assert cache.get(f"rl:sms:phone:{PHONE}") == 1
    assert cache.get("rl:sms:ip:10.3.3.5") is None


def test_the_window_opens_with_its_first_hit_and_later_hits_do_not_lengthen_it(settings):
    settings.RATE_LIMIT_WINDOW = 3600
    ratelimit.reserve(*LOGIN, phone=PHONE, net="10.3.3.6")
    cache.expire("rl:login:ip:10.3.3.6", 100)  # the window is nearly over
    ratelimit.reserve(*LOGIN, phone=phone_number(1234500), net="10.3.3.6")
    assert cache.get("rl:login:ip:10.3.3.6") == 2
    assert 0 < ttl("rl:login:ip:10.3.3.6") <= 100
    assert 3500 < ttl(f"rl:login:fail:{PHONE}") <= 3600


def test_a_login_refused_for_the_phone_gives_the_address_count_back(settings):
    settings.LOGIN_FAILURES_HOURLY_LIMIT = 1
    ratelimit.reserve(*LOGIN, phone=PHONE, net="10.3.3.7")
    with pytest.raises(RateLimited):
        ratelimit.reserve(*LOGIN, phone=PHONE, net="10.3.3.8")
    assert cache.get("rl:login:ip:10.3.3.8") == 0
    assert cache.get(f"rl:login:fail:{PHONE}") == 1


def test_the_phone_and_the_address_counts_of_a_login_are_given_back_apart():
    taken = ratelimit.reserve(*LOGIN, phone=PHONE, net="10.3.3.9")
    taken.release("login.phone")
    assert cache.get(f"rl:login:fail:{PHONE}") == 0
    assert cache.get("rl:login:ip:10.3.3.9") == 1
    taken.release("login.address")
    assert cache.get("rl:login:ip:10.3.3.9") == 0
    taken.release()  # released once only
    assert cache.get("rl:login:ip:10.3.3.9") == 0


def test_a_confirmation_without_an_address_counts_only_the_phone():
    taken = ratelimit.reserve("login.phone", phone=PHONE)
    assert cache.get(f"rl:login:fail:{PHONE}") == 1
    assert cache.keys("rl:login:ip:*") == []
    taken.release()
    assert cache.get(f"rl:login:fail:{PHONE}") == 0


def test_giving_back_into_an_expired_window_leaves_no_negative_count():
    taken = ratelimit.reserve(*CODE, phone=PHONE, net="10.3.3.10")
    cache.delete_many([f"rl:sms:phone:{PHONE}", "rl:sms:ip:10.3.3.10"])
    taken.release()
    assert cache.get(f"rl:sms:phone:{PHONE}") is None
    assert cache.get("rl:sms:ip:10.3.3.10") is None
    assert cache.get(f"rl:sms:cooldown:{PHONE}") is None


def test_parallel_code_requests_from_one_address_take_exactly_its_limit(settings):
    settings.SMS_IP_HOURLY_LIMIT = 5

    def ask(i):
        return ratelimit.reserve(*CODE, phone=phone_number(1000000 + i), net="10.4.4.4")

    results = run_in_threads(ask, 16)
    refused = [i for i, r in enumerate(results) if isinstance(r, RateLimited)]
    assert len(refused) == 11, results
    assert cache.get("rl:sms:ip:10.4.4.4") == 5
    for i in refused:  # a refused request holds nothing
        assert cache.get(f"rl:sms:cooldown:{phone_number(1_000_000 + i)}") is None
        assert cache.get(f"rl:sms:phone:{phone_number(1_000_000 + i)}") == 0


@pytest.mark.parametrize("limit_by", ["cooldown", "address"])
def test_without_redis_the_same_rules_hold(settings, limit_by):
    settings.SMS_IP_HOURLY_LIMIT = 1
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        cache.clear()  # the process's memory cache outlives one test
        ratelimit.reserve(*CODE, phone=PHONE, net="10.5.5.5")
        other = PHONE if limit_by == "cooldown" else phone_number(1234500)
        with pytest.raises(RateLimited):
            ratelimit.reserve(*CODE, phone=other, net="10.5.5.5")
        assert cache.get("rl:sms:ip:10.5.5.5") == 1
        assert cache.get(f"rl:sms:phone:{PHONE}") == 1
        if limit_by == "address":
            assert cache.get(f"rl:sms:cooldown:{phone_number(1234500)}") is None
            assert cache.get(f"rl:sms:phone:{phone_number(1234500)}") == 0
        taken = ratelimit.reserve(*LOGIN, phone=PHONE, net="10.5.5.6")
        taken.release()
        assert cache.get("rl:login:ip:10.5.5.6") == 0
        assert cache.get(f"rl:login:fail:{PHONE}") == 0
