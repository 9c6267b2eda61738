"""Queueing and delivering login-code SMS. Tasks carry the delivery's id, never the code."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from auth_phone import codes
from auth_phone.models import LoginCode
from project import metrics

from . import sms
from .models import SmsDelivery

logger = logging.getLogger(__name__)


def queue_login_code_sms(*, login_code: LoginCode, phone: str) -> SmsDelivery:
    """Record a delivery (in the caller's transaction: the outbox) and publish its task once
    that transaction commits; `redeliver_pending_sms` publishes it again if it gets lost."""
    delivery = SmsDelivery.objects.create(
        login_code=login_code,
        phone=phone,
        backend=settings.SMS_BACKEND,
        task_id=str(uuid.uuid4()),
    )

    def publish() -> None:
        try:
            _publish(delivery.pk, delivery.task_id)
        except Exception as exc:
            # The rows are committed but no task exists: say so in the log, then let the
            # caller answer 503.
            _set_status(
                delivery.pk,
                SmsDelivery.Status.FAILED,
                error=f"Could not be queued: {type(exc).__name__}",
            )
            raise

    transaction.on_commit(publish)
    return delivery


def _publish(delivery_id: int, task_id: str, notice: str = "") -> None:
    from .tasks import deliver_login_code, deliver_notice  # they import this module

    if notice:
        deliver_notice.apply_async((delivery_id, notice), task_id=task_id)
    else:
        deliver_login_code.apply_async((delivery_id,), task_id=task_id)


def redeliver_pending_sms(*, limit: int = 500) -> int:
    """Publish again each delivery still pending OUTBOX_REDELIVER_AFTER seconds after its
    last change (a message lost with the broker, a worker that died mid-send), and mark
    stale those whose code has expired meanwhile. Returns how many were published."""
    now = timezone.now()
    after = timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER)
    Status = SmsDelivery.Status
    SmsDelivery.objects.filter(
        status__in=(Status.QUEUED, Status.RETRYING, Status.SENDING),
        created_at__lte=now - timedelta(seconds=settings.LOGIN_CODE_TTL),
        notice="",  # a notice carries no code: late, it is still worth sending
    ).update(status=Status.STALE, updated_at=now, error="Expired before it could be sent.")
    # A retry waits up to SMS_RETRY_BACKOFF_MAX in the broker, an attempt up to the
    # provider's timeout: only after that (plus the delay) is the message taken for lost.
    sending = max(settings.SMSAERO_TIMEOUT, settings.SMS_DELAY_MAX)
    due = (
        Q(status=Status.QUEUED, updated_at__lte=now - after)
        | Q(status=Status.RETRYING, updated_at__lte=now - after - timedelta(
            seconds=settings.SMS_RETRY_BACKOFF_MAX))
        | Q(status=Status.SENDING, updated_at__lte=now - after - timedelta(seconds=sending))
    )  # fmt: skip
    with transaction.atomic():
        # Locked rows are being handled by a task right now; the next sweep sees them.
        rows = list(
            SmsDelivery.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("updated_at")
            .values_list("pk", "task_id", "notice")[:limit]
        )
        # The clock restarts: the next sweep waits again before publishing these.
        SmsDelivery.objects.filter(pk__in=[row[0] for row in rows]).update(updated_at=now)
    for pk, task_id, notice in rows:
        _publish(pk, task_id, notice)
    if rows:
        logger.warning("outbox: published %d pending SMS deliveries again", len(rows))
    return len(rows)


def _set_status(delivery_id: int, status: str, **fields) -> None:
    SmsDelivery.objects.filter(pk=delivery_id).update(
        status=status, updated_at=timezone.now(), **fields
    )


def deliver_login_code(*, delivery_id: int, final_attempt: bool = True) -> str:
    """Generate the code, store its hash, send the SMS; return the outcome (never the code).
    Raises SmsTransientError when another attempt should follow."""
    with transaction.atomic():
        # One statement reads the delivery (locked) and its login code (not locked: the
        # hash is written by a conditional UPDATE, and a code replaced meanwhile would
        # first have to unlink this delivery, which waits for the lock).
        delivery = (
            SmsDelivery.objects.select_for_update(of=("self",))
            .select_related("login_code")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "missing"
        if delivery.status in SmsDelivery.DONE:
            return delivery.status  # a re-delivered task: handled already, or failed for good
        login_code = delivery.login_code
        code = codes.issue_code(login_code=login_code)
        if code is None or login_code is None:  # (no code without a login code)
            _set_status(delivery_id, SmsDelivery.Status.STALE)
            metrics.SMS.labels(settings.SMS_BACKEND, "stale").inc()
            logger.info("delivery %s is stale: its code was replaced, used or expired", delivery_id)
            return SmsDelivery.Status.STALE
        _set_status(delivery_id, SmsDelivery.Status.SENDING, attempts=F("attempts") + 1)

    # The SMS goes out after the commit: no row stays locked while the provider answers.
    assert delivery.login_code_id is not None  # issue_code found the code
    try:
        text = sms.render_text(code, purpose=login_code.purpose)
        message_id = sms.get_sender().send(phone=delivery.phone, text=text)
    except sms.SmsTransientError as exc:
        status = SmsDelivery.Status.FAILED if final_attempt else SmsDelivery.Status.RETRYING
        _set_status(delivery_id, status, error=str(exc))
        metrics.SMS.labels(settings.SMS_BACKEND, "failed" if final_attempt else "retried").inc()
        logger.warning("SMS delivery %s failed (%s): %s", delivery_id, status, exc)
        if final_attempt:
            return SmsDelivery.Status.FAILED
        raise
    except sms.SmsRejected as exc:
        _set_status(delivery_id, SmsDelivery.Status.FAILED, error=str(exc))
        metrics.SMS.labels(settings.SMS_BACKEND, "failed").inc()
        logger.warning("SMS delivery %s rejected: %s", delivery_id, exc)
        return SmsDelivery.Status.FAILED
    _set_status(
        delivery_id,
        SmsDelivery.Status.SENT,
        provider_message_id=message_id[:128],
        sent_at=timezone.now(),
        error="",
    )
    metrics.SMS.labels(settings.SMS_BACKEND, "sent").inc()
    return SmsDelivery.Status.SENT


# --- Notices: fixed texts without any code ------------------------------------------------
def queue_notice_sms(*, phone: str, notice: str) -> SmsDelivery:
    """Record the delivery of a notice (a name in sms.NOTICES) and queue its task once the
    surrounding transaction commits. A broker that refuses it is logged, not raised: the
    event the notice reports has already happened."""
    from .tasks import deliver_notice  # the task module imports this one

    sms.render_notice(notice)  # an unknown notice fails here, in the caller, not in a worker
    delivery = SmsDelivery.objects.create(
        phone=phone, notice=notice, backend=settings.SMS_BACKEND, task_id=str(uuid.uuid4())
    )

    def publish() -> None:
        try:
            deliver_notice.apply_async((delivery.pk, notice), task_id=delivery.task_id)
        except Exception as exc:
            _set_status(
                delivery.pk,
                SmsDelivery.Status.FAILED,
                error=f"Could not be queued: {type(exc).__name__}",
            )
            logger.error("notice SMS %s could not be queued: %s", delivery.pk, type(exc).__name__)

    transaction.on_commit(publish)
    return delivery


def deliver_notice(*, delivery_id: int, notice: str, final_attempt: bool = True) -> str:
    """Send a notice SMS once; return the outcome. Raises SmsTransientError when another
    attempt should follow."""
    with transaction.atomic():
        delivery = SmsDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            return "missing"
        if delivery.status == SmsDelivery.Status.SENT:
            return delivery.status  # a re-delivered task: it was handled already
        _set_status(delivery_id, SmsDelivery.Status.SENDING, attempts=F("attempts") + 1)
    return _send_and_record(delivery_id, delivery.phone, sms.render_notice(notice), final_attempt)


def _send_and_record(delivery_id: int, phone: str, text: str, final_attempt: bool) -> str:
    """Send `text` and record the outcome on the delivery. Raises SmsTransientError when
    another attempt should follow."""
    try:
        message_id = sms.get_sender().send(phone=phone, text=text)
    except sms.SmsTransientError as exc:
        status = SmsDelivery.Status.FAILED if final_attempt else SmsDelivery.Status.RETRYING
        _set_status(delivery_id, status, error=str(exc))
        metrics.SMS.labels(settings.SMS_BACKEND, "failed" if final_attempt else "retried").inc()
        logger.warning("SMS delivery %s failed (%s): %s", delivery_id, status, exc)
        if final_attempt:
            return SmsDelivery.Status.FAILED
        raise
    except sms.SmsRejected as exc:
        _set_status(delivery_id, SmsDelivery.Status.FAILED, error=str(exc))
        metrics.SMS.labels(settings.SMS_BACKEND, "failed").inc()
        logger.warning("SMS delivery %s rejected: %s", delivery_id, exc)
        return SmsDelivery.Status.FAILED
    _set_status(
        delivery_id,
        SmsDelivery.Status.SENT,
        provider_message_id=message_id[:128],
        sent_at=timezone.now(),
        error="",
    )
    metrics.SMS.labels(settings.SMS_BACKEND, "sent").inc()
    return SmsDelivery.Status.SENT
