"""Login-code SMS through the delivery app (`tasks`): the delivery is recorded with the
code's row, and the worker derives the code and renders its text. Tasks carry the
delivery's id, never the code."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from core.ops import metrics
from tasks.models import SmsDelivery
from tasks.services import queue_delivery, send_and_record, set_status, start_attempt

from .. import codes
from ..models import LoginCode

logger = logging.getLogger(__name__)


def queue_login_code_sms(*, login_code: LoginCode, phone: str) -> SmsDelivery:
    """Record a delivery (in the caller's transaction: the outbox) and publish its task once
    that transaction commits; a broker that refuses it raises (the caller answers 503)."""
    from ..tasks import deliver_login_code  # the task module imports this one

    return queue_delivery(
        phone=phone,
        login_code_id=login_code.pk,
        task=deliver_login_code,
        args=lambda delivery: (delivery.pk,),
    )


def deliver_login_code(*, delivery_id: int, final_attempt: bool = True) -> str:
    """Generate the code, store its hash, send the SMS; return the outcome (never the code).
    Raises SmsTransientError when another attempt should follow."""
    with transaction.atomic():
        # One statement reads the delivery (locked) and its login code (not locked: the
        # hash is written by a conditional UPDATE, and a code replaced meanwhile would
        # first have to unlink this delivery, which waits for the lock).
        deliveries = (
            SmsDelivery.objects.select_for_update(of=("self",))
            .select_related("login_code")
            .filter(pk=delivery_id)
            .order_by()  # (the pk: not the model's ordering, nor .first()'s LIMIT)
        )
        delivery = next(iter(deliveries), None)
        if delivery is None:
            return "missing"
        if delivery.status in SmsDelivery.DONE:
            return delivery.status  # a re-delivered task: handled already, or failed for good
        login_code = delivery.login_code
        code = codes.issue_code(login_code=login_code)
        if code is None or login_code is None:  # (no code without a login code)
            set_status(delivery_id, SmsDelivery.Status.STALE)
            metrics.SMS.labels(settings.SMS_BACKEND, "stale").inc()
            logger.info("delivery %s is stale: its code was replaced, used or expired", delivery_id)
            return SmsDelivery.Status.STALE
        start_attempt(delivery_id)

    # The SMS goes out after the commit: no row stays locked while the provider answers.
    text = render_text(code, purpose=login_code.purpose)
    return send_and_record(delivery_id, delivery.phone, text, final_attempt)


def render_text(code: str, purpose: str = "login") -> str:
    minutes = max(1, settings.LOGIN_CODE_TTL // 60)
    if purpose == "phone_change":
        # Says what the code is for: it confirms a new number and cannot log anybody in.
        return (
            f"Code to confirm this number for your account: {code}. "
            f"It expires in {minutes} min. Do not share it."
        )
    return f"Your login code: {code}. It expires in {minutes} min. Do not share it."
