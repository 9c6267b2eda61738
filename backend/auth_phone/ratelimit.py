"""Rate limits kept in the cache (Redis in every real deployment).

Every counter is changed with atomic cache commands (SET NX, INCR, DECR), never read and
then written. A request takes a *reservation* on each limit in turn; if a later limit
refuses, the earlier reservations are given back, so a refused request costs nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from project import metrics
from project.errors import RateLimited


def _refused(key: str) -> None:
    """Count a refusal under the limit's name: `rl:sms:ip:<ip>` -> `sms_ip`."""
    metrics.RATE_LIMITED.labels("_".join(key.split(":")[1:3])).inc()


def _retry_after(anchor_key: str, now: float, period: float) -> float:
    reset_at = cache.get(anchor_key)
    return (reset_at - now) if reset_at else period


@dataclass
class Reservations:
    _undo: list = field(default_factory=list)

    def release(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


def _take_cooldown(key: str, period: int, reservations: Reservations, what: str) -> None:
    now = time.time()
    if cache.add(key, now + period, period):
        reservations._undo.append(lambda: cache.delete(key))
        return
    _refused(key)
    raise RateLimited(_retry_after(key, now, period), what)


def _incr_in_window(key: str, period: int, now: float) -> int:
    """Count one more hit in the window of `key`, opening the window if there is none.
    One cache command while the window is open (the common case), three to open it."""
    try:
        return cache.incr(key)
    except ValueError:  # no open window
        pass
    cache.add(f"{key}:reset", now + period, period)
    if cache.add(key, 1, period):
        return 1
    try:
        return cache.incr(key)  # a concurrent request opened the window first
    except ValueError:  # and it expired at once: open it again
        cache.add(key, 0, period)
        return cache.incr(key)


def _take_count(key: str, limit: int, period: int, reservations: Reservations, what: str) -> None:
    now = time.time()
    if _incr_in_window(key, period, now) > limit:
        cache.decr(key)
        _refused(key)
        raise RateLimited(_retry_after(f"{key}:reset", now, period), what)
    reservations._undo.append(lambda: cache.decr(key))


def reserve_code_request(*, phone: str, ip: str) -> Reservations:
    """Take one code request for `phone` from `ip`. Raises RateLimited."""
    reservations = Reservations()
    if not settings.RATE_LIMITS_ENABLED:
        return reservations
    window = settings.RATE_LIMIT_WINDOW
    try:
        _take_cooldown(
            f"rl:sms:cooldown:{phone}",
            settings.SMS_RESEND_COOLDOWN,
            reservations,
            "A code was sent to this number moments ago.",
        )
        _take_count(
            f"rl:sms:phone:{phone}",
            settings.SMS_PHONE_HOURLY_LIMIT,
            window,
            reservations,
            "Too many codes requested for this number.",
        )
        _take_count(
            f"rl:sms:ip:{ip}",
            settings.SMS_IP_HOURLY_LIMIT,
            window,
            reservations,
            "Too many codes requested from your address.",
        )
    except BaseException:
        reservations.release()
        raise
    return reservations


def _failures_key(phone: str) -> str:
    return f"rl:login:fail:{phone}"


def check_login_allowed(*, phone: str) -> None:
    """Refuse a login for `phone` once it has had too many wrong codes. Raises RateLimited."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    key = _failures_key(phone)
    failures = cache.get(key) or 0
    if failures >= settings.LOGIN_FAILURES_HOURLY_LIMIT:
        now = time.time()
        _refused(key)
        raise RateLimited(
            _retry_after(f"{key}:reset", now, settings.RATE_LIMIT_WINDOW),
            "Too many wrong codes for this number.",
        )


def record_login_failure(*, phone: str) -> None:
    if not settings.RATE_LIMITS_ENABLED:
        return
    _incr_in_window(_failures_key(phone), settings.RATE_LIMIT_WINDOW, time.time())
