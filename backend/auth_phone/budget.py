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

logger = logging.getLogger(__name__)
WINDOW = 3600


def _key(hour: int) -> str:
    return f"sms:budget:{hour}"


def take_sms_budget() -> str | None:
    """Count one code against this hour's budget and return the counter's key, for
    give_back_sms_budget. Raises SmsBudgetExhausted. SMS_HOURLY_BUDGET = 0 means no budget."""
    budget = settings.SMS_HOURLY_BUDGET
    if budget <= 0:
        return None
    now = time.time()
    hour = int(now // WINDOW)
    key = _key(hour)
    # The counter outlives its hour, so a give-back never finds it gone.
    cache.add(key, 0, 2 * WINDOW)
    if cache.incr(key) <= budget:
        return key
    give_back_sms_budget(key)
    retry_after = (hour + 1) * WINDOW - now
    # One error line per hour, for the operator's alerting; no phone or code in it.
    if cache.add(f"{key}:logged", 1, 2 * WINDOW):
        logger.error(
            "SMS hourly budget reached: %s codes issued this hour; code requests answer 503 "
            "until the hour ends (SMS_HOURLY_BUDGET)",
            budget,
        )
    raise SmsBudgetExhausted(retry_after)


def give_back_sms_budget(key: str | None) -> None:
    if key is None:
        return
    # ValueError: the counter is gone (cleared by hand), so there is nothing to give back.
    with contextlib.suppress(ValueError):
        cache.decr(key)
