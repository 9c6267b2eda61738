"""Rate limits kept in the cache (Redis in every real deployment).

Every counter is changed with atomic commands, never read and then written. A request
takes a *reservation* on each limit in turn; if a later limit refuses, the earlier
reservations are given back, so a refused request costs nothing.

With Redis, all the reservations of one request are taken by one Lua script (one round
trip, atomic: no other request runs between its steps), and given back by another. Any
other cache (the zero-setup file cache) takes them with one cache command at a time, to
the same rules.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from redis.commands.core import Script

from core.errors import Message, RateLimited
from core.ops import metrics

COOLDOWN = "cooldown"  # one request per period: SET NX, given back by DEL
COUNT = "count"  # at most `limit` per window: INCR first, then decide; given back by DECR

# KEYS: the limits' keys, in order. ARGV: for each key, its kind, limit and period (s).
# Takes every limit or none: at the first refusal, the ones taken are given back and
# {index (1-based), milliseconds until the refusing limit resets} is returned; {0} when
# all were taken. A count's window opens with its first hit and never grows longer.
RESERVE_SCRIPT = """
local function give_back(i)
  if ARGV[i * 3 - 2] == 'cooldown' then
    redis.call('DEL', KEYS[i])
  elseif redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('DECR', KEYS[i])
  end
end
for i = 1, #KEYS do
  local kind = ARGV[i * 3 - 2]
  local limit = tonumber(ARGV[i * 3 - 1])
  local period = tonumber(ARGV[i * 3])
  local refused = false
  if kind == 'cooldown' then
    refused = not redis.call('SET', KEYS[i], 1, 'NX', 'EX', period)
  else
    local n = redis.call('INCR', KEYS[i])
    if redis.call('TTL', KEYS[i]) < 0 then
      redis.call('EXPIRE', KEYS[i], period)
    end
    if n > limit then
      redis.call('DECR', KEYS[i])
      refused = true
    end
  end
  if refused then
    for j = i - 1, 1, -1 do
      give_back(j)
    end
    local left = redis.call('PTTL', KEYS[i])
    if left < 0 then
      left = period * 1000
    end
    return {i, left}
  end
end
return {0}
"""

# KEYS: reservations to give back; ARGV: their kinds. A count whose window has expired
# has nothing left to give back (no error, and no negative count left behind).
RELEASE_SCRIPT = """
for i = 1, #KEYS do
  if ARGV[i] == 'cooldown' then
    redis.call('DEL', KEYS[i])
  elseif redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('DECR', KEYS[i])
  end
end
return #KEYS
"""


@dataclass(frozen=True)
class Limit:
    kind: str  # COOLDOWN or COUNT
    key: str
    limit: int  # a COUNT's most hits in one period (unused for a COOLDOWN)
    period: int  # seconds
    what: Message | None  # the reason a refusal gives
    # The error a refusal raises, given the seconds until the limit resets; RateLimited
    # with `what` when None.
    refusal: Callable[[float], Exception] | None = None

    def refused(self, retry_after: float) -> Exception:
        if self.refusal is not None:
            return self.refusal(retry_after)
        _refused(self.key)
        return RateLimited(retry_after, self.what)


def _refused(key: str) -> None:
    """Count a refusal under the limit's name: `rl:sms:ip:<ip>` -> `sms_ip`."""
    metrics.RATE_LIMITED.labels("_".join(key.split(":")[1:3])).inc()


def _redis():
    """The Redis client behind the cache, or None for a cache without one."""
    get_client = getattr(getattr(cache, "client", None), "get_client", None)
    return get_client(write=True) if get_client is not None else None


_scripts: dict[str, Script] = {}


def _run(source: str, client, keys: list[str], args: list) -> list:
    script = _scripts.get(source)
    if script is None:
        script = _scripts[source] = client.register_script(source)
    return script(keys=keys, args=args, client=client)  # EVALSHA, EVAL once per server


@dataclass
class Reservations:
    _taken: list[tuple[str, str]] = field(default_factory=list)  # (kind, key), in order

    def release(self) -> None:
        taken, self._taken = self._taken, []
        if not taken:
            return
        client = _redis()
        if client is not None:
            _run(
                RELEASE_SCRIPT,
                client,
                [cache.make_key(key) for _, key in reversed(taken)],
                [kind for kind, _ in reversed(taken)],
            )
            return
        for kind, key in reversed(taken):
            if kind == COOLDOWN:
                cache.delete(key)
            else:
                _give_back(key)


def _reserve(limits: list[Limit], reservations: Reservations) -> None:
    """Take every limit of `limits`, in order, into `reservations`, or none of them.
    Raises the refusal of the first limit that refuses."""
    if not limits:
        return
    client = _redis()
    if client is None:
        try:
            for limit in limits:
                _take_one(limit, reservations)
        except BaseException:
            reservations.release()
            raise
        return
    args: list = []
    for limit in limits:
        args += [limit.kind, limit.limit, limit.period]
    refused, *rest = _run(
        RESERVE_SCRIPT, client, [cache.make_key(limit.key) for limit in limits], args
    )
    if refused:
        raise limits[refused - 1].refused(rest[0] / 1000)
    reservations._taken += [(limit.kind, limit.key) for limit in limits]


# The same rules, one cache command at a time, for a cache that is not Redis.


def _retry_after(anchor_key: str, now: float, period: float) -> float:
    reset_at = cache.get(anchor_key)
    return (reset_at - now) if reset_at else period


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


def _take_one(limit: Limit, reservations: Reservations) -> None:
    now = time.time()
    if limit.kind == COOLDOWN:
        if not cache.add(limit.key, now + limit.period, limit.period):
            raise limit.refused(_retry_after(limit.key, now, limit.period))
    elif _incr_in_window(limit.key, limit.period, now) > limit.limit:
        _give_back(limit.key)
        raise limit.refused(_retry_after(f"{limit.key}:reset", now, limit.period))
    reservations._taken.append((limit.kind, limit.key))


def reserve_code_request(*, phone: str, ip: str, budget: Limit | None = None) -> Reservations:
    """Take one code request for `phone` from `ip`, and one unit of `budget` last (so that
    a request another limit refuses costs none), in one step. Raises RateLimited, or the
    budget's refusal."""
    reservations = Reservations()
    limits = []
    if settings.RATE_LIMITS_ENABLED:
        window = settings.RATE_LIMIT_WINDOW
        limits += [
            Limit(
                COOLDOWN,
                f"rl:sms:cooldown:{phone}",
                1,
                settings.SMS_RESEND_COOLDOWN,
                _("A code was sent to this number moments ago."),
            ),
            Limit(
                COUNT,
                f"rl:sms:phone:{phone}",
                settings.SMS_PHONE_HOURLY_LIMIT,
                window,
                _("Too many codes requested for this number."),
            ),
            Limit(
                COUNT,
                f"rl:sms:ip:{ip}",
                settings.SMS_IP_HOURLY_LIMIT,
                window,
                _("Too many codes requested from your address."),
            ),
        ]
    if budget is not None:
        limits.append(budget)
    _reserve(limits, reservations)
    return reservations


@dataclass
class LoginReservations:
    """The two counts a login takes before its code is checked. A login that guessed
    wrong keeps both; one that guessed nothing (no live code) gives `phone` back; a
    successful or refused one gives both back."""

    phone: Reservations = field(default_factory=Reservations)
    address: Reservations = field(default_factory=Reservations)

    def release(self) -> None:
        both = Reservations(self.address._taken + self.phone._taken)  # one round trip
        self.address._taken, self.phone._taken = [], []
        both.release()


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
    limits = []
    if ip is not None:
        limits.append(
            Limit(
                COUNT,
                f"rl:login:ip:{ip}",
                settings.LOGIN_FAILURES_IP_HOURLY_LIMIT,
                window,
                _("Too many failed logins from your address."),
            )
        )
    limits.append(
        Limit(
            COUNT,
            f"rl:login:fail:{phone}",
            settings.LOGIN_FAILURES_HOURLY_LIMIT,
            window,
            _("Too many wrong codes for this number."),
        )
    )
    taken = Reservations()
    _reserve(limits, taken)
    # Taken together, given back apart: the address's count first, then the phone's.
    reservations.address._taken, reservations.phone._taken = taken._taken[:-1], taken._taken[-1:]
    return reservations
