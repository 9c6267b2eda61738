"""The arithmetic of the conversion guard ("code.route"): the last hour is this clock hour's
counts plus the previous hour's weighted by the share of it still inside the last 60
minutes; the same rules hold without Redis (one cache command at a time)."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import override_settings

from core import ratelimit
from core.errors import SmsRouteSuspended
from tests.phones import de_mobile, phone_number

PHONE = phone_number(1234567)
HOUR = 3600
# Three quarters into an hour: a quarter of the previous hour lies within the last hour.
NOW = 500_000 * HOUR + 0.75 * HOUR


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: NOW))


@pytest.fixture
def guard(settings):
    settings.SMS_ROUTE_GUARD_MIN_REQUESTS = 10
    settings.SMS_ROUTE_GUARD_MIN_CONVERSION = 0.5


def counts(*, sent=0, used=0, sent_before=0, used_before=0) -> None:
    hour = int(NOW // HOUR)
    for key, value in (
        (f"rl:sms:route:7:sent:{hour}", sent),
        (f"rl:sms:route:7:sent:{hour - 1}", sent_before),
        (f"rl:sms:route:7:used:{hour}", used),
        (f"rl:sms:route:7:used:{hour - 1}", used_before),
    ):
        cache.set(key, value, 7200)


@pytest.mark.parametrize(
    ("figures", "suspended"),
    [
        # 36 codes in the previous hour weigh 9: fewer than 10, not judged.
        ({"sent_before": 36}, False),
        # 40 weigh 10, none used: judged and suspended.
        ({"sent_before": 40}, True),
        # 4 now and 24 before (weighing 6): 10 sent; 2 used now and 12 before (3): 5, half.
        ({"sent": 4, "sent_before": 24, "used": 2, "used_before": 12}, False),
        # The same with 11 used before (2.75): 4.75, below half.
        ({"sent": 4, "sent_before": 24, "used": 2, "used_before": 11}, True),
        # Uses of the previous hour count as little as its codes.
        ({"sent": 10, "used_before": 20}, False),
        ({"sent": 10, "used_before": 19}, True),
    ],
)
def test_the_last_hour_weighs_the_previous_hour_by_its_share_inside_it(
    clock, guard, figures, suspended
):
    counts(**figures)
    if suspended:
        with pytest.raises(SmsRouteSuspended) as refused:
            ratelimit.reserve("code.route", phone=PHONE)
        assert refused.value.calling_code == 7 and refused.value.trip is not None
    else:
        ratelimit.reserve("code.route", phone=PHONE)
    assert ratelimit.route_suspended(7) is suspended
    assert not ratelimit.route_suspended(49)


def test_a_used_code_is_counted_in_its_hour_and_the_reservations_given_back(clock, guard):
    taken = ratelimit.reserve("code.route", "code.phone", phone=PHONE, net="10.9.0.1")
    ratelimit.code_used(phone=PHONE, reservations=taken)
    ratelimit.code_used(phone=de_mobile(1))
    hour = int(NOW // HOUR)
    assert cache.get(f"rl:sms:route:7:used:{hour}") == 1
    assert cache.get(f"rl:sms:route:49:used:{hour}") == 1
    assert cache.get(f"rl:sms:route:7:sent:{hour}") == 0  # given back with the login's
    assert cache.get(f"rl:sms:phone:{PHONE}:10.9.0.1") == 0


def test_without_redis_the_guard_keeps_the_same_rules(guard):
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        cache.clear()  # the process's memory cache outlives one test
        for i in range(10):
            taken = ratelimit.reserve("code.route", phone=phone_number(i))
            if i < 5:
                ratelimit.code_used(phone=phone_number(i), reservations=None)
        taken.release()
        ratelimit.reserve("code.route", phone=PHONE)  # 9 sent, 5 used
        ratelimit.reserve("code.route", phone=PHONE)  # 10 sent, 5 used: half
        with pytest.raises(SmsRouteSuspended) as suspending:  # 11 sent, 5 used
            ratelimit.reserve("code.route", phone=PHONE)
        assert suspending.value.trip == (11, 5)
        with pytest.raises(SmsRouteSuspended) as again:
            ratelimit.reserve("code.route", phone=PHONE)
        assert 3500 < again.value.retry_after <= 3600 and again.value.trip is None
        ratelimit.lift_route(7)
        ratelimit.reserve("code.route", phone=PHONE)
        cache.clear()
