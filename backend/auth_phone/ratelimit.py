"""Rate limits kept in the cache (Redis in every real deployment).

Every counter is changed with atomic cache commands (SET NX, INCR, DECR), never read and
then written. A request takes a *reservation* on each limit in turn; if a later limit
refuses, the earlier reservations are given back, so a refused request costs nothing.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from project import metrics
from project.errors import Message, RateLimited


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


def _take_cooldown(key: str, period: int, reservations: Reservations, what: Message) -> None:
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


def _give_back(key: str) -> None:
    """Take one hit back from the window of `key`. A window that has expired meanwhile
    has nothing left to give back: that is not an error (and must not turn the failure
    being cleaned up after, such as an outage, into another one)."""
    with contextlib.suppress(ValueError):
        cache.decr(key)


def _take_count(
    key: str, limit: int, period: int, reservations: Reservations, what: Message
) -> None:
    now = time.time()
    if _incr_in_window(key, period, now) > limit:
        _give_back(key)
        _refused(key)
        raise RateLimited(_retry_after(f"{key}:reset", now, period), what)
    reservations._undo.append(lambda: _give_back(key))


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
            _("A code was sent to this number moments ago."),
        )
        _take_count(
            f"rl:sms:phone:{phone}",
            settings.SMS_PHONE_HOURLY_LIMIT,
            window,
            reservations,
            _("Too many codes requested for this number."),
        )
        _take_count(
            f"rl:sms:ip:{ip}",
            settings.SMS_IP_HOURLY_LIMIT,
            window,
            reservations,
            _("Too many codes requested from your address."),
        )
    except BaseException:
        reservations.release()
        raise
    return reservations


@dataclass
class LoginReservations:
    """The two counts a login takes before its code is checked. A login that guessed
    wrong keeps both; one that guessed nothing (no live code) gives `phone` back; a
    successful or refused one gives both back."""

    phone: Reservations = field(default_factory=Reservations)
    address: Reservations = field(default_factory=Reservations)

    def release(self) -> None:
        self.phone.release()
        self.address.release()


def reserve_login(*, phone: str, ip: str | None) -> LoginReservations:
    """Count one failed login for `ip` (None: a confirmation by a logged-in account, which
    only the number's count limits) and one wrong code for `phone` before the code is
    checked, so that parallel guesses cannot all pass a limit that each would see as not
    yet reached. Raises RateLimited (and then counts nothing)."""
    reservations = LoginReservations()
    if not settings.RATE_LIMITS_ENABLED:
        return reservations
    window = settings.RATE_LIMIT_WINDOW
    # The address first: beyond its limit every login from it is refused, whatever the
    # phone, and a refusal there must not move the phone's count.
    if ip is not None:
        _take_count(
            f"rl:login:ip:{ip}",
            settings.LOGIN_FAILURES_IP_HOURLY_LIMIT,
            window,
            reservations.address,
            _("Too many failed logins from your address."),
        )
    try:
        _take_count(
            f"rl:login:fail:{phone}",
            settings.LOGIN_FAILURES_HOURLY_LIMIT,
            window,
            reservations.phone,
            _("Too many wrong codes for this number."),
        )
    except BaseException:
        reservations.release()
        raise
    return reservations
