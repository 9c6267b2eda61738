"""The per-user limit on failed invite activations (unknown codes), kept in Redis.

A guess of an invite code costs nothing but a request, and each hit links the guesser to
a stranger; so unknown codes are limited per user and clock hour. Each attempt counts
itself first (INCR, atomic), so parallel guesses cannot pass the limit together, and an
attempt whose code exists gives its unit back: only unknown codes are counted.
"""

from __future__ import annotations

import contextlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from core.errors import RateLimited

WINDOW = 3600
REASON = _("Too many unknown invite codes.")


def take_invite_attempt(*, user_id: int) -> str | None:
    """Count one activation attempt of `user_id` as a failure until give_back_invite_attempt
    says otherwise; return the counter's key. Raises RateLimited beyond
    INVITE_FAILURES_HOURLY_LIMIT failures this hour."""
    if not settings.RATE_LIMITS_ENABLED:
        return None
    now = time.time()
    hour = int(now // WINDOW)
    key = f"rl:invite:fail:{user_id}:{hour}"
    cache.add(key, 0, 2 * WINDOW)  # outlives its hour: a give-back never finds it gone
    if cache.incr(key) > settings.INVITE_FAILURES_HOURLY_LIMIT:
        give_back_invite_attempt(key)
        raise RateLimited((hour + 1) * WINDOW - now, REASON)
    return key


def give_back_invite_attempt(key: str | None) -> None:
    if key is None:
        return
    with contextlib.suppress(ValueError):  # the counter is gone: nothing to give back
        cache.decr(key)
