"""Login-code SMS through the delivery app (`tasks`): the delivery is recorded with the
code's row, and the worker derives the code and renders its text. Tasks carry the
delivery's id, never the code."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache, partial

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.ops import metrics
from tasks import sms
from tasks.models import SmsDelivery
from tasks.services import (
    lease_seconds,
    queue_delivery,
    send_and_record,
    set_status,
    status_of,
)

from .. import codes, queries
from ..models import LoginCode

logger = logging.getLogger(__name__)


def queue_login_code_sms(
    *, login_code: LoginCode, phone: str, language: str | None = None, send: bool = True
) -> SmsDelivery:
    """Record a delivery (in the caller's transaction: the outbox) and publish its task once
    that transaction commits; a broker that refuses it raises (the caller answers 503).
    A new `login_code` (unsaved) is written with its delivery, in one statement.
    The text's language is decided now (`language` asked by the request, else the number's
    country) and recorded with the segments it will take; a test number's delivery is
    recorded and publishes nothing, and so is one with `send=False` (recorded stale)."""
    from ..tasks import deliver_login_code  # the task module imports this one

    language = sms.sms_language(phone=phone, requested=language)
    new = login_code.pk is None
    return queue_delivery(
        phone=phone,
        login_code_id=login_code.pk,
        record=partial(queries.insert_code_with_delivery, login_code) if new else None,
        task=deliver_login_code,
        args=lambda delivery: (delivery.pk,),
        language=language,
        segments=_expected_segments(
            login_code.purpose,
            language,
            settings.LOGIN_CODE_LENGTH,
            settings.LOGIN_CODE_TTL,
            settings.SMS_WEBOTP_DOMAIN,
            settings.SMS_ANDROID_APP_HASH,
        ),
        scenario=sms.scenario_of(phone),
        send=send,
    )


@lru_cache(maxsize=64)
def _expected_segments(
    purpose: str, language: str, length: int, ttl: int, webotp: str, app_hash: str
) -> int:
    """The segments of the text of a code of `length` digits (any code spells the same
    number of characters): rendered once per combination of what the text depends on,
    not on every code request."""
    return sms.segments_of(render_text("0" * length, purpose, language))


def deliver_login_code(*, delivery_id: int, final_attempt: bool = True) -> str:
    """Generate the code, store its hash, send the SMS; return the outcome (never the code).
    A message for a delivery another worker holds, or one that is done, sends nothing.
    Raises SmsTransientError when another attempt should follow."""
    now = timezone.now()
    lease = timedelta(seconds=lease_seconds())
    # One statement claims the delivery and reads its code; nothing is locked: the claim
    # is a conditional UPDATE, and so is the write of the code's hash.
    claimed = queries.claim_code_delivery(
        delivery_id=delivery_id, now=now, lease_until=now + lease, unleased_before=now - lease
    )
    if claimed is None:
        return _not_claimed(delivery_id)
    code = codes.store_code(
        login_code_id=claimed.login_code_id, nonce=claimed.nonce, user_id=claimed.user_id
    )
    if code is None:  # used or replaced in the moment since the claim
        set_status(delivery_id, SmsDelivery.Status.STALE)
        _count_stale(delivery_id)
        return SmsDelivery.Status.STALE
    # Rows of earlier releases recorded no language: the number's country decides.
    language = claimed.language or sms.sms_language(phone=claimed.phone)
    text = render_text(code, claimed.purpose, language)
    return send_and_record(delivery_id, claimed.phone, text, final_attempt)


def _not_claimed(delivery_id: int) -> str:
    """Why a delivery was not claimed, as its status: missing, done, held by another
    worker, or waiting with a code that stopped being live (then marked stale here)."""
    found = (
        SmsDelivery.objects.filter(pk=delivery_id)
        .values_list("status", "login_code__used_at", "login_code__expires_at")
        .first()
    )
    if found is None:
        return "missing"
    status, used_at, expires_at = found
    live = expires_at is not None and used_at is None and expires_at > timezone.now()
    if status in SmsDelivery.WAITING and not live:
        stale = SmsDelivery.objects.filter(pk=delivery_id, status__in=SmsDelivery.WAITING)
        if stale.update(status=SmsDelivery.Status.STALE, updated_at=timezone.now()):
            _count_stale(delivery_id)
            return SmsDelivery.Status.STALE
        return status_of(delivery_id)  # another message for it got there first
    return status  # done, or another message for it holds it


def _count_stale(delivery_id: int) -> None:
    metrics.SMS.labels(settings.SMS_BACKEND, "stale").inc()
    logger.info("delivery %s is stale: its code was replaced, used or expired", delivery_id)


# Each text, longest first: the first that fits one segment with the autofill lines is sent
# (Cyrillic goes as UCS-2, 70 characters; docs/sms.md lists them all).
LOGIN_TEXTS = (
    _("Your login code: %(code)s. It expires in %(minutes)s min. Do not share it."),
    _("Your login code: %(code)s. Do not share it."),
    _("Your login code: %(code)s"),
)
# Says what the code is for: it confirms a new number and cannot log anybody in.
PHONE_CHANGE_TEXTS = (
    _(
        "Code to confirm this number for your account: %(code)s. It expires in "
        "%(minutes)s min. Do not share it."
    ),
    _("Code to confirm this number for your account: %(code)s. Do not share it."),
    _("Code to confirm this number: %(code)s"),
)


def render_text(code: str, purpose: str = "login", language: str | None = None) -> str:
    """The SMS carrying `code`, in `language` (the active one when None), with the autofill
    lines that SMS_ANDROID_APP_HASH and SMS_WEBOTP_DOMAIN ask for."""
    texts = PHONE_CHANGE_TEXTS if purpose == LoginCode.Purpose.PHONE_CHANGE else LOGIN_TEXTS
    values = {"code": code, "minutes": max(1, settings.LOGIN_CODE_TTL // 60)}
    with translation.override(language or translation.get_language()):
        variants = [str(text) % values for text in texts]
    return sms.fit_one_segment(variants, sms.autofill_lines(code))
