"""Every limit of the table, through the one script against the real Redis: parallel
requests take exactly its limit, a refusal raises its error with the wait and counts
nothing, and what was taken is given back once."""

import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from core import ratelimit
from core.errors import RateLimited, SmsBudgetExhausted, SmsRouteSuspended
from core.http import wider_network
from tests.conftest import run_in_threads
from tests.phones import phone_number

KEY_PARAMS = {"phone": phone_number(1234567), "net": "2001:db8:1:2::/64", "user": 42}
THREADS = 8


def limit_to(settings, name: str, most: int) -> None:
    limit = ratelimit.LIMITS[name]
    if isinstance(limit.limit, str):
        setattr(settings, limit.limit, most)


def counter(name: str) -> str:
    net = KEY_PARAMS["net"]
    wider = {"net56": wider_network(net, 56), "net48": wider_network(net, 48), "route": 7}
    return ratelimit.LIMITS[name].key.format(hour=int(time.time() // 3600), **KEY_PARAMS, **wider)


def most_of(name: str) -> int:
    return 1 if ratelimit.LIMITS[name].kind == ratelimit.COOLDOWN else 3


# The limits that count units up to a limit (the route guard judges a share instead).
COUNTED = [n for n, limit in ratelimit.LIMITS.items() if limit.kind != ratelimit.ROUTE]


@pytest.mark.parametrize("name", COUNTED)
def test_parallel_requests_take_exactly_the_limit_and_give_it_back(settings, name):
    most = most_of(name)
    limit_to(settings, name, most)

    results = run_in_threads(lambda i: ratelimit.reserve(name, **KEY_PARAMS), THREADS)

    taken = [r for r in results if isinstance(r, ratelimit.Reservations)]
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert (len(taken), len(refused)) == (most, THREADS - most), results
    error = ratelimit.LIMITS[name].error
    assert all(type(r) is error for r in refused)
    window = ratelimit.window(name)
    assert all(1 <= r.retry_after <= window for r in refused)
    key = counter(name)
    if ratelimit.LIMITS[name].kind == ratelimit.COOLDOWN:
        assert cache.get(key) is not None
    else:
        assert cache.get(key) == most  # the refused ones counted nothing
        assert window * 0.9 < cache.ttl(key) <= 2 * window

    for reservations in taken:
        reservations.release()
        reservations.release()  # given back once only
    assert (cache.get(key) or 0) == 0
    ratelimit.reserve(name, **KEY_PARAMS)  # the limit is free again


@pytest.mark.parametrize("name", [n for n, limit in ratelimit.LIMITS.items() if not limit.cap])
def test_the_switch_turns_the_rate_limits_off(settings, name):
    settings.RATE_LIMITS_ENABLED = False
    limit_to(settings, name, 0)
    for _ in range(3):
        ratelimit.reserve(name, **KEY_PARAMS)
    assert cache.keys("*") == []
    assert ratelimit.window(name) == 0


def test_the_sms_budget_stays_on_without_rate_limits_and_is_off_at_zero(settings):
    settings.RATE_LIMITS_ENABLED = False
    settings.SMS_HOURLY_BUDGET = 1
    ratelimit.reserve("sms.budget")
    with pytest.raises(SmsBudgetExhausted):
        ratelimit.reserve("sms.budget")
    settings.SMS_HOURLY_BUDGET = 0
    ratelimit.reserve("sms.budget")
    assert cache.get(counter("sms.budget")) == 1


def test_a_clock_hour_limit_waits_for_the_end_of_the_hour(settings):
    settings.INVITE_FAILURES_HOURLY_LIMIT = 1
    ratelimit.reserve("invite.fail", user=42)
    with pytest.raises(RateLimited) as refused:
        ratelimit.reserve("invite.fail", user=42)
    assert refused.value.retry_after == pytest.approx(3600 - time.time() % 3600, abs=2)


def test_a_refusal_gives_back_what_the_request_took_before_it(settings):
    settings.SMS_HOURLY_BUDGET = 1
    ratelimit.reserve("sms.budget")
    names = ("code.cooldown", "code.phone", "code.address", "login.address", "sms.budget")
    with pytest.raises(SmsBudgetExhausted):
        ratelimit.reserve(*names, **KEY_PARAMS)
    assert cache.get(counter("code.cooldown")) is None
    for name in ("code.phone", "code.address", "login.address"):
        assert cache.get(counter(name)) == 0, name
    assert cache.get(counter("sms.budget")) == 1


def test_reservations_are_given_back_by_name(settings):
    taken = ratelimit.reserve("code.cooldown", "code.phone", "invite.fail", **KEY_PARAMS)
    taken.release("code.phone", "invite.fail")
    assert cache.get(counter("code.phone")) == cache.get(counter("invite.fail")) == 0
    assert cache.get(counter("code.cooldown")) is not None
    taken.release()
    assert cache.get(counter("code.cooldown")) is None


def test_giving_back_an_unknown_name_is_an_error():
    taken = ratelimit.reserve("code.phone", **KEY_PARAMS)
    with pytest.raises(KeyError):
        taken.release("code.phnoe")
    assert cache.get(counter("code.phone")) == 1


def route_counter(kind: str) -> str:
    return f"{counter('code.route')}:{kind}:{int(time.time() // 3600)}"


def test_parallel_requests_to_a_route_without_uses_take_its_least_count_then_suspend_it(
    settings,
):
    settings.SMS_ROUTE_GUARD_MIN_REQUESTS = 3

    results = run_in_threads(lambda i: ratelimit.reserve("code.route", **KEY_PARAMS), THREADS)

    taken = [r for r in results if isinstance(r, ratelimit.Reservations)]
    refused = [r for r in results if isinstance(r, RateLimited)]
    assert (len(taken), len(refused)) == (3, THREADS - 3), results
    assert all(type(r) is SmsRouteSuspended and r.calling_code == 7 for r in refused)
    assert all(1 <= r.retry_after <= settings.SMS_ROUTE_SUSPEND_SECONDS for r in refused)
    # Exactly one refusal suspended it, on the three codes sent and none used.
    assert [r.trip for r in refused if r.trip is not None] == [(3, 0)]
    assert cache.get(route_counter("sent")) == 3
    assert 7000 < cache.ttl(route_counter("sent")) <= 7200
    assert ratelimit.route_suspended(7)

    for reservations in taken:
        reservations.release()
    assert cache.get(route_counter("sent")) == 0
    with pytest.raises(SmsRouteSuspended):  # a suspension holds, whatever was given back
        ratelimit.reserve("code.route", **KEY_PARAMS)
    ratelimit.lift_route(7)
    ratelimit.reserve("code.route", **KEY_PARAMS)


def test_a_route_is_off_at_zero_and_stays_on_without_rate_limits(settings):
    settings.RATE_LIMITS_ENABLED = False
    settings.SMS_ROUTE_GUARD_MIN_REQUESTS = 1
    ratelimit.reserve("code.route", **KEY_PARAMS)
    with pytest.raises(SmsRouteSuspended):
        ratelimit.reserve("code.route", **KEY_PARAMS)
    ratelimit.lift_route(7)
    for setting in ("SMS_ROUTE_GUARD_MIN_REQUESTS", "SMS_ROUTE_SUSPEND_SECONDS"):
        with override_settings(**{setting: 0}):
            for _ in range(3):
                ratelimit.reserve("code.route", **KEY_PARAMS)
            ratelimit.code_used(phone=KEY_PARAMS["phone"])
            assert ratelimit.window("code.route") == 0
    assert cache.keys("rl:sms:route:*") == []
