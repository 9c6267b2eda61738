"""Every rate limit and budget of the service: one table, one Lua script.

`LIMITS` declares each budget once — its key, the setting that holds its limit, its
window — so what one address, many addresses or many numbers can do in an hour is read
on one screen (docs/security.md does the arithmetic). `reserve(...)` takes one unit of
several limits at once, all or none, and returns reservations that the caller gives back
when its request turns out to be refused or failed: such a request counts nothing.

Every counter lives in the cache (Redis in every real deployment) and is changed with
atomic commands, never read and then written: a count is incremented first and the
request decides on the count it got, so parallel requests cannot pass a limit together.
With Redis, the reservations of one request are taken by one call of one Lua script (one
round trip, atomic: no other request runs between its steps), and given back by another
call of the same script. Any other cache (the zero-setup file cache) takes them with one
cache command at a time, to the same rules.

One entry is a guard rather than a budget: "code.route" suspends a country calling code
whose codes go unused (SMS pumping never logs in). A code request takes a unit of it like
any limit; `code_used()` counts a used code in the same round trip that gives back a
successful login's reservations, and `lift_route()` ends a suspension.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.utils.translation import gettext_lazy as _
from redis.commands.core import Script

from core import phones
from core.errors import Message, RateLimited, SmsBudgetExhausted, SmsRouteSuspended
from core.http import wider_network
from core.ops import metrics

logger = logging.getLogger(__name__)

HOUR = 3600

# The kinds of limit.
COOLDOWN = "cooldown"  # one per window: SET NX, given back by DEL
COUNT = "count"  # `limit` per window opened by its first hit: INCR, given back by DECR
# `limit` per clock hour: a counter per hour number (the key's `{hour}`), so Retry-After
# is the time to the end of the hour. The counter outlives its hour (two hours), so a
# give-back never finds it gone. Counted like COUNT.
HOURLY = "hourly"
# The conversion guard of a route (a country calling code, the key's `{route}`, filled in
# from the `phone` given): the codes sent there and the codes used (a login, a confirmed
# change of number) are counted per clock hour, and "the last hour" is the current hour's
# count plus the previous hour's, weighted by the share of the previous hour still inside
# the last 60 minutes (a sliding window from two counters). Once `limit` codes went out
# within it, a request is refused when fewer than `share` of them were used: the route is
# suspended for `window` seconds (or until lift_route) and every request to it is refused
# meanwhile. A unit taken is one more code sent, given back like a COUNT's.
ROUTE = "route"


@dataclass(frozen=True)
class Limit:
    kind: str
    # Filled in from reserve()'s arguments: {phone} (E.164), {net} (core.http.client_ip:
    # an IPv4 address, or the /64 of an IPv6 one), {user} (a user's id); {hour} by HOURLY;
    # {net56} and {net48}, the /56 and /48 that hold {net} (an IPv4 address: itself);
    # {route}, the calling code of {phone}, by ROUTE (the stem of its five keys).
    key: str
    limit: str | int  # the most units per window: a setting's name, or a number
    window: str | int  # seconds: a setting's name, or a number
    reason: Message | None = None  # what the refusal says; None: the error's own message
    error: type[RateLimited] = RateLimited
    metric: str | None = None  # the `limit` label of rate_limit_refusals_total
    # A cost cap, not a rate limit: RATE_LIMITS_ENABLED leaves it on, a limit or a window
    # of 0 is off.
    cap: bool = False
    # Logged as an error once per window when the limit refuses, %(most)s its limit; a
    # ROUTE's once per suspension, with its figures (%(route)s, %(requested)s ...).
    alert: str | None = None
    share: str | float | None = None  # ROUTE: the least share of its codes used


# Every budget, once. A code request takes code.* (code.route after the others: a request
# they refuse is no code sent) and then sms.budget (last, so that a request another limit
# refuses costs no budget); a login takes login.address and then
# login.phone. A change of number takes the very same ones: its code request those of a
# code request for the new number, its confirmation those of a login for the new number
# (from the confirming address), and the notice to the old number code.phone,
# code.phone.all and sms.budget of the old number (skipped, not refused, when spent).
LIMITS: dict[str, Limit] = {
    "code.cooldown": Limit(
        COOLDOWN,
        "rl:sms:cooldown:{phone}",
        limit=1,
        window="SMS_RESEND_COOLDOWN",
        reason=_("A code was sent to this number moments ago."),
        metric="sms_cooldown",
    ),
    # Per (number, requesting network): strangers who use up their share for a number
    # leave the owner's own address its share (no lock-out by strangers) ...
    "code.phone": Limit(
        COUNT,
        "rl:sms:phone:{phone}:{net}",
        limit="SMS_PHONE_HOURLY_LIMIT",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many codes requested for this number."),
        metric="sms_phone",
    ),
    # ... and a higher ceiling across all networks still bounds the SMS one number gets.
    "code.phone.all": Limit(
        COUNT,
        "rl:sms:phone:{phone}",
        limit="SMS_PHONE_HOURLY_LIMIT_ALL_NETWORKS",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many codes requested for this number."),
        metric="sms_phone_all",
    ),
    "code.address": Limit(
        COUNT,
        "rl:sms:ip:{net}",
        limit="SMS_IP_HOURLY_LIMIT",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many codes requested from your address."),
        metric="sms_ip",
    ),
    "sms.budget": Limit(
        HOURLY,
        "sms:budget:{hour}",
        limit="SMS_HOURLY_BUDGET",
        window=HOUR,
        error=SmsBudgetExhausted,
        cap=True,
        metric="sms_budget",
        # For the operator's alerting; no phone or code in it.
        alert="SMS hourly budget reached: %(most)s codes issued this hour; code requests "
        "answer 503 until the hour ends (SMS_HOURLY_BUDGET)",
    ),
    # Fraud that pumps SMS to numbers whose operator shares the revenue never logs in: a
    # calling code whose codes go unused is suspended. For the operator's alerting, one
    # line per suspension, with the calling code and the figures, no phone or code.
    "code.route": Limit(
        ROUTE,
        "rl:sms:route:{route}",
        limit="SMS_ROUTE_GUARD_MIN_REQUESTS",
        window="SMS_ROUTE_SUSPEND_SECONDS",
        share="SMS_ROUTE_GUARD_MIN_CONVERSION",
        error=SmsRouteSuspended,
        cap=True,
        metric="sms_route",
        alert="SMS route +%(route)s suspended: %(requested)s codes requested in the last "
        "hour, %(used)s used (below SMS_ROUTE_GUARD_MIN_CONVERSION %(share)s); code requests "
        "to +%(route)s answer 429 for %(seconds)s s or until lifted in the admin",
    ),
    # An IPv6 client is counted by its /64, /56 and /48 at once, each with its own
    # ceiling: a /48 holds 65,536 /64s, and must not get as many budgets.
    "code.address.56": Limit(
        COUNT,
        "rl:sms:ip56:{net56}",
        limit="SMS_IP56_HOURLY_LIMIT",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many codes requested from your address."),
        metric="sms_ip56",
    ),
    "code.address.48": Limit(
        COUNT,
        "rl:sms:ip48:{net48}",
        limit="SMS_IP48_HOURLY_LIMIT",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many codes requested from your address."),
        metric="sms_ip48",
    ),
    "login.address": Limit(
        COUNT,
        "rl:login:ip:{net}",
        limit="LOGIN_FAILURES_IP_HOURLY_LIMIT",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many failed logins from your address."),
        metric="login_ip",
    ),
    "login.address.56": Limit(
        COUNT,
        "rl:login:ip56:{net56}",
        limit="LOGIN_FAILURES_IP56_HOURLY_LIMIT",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many failed logins from your address."),
        metric="login_ip56",
    ),
    "login.address.48": Limit(
        COUNT,
        "rl:login:ip48:{net48}",
        limit="LOGIN_FAILURES_IP48_HOURLY_LIMIT",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many failed logins from your address."),
        metric="login_ip48",
    ),
    "login.phone": Limit(
        COUNT,
        "rl:login:fail:{phone}",
        limit="LOGIN_FAILURES_HOURLY_LIMIT",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many wrong codes for this number."),
        metric="login_fail",
    ),
    # The breaker: failed logins of the whole service, far above normal traffic. Guesses
    # spread over a botnet's addresses and many numbers pass every other limit; past
    # this one every login waits for the (short) window to end, which slows guessing
    # to this many tries per window for the whole service.
    "login.service": Limit(
        COUNT,
        "rl:login:fail:all",
        limit="LOGIN_FAILURES_SERVICE_LIMIT",
        window="LOGIN_FAILURES_SERVICE_WINDOW",
        reason=_("Too many failed logins right now. Try again shortly."),
        metric="login_service",
        alert="Login breaker open: %(most)s failed logins this window; every login answers "
        "429 until it ends (LOGIN_FAILURES_SERVICE_LIMIT)",
    ),
    "invite.fail": Limit(
        HOURLY,
        "rl:invite:fail:{user}:{hour}",
        limit="INVITE_FAILURES_HOURLY_LIMIT",
        window=HOUR,
        reason=_("Too many unknown invite codes."),
    ),
    # Avatar uploads an account may make per window: each is decoded and encoded again
    # (CPU and up to AVATAR_MAX_PIXELS of memory), so each one counts, even when the edit
    # it came with fails afterwards.
    "avatar.upload": Limit(
        COUNT,
        "rl:avatar:{user}",
        limit="AVATAR_UPLOADS_HOURLY_LIMIT",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many avatar uploads."),
        metric="avatar_upload",
    ),
    # Password tries on the admin's login page (/admin/login/) per client address; a
    # successful login gives its try back.
    "admin.login": Limit(
        COUNT,
        "rl:admin:fail:{net}",
        limit="ADMIN_LOGIN_FAILURES_HOURLY_LIMIT",
        window="RATE_LIMIT_WINDOW",
        reason=_("Too many failed admin logins from your address."),
        metric="admin_login",
    ),
}

# The switch of every limit but the caps.
SWITCH = "RATE_LIMITS_ENABLED"

# ARGV[1] says what to do with KEYS.
# 'take': then, for each limit in order, its kind and its arguments: a COOLDOWN, COUNT or
#   HOURLY its limit and period (s), one key; a ROUTE its least count, share, suspension
#   (s), the weight of the previous hour and the lifetime of its counters (s), five keys
#   (suspended; codes sent this hour and the hour before; codes used likewise). Takes every
#   limit or none: at the first refusal, the ones taken are given back and {index of the
#   limit (1-based), milliseconds until it frees} is returned, with {codes sent, codes
#   used} added when that refusal suspended a route; {0} when all were taken.
#   A count's window opens with its first hit and never grows longer.
# 'give': then the lifetime (s) of a code used, then each key's kind. A count whose window
#   has expired has nothing left to give back (no error, and no negative count left
#   behind). A key of kind 'used' is counted instead: a code of its route was used.
SCRIPT = """
local function give_back(key, kind)
  if kind == 'cooldown' then
    redis.call('DEL', key)
  elseif redis.call('EXISTS', key) == 1 then
    redis.call('DECR', key)
  end
end
local function count(key, period)
  local n = redis.call('INCR', key)
  if redis.call('TTL', key) < 0 then
    redis.call('EXPIRE', key, period)
  end
  return n
end
local function number(key)
  return tonumber(redis.call('GET', key)) or 0
end
if ARGV[1] == 'give' then
  for i = 1, #KEYS do
    if ARGV[i + 2] == 'used' then
      count(KEYS[i], tonumber(ARGV[2]))
    else
      give_back(KEYS[i], ARGV[i + 2])
    end
  end
  return {0}
end
local taken = {}
local function refuse(i, left)
  for j = #taken, 1, -1 do
    give_back(taken[j][1], taken[j][2])
  end
  return {i, left}
end
local k, a, i = 1, 2, 0
while a <= #ARGV do
  i = i + 1
  local kind = ARGV[a]
  if kind == 'route' then
    local least, share = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local suspend, weight = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
    local left = redis.call('PTTL', KEYS[k])
    if left ~= -2 then
      if left < 0 then
        left = suspend * 1000
      end
      return refuse(i, left)
    end
    local sent = number(KEYS[k + 1]) + weight * number(KEYS[k + 2])
    local used = number(KEYS[k + 3]) + weight * number(KEYS[k + 4])
    if sent >= least and used < share * sent then
      redis.call('SET', KEYS[k], 1, 'EX', suspend)
      local refused = refuse(i, suspend * 1000)
      refused[3], refused[4] = math.floor(sent + 0.5), math.floor(used + 0.5)
      return refused
    end
    count(KEYS[k + 1], tonumber(ARGV[a + 5]))
    taken[#taken + 1] = {KEYS[k + 1], 'count'}
    k, a = k + 5, a + 6
  else
    local limit, period = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    local refused = false
    if kind == 'cooldown' then
      refused = not redis.call('SET', KEYS[k], 1, 'NX', 'EX', period)
    elseif count(KEYS[k], period) > limit then
      redis.call('DECR', KEYS[k])
      refused = true
    end
    if refused then
      local left = redis.call('PTTL', KEYS[k])
      if left < 0 then
        left = period * 1000
      end
      return refuse(i, left)
    end
    taken[#taken + 1] = {KEYS[k], kind}
    k, a = k + 1, a + 3
  end
end
return {0}
"""


def _value(setting_or_number: str | int) -> int:
    if isinstance(setting_or_number, str):
        return getattr(settings, setting_or_number)
    return setting_or_number


def _enforced(limit: Limit) -> bool:
    if limit.cap:
        return _value(limit.limit) > 0 and _value(limit.window) > 0
    return getattr(settings, SWITCH)


def window(name: str) -> int:
    """The window of limit `name` in seconds, or 0 while it is not enforced (a resend
    cooldown that is off lets the next request through at once)."""
    limit = LIMITS[name]
    return _value(limit.window) if _enforced(limit) else 0


@dataclass(slots=True)
class _Taking:
    name: str
    limit: Limit
    key: str  # the counter a unit is taken from (a ROUTE: its codes sent this hour)
    most: int
    period: int  # the counter's lifetime (s)
    # The script's keys and arguments of this limit (a ROUTE has five keys).
    keys: list[str]
    args: list
    route: int = 0  # a ROUTE's calling code


def _route_keys(limit: Limit, route: int, hour: int) -> list[str]:
    """A ROUTE's keys: suspended; codes sent this hour and the hour before; codes used
    this hour and the hour before."""
    base = limit.key.format(route=route)
    return [
        f"{base}:suspended",
        f"{base}:sent:{hour}",
        f"{base}:sent:{hour - 1}",
        f"{base}:used:{hour}",
        f"{base}:used:{hour - 1}",
    ]


class Reservations:
    """What one request took; given back by release()."""

    __slots__ = ("_taken",)

    def __init__(self) -> None:
        self._taken: list[tuple[str, str, str]] = []  # (name, kind, key), in order

    def release(self, *names: str) -> None:
        """Give back the reservations of `names` (all when none is named), in one step
        and once: a second release of the same name does nothing."""
        if names:
            if not LIMITS.keys() >= set(names):  # a misspelt name would give back nothing
                raise KeyError(set(names) - LIMITS.keys())
            give = [t for t in self._taken if t[0] in names]
            self._taken = [t for t in self._taken if t[0] not in names]
        else:
            give, self._taken = self._taken, []
        if not give:
            return
        give.reverse()
        _give(give)


def _give(give: list[tuple[str, str, str]], used: str | None = None) -> None:
    """Give back the reservations `give` ((name, kind, key), last taken first), and count a
    code used on the counter `used`, in one round trip."""
    backend = caches["default"]
    client = _redis(backend)
    if client is not None:
        keys = [backend.make_key(key) for _, _, key in give]
        kinds = [kind for _, kind, _ in give]
        if used is not None:
            keys.append(backend.make_key(used))
            kinds.append("used")
        _run(client, keys, ["give", 2 * HOUR, *kinds])
        return
    for _name, kind, key in give:
        if kind == COOLDOWN:
            cache.delete(key)
        else:
            _give_back(key)
    if used is not None:
        _incr_in_window(used, 2 * HOUR, time.time())


def reserve(*names: str, **params: object) -> Reservations:
    """Take one unit of each limit of `names` (keys of LIMITS), in order, or none of them.
    `params` fill in the limits' keys. Limits that are off (RATE_LIMITS_ENABLED false;
    a cap set to 0) are skipped. Raises the error of the first limit that refuses:
    RateLimited, or SmsBudgetExhausted."""
    now = time.time()
    hour = int(now // HOUR)
    if "net" in params:
        net = str(params["net"])
        params = {**params, "net56": wider_network(net, 56), "net48": wider_network(net, 48)}
    taking = []
    for name in names:
        limit = LIMITS[name]
        if not _enforced(limit):
            continue
        if limit.kind == ROUTE:
            route = phones.calling_code(str(params["phone"]))
            if route not in settings.SMS_ROUTE_GUARD_EXEMPT:
                taking.append(_route_taking(name, limit, route, now))
            continue
        most = _value(limit.limit)
        lifetime = _value(limit.window)
        if limit.kind == HOURLY:
            lifetime *= 2
        key = limit.key.format(hour=hour, **params)
        taking.append(_Taking(name, limit, key, most, lifetime, [key], [most, lifetime]))
    reservations = Reservations()
    if not taking:
        return reservations
    # Looked up once: the `cache` proxy looks the cache up again on every use.
    backend = caches["default"]
    client = _redis(backend)
    if client is None:
        try:
            for one in taking:
                _take_one(one, now, reservations)
        except BaseException:
            reservations.release()
            raise
        return reservations
    args: list = ["take"]
    keys: list[str] = []
    for one in taking:
        args += [one.limit.kind, *one.args]
        keys += [backend.make_key(key) for key in one.keys]
    refused, *rest = _run(client, keys, args)
    if refused:
        trip = (rest[1], rest[2]) if len(rest) == 3 else None
        raise _refusal(taking[refused - 1], rest[0] / 1000, now, trip)
    reservations._taken = [(one.name, _given_as(one), one.key) for one in taking]
    return reservations


def _route_taking(name: str, limit: Limit, route: int, now: float) -> _Taking:
    """What a ROUTE takes for the calling code `route`: its five keys, its settings and the
    weight of the previous clock hour (the share of it that lies within the last 60
    minutes)."""
    hour = int(now // HOUR)
    keys = _route_keys(limit, route, hour)
    most = _value(limit.limit)
    share = getattr(settings, limit.share) if isinstance(limit.share, str) else limit.share
    weight = 1 - (now % HOUR) / HOUR
    args = [most, share, _value(limit.window), f"{weight:.6f}", 2 * HOUR]
    return _Taking(name, limit, keys[1], most, 2 * HOUR, keys, args, route)


def _given_as(one: _Taking) -> str:
    """The kind a reservation is given back as: a ROUTE's unit is a count's."""
    return COUNT if one.limit.kind == ROUTE else one.limit.kind


def _refusal(
    one: _Taking, retry_after: float, now: float, trip: tuple[int, int] | None = None
) -> RateLimited:
    limit = one.limit
    if limit.kind == HOURLY:
        retry_after = (int(now // HOUR) + 1) * HOUR - now
    if limit.metric is not None:
        metrics.RATE_LIMITED.labels(limit.metric).inc()
    if limit.kind == ROUTE:
        if trip is not None:  # this refusal suspended the route: the one alert
            metrics.SMS_ROUTE_SUSPENSIONS.labels(str(one.route)).inc()
            figures = {
                "route": one.route,
                "requested": trip[0],
                "used": trip[1],
                "share": one.args[1],
                "seconds": one.args[2],
            }
            logger.error(limit.alert, figures)
        return SmsRouteSuspended(retry_after, limit.reason, calling_code=one.route, trip=trip)
    # Once per window: the first refusal of the window marks it.
    if limit.alert is not None and cache.add(f"{one.key}:logged", 1, one.period):
        logger.error(limit.alert, {"most": one.most})
    return limit.error(retry_after, limit.reason)


def code_used(*, phone: str, reservations: Reservations | None = None) -> None:
    """Count a code sent to `phone` that was used (a login, a confirmed change of number)
    toward its route's conversion ("code.route"), and give `reservations` back, all in one
    round trip."""
    give: list[tuple[str, str, str]] = []
    used = None
    if reservations is not None:
        give, reservations._taken = reservations._taken, []
        give.reverse()
    limit = LIMITS["code.route"]
    if _enforced(limit):
        hour = int(time.time() // HOUR)
        used = _route_keys(limit, phones.calling_code(phone), hour)[3]
    if give or used is not None:
        _give(give, used)


def lift_route(calling_code: int) -> None:
    """End the suspension of the route `calling_code` at once, and start its counts
    afresh: the codes that suspended it do not suspend it again."""
    hour = int(time.time() // HOUR)
    cache.delete_many(_route_keys(LIMITS["code.route"], calling_code, hour))


def route_suspended(calling_code: int) -> bool:
    """Whether code requests to the route `calling_code` are refused now."""
    return cache.get(_route_keys(LIMITS["code.route"], calling_code, 0)[0]) is not None


def _redis(backend):
    """The Redis client behind the cache `backend`, or None for a cache without one."""
    get_client = getattr(getattr(backend, "client", None), "get_client", None)
    return get_client(write=True) if get_client is not None else None


_script: Script | None = None


def _run(client, keys: list[str], args: list) -> list:
    global _script
    if _script is None:
        _script = client.register_script(SCRIPT)
    return _script(keys=keys, args=args, client=client)  # EVALSHA, EVAL once per server


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


def _take_route(one: _Taking, now: float) -> None:
    """A ROUTE, one cache command at a time: its judgement reads the counts before the
    unit is taken, so parallel requests may each pass on the same counts; the suspension
    itself is made once (`add`)."""
    suspended, sent, sent_before, used, used_before = one.keys
    until = cache.get(suspended)
    if until is not None:
        raise _refusal(one, until - now, now)
    least, share, seconds, weight, lifetime = one.args
    weight = float(weight)
    requested = (cache.get(sent) or 0) + weight * (cache.get(sent_before) or 0)
    done = (cache.get(used) or 0) + weight * (cache.get(used_before) or 0)
    if requested >= least and done < share * requested:
        if not cache.add(suspended, now + seconds, seconds):  # a parallel request did it
            raise _refusal(one, (cache.get(suspended) or now + seconds) - now, now)
        raise _refusal(one, seconds, now, (round(requested), round(done)))
    _incr_in_window(sent, lifetime, now)


def _take_one(one: _Taking, now: float, reservations: Reservations) -> None:
    if one.limit.kind == ROUTE:
        _take_route(one, now)
    elif one.limit.kind == COOLDOWN:
        if not cache.add(one.key, now + one.period, one.period):
            raise _refusal(one, _retry_after(one.key, now, one.period), now)
    elif _incr_in_window(one.key, one.period, now) > one.most:
        _give_back(one.key)
        raise _refusal(one, _retry_after(f"{one.key}:reset", now, one.period), now)
    reservations._taken.append((one.name, _given_as(one), one.key))
