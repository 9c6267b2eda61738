"""The service-wide hourly SMS budget: a cap on what SMS-pumping fraud can cost.

One Redis counter per clock hour (`sms:budget:<hour number>`). A code request counts
itself first (INCR, atomic) and then decides, so parallel requests can never pass the
budget together; a refused or failed request gives its unit back. At most
SMS_HOURLY_BUDGET codes are issued within one clock hour; across the turn of an hour
that is at most twice the budget in any 60 minutes.
"""

from __future__ import annotations

import contextlib
import logging
import time

from django.conf import settings
from django.core.cache import cache

from .errors import SmsBudgetExhausted
from .ratelimit import COUNT, Limit

logger = logging.getLogger(__name__)
WINDOW = 3600


def _key(hour: int) -> str:
    return f"sms:budget:{hour}"


def sms_budget() -> Limit | None:
    """This hour's budget, as a limit that ratelimit.reserve_code_request takes with the
    request's own limits (one Redis round trip for all); its refusal is SmsBudgetExhausted.
    None when SMS_HOURLY_BUDGET = 0 (no budget)."""
    budget = settings.SMS_HOURLY_BUDGET
    if budget <= 0:
        return None
    now = time.time()
    hour = int(now // WINDOW)
    key = _key(hour)

    def refused(_retry_after: float) -> SmsBudgetExhausted:
        # One error line per hour, for the operator's alerting; no phone or code in it.
        if cache.add(f"{key}:logged", 1, 2 * WINDOW):
            logger.error(
                "SMS hourly budget reached: %s codes issued this hour; code requests answer "
                "503 until the hour ends (SMS_HOURLY_BUDGET)",
                budget,
            )
        return SmsBudgetExhausted((hour + 1) * WINDOW - now)

    # The counter outlives its hour (2 windows), so a give-back never finds it gone.
    return Limit(COUNT, key, budget, 2 * WINDOW, None, refusal=refused)


def give_back_sms_budget(key: str | None) -> None:
    if key is None:
        return
    # ValueError: the counter is gone (cleared by hand), so there is nothing to give back.
    with contextlib.suppress(ValueError):
        cache.decr(key)
