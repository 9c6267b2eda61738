"""Queueing and delivering SMS through the delivery log (the outbox). Tasks carry the
delivery's id, never a code: the app that issues codes renders their text in the worker."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.ops import metrics

from . import sms
from .models import SmsDelivery

logger = logging.getLogger(__name__)


# The task that sends a delivery carrying a code (notice == ""). The app that issues the
# codes registers it in its AppConfig.ready(): the sweep publishes lost ones to it without
# this app importing that one.
_code_task = None


def register_code_task(task) -> None:
    """Name the Celery task that sends the deliveries carrying a code."""
    global _code_task
    _code_task = task


def code_task_name() -> str:
    """The registered name of the task that sends codes ("" when no app issues any)."""
    return _code_task.name if _code_task is not None else ""


def queue_delivery(
    *,
    phone: str,
    task,
    args: Callable[[SmsDelivery], tuple],
    notice: str = "",
    login_code_id: int | None = None,
    raise_on_refusal: bool = True,
    language: str = "",
    segments: int = 0,
    scenario: str = "",
    send: bool = True,
) -> SmsDelivery:
    """Record a delivery (in the caller's transaction: the outbox) and publish `task` with
    `args(delivery)` once that transaction commits; `redeliver_pending_sms` publishes it
    again if it gets lost. A broker that refuses it marks the delivery failed and raises
    (the caller answers 503), or with `raise_on_refusal=False` only logs. A test number's
    delivery (scenario "test") is recorded as skipped and publishes nothing; with
    `send=False` the delivery is recorded stale and publishes nothing (a task id that
    answers like any other, for a request that must not show it sends nothing)."""
    test = scenario == SmsDelivery.Scenario.TEST
    if not send and not test:
        status = SmsDelivery.Status.STALE
    else:
        status = SmsDelivery.Status.SKIPPED if test else SmsDelivery.Status.QUEUED
    delivery = SmsDelivery.objects.create(
        login_code_id=login_code_id,
        phone=phone,
        notice=notice,
        backend=settings.SMS_BACKEND,
        task_id=str(uuid.uuid4()),
        language=language,
        segments=segments,
        scenario=scenario,
        status=status,
    )
    if not send and not test:
        logger.info("delivery %s recorded stale, nothing sent", delivery.pk)
        return delivery
    if test:
        metrics.SMS.labels(settings.SMS_BACKEND, "skipped").inc()
        logger.info("test number %s: delivery %s recorded, nothing sent", phone, delivery.pk)
        return delivery

    def publish() -> None:
        try:
            task.apply_async(args(delivery), task_id=delivery.task_id)
        except Exception as exc:
            # The rows are committed but no task exists: say so in the log.
            set_status(
                delivery.pk,
                SmsDelivery.Status.FAILED,
                error=f"Could not be queued: {type(exc).__name__}",
            )
            if raise_on_refusal:
                raise
            logger.error("SMS %s could not be queued: %s", delivery.pk, type(exc).__name__)

    transaction.on_commit(publish)
    return delivery


def _publish(delivery_id: int, task_id: str, notice: str = "") -> None:
    from .tasks import deliver_notice  # the task module imports this one

    if notice:
        deliver_notice.apply_async((delivery_id, notice), task_id=task_id)
    elif _code_task is not None:
        _code_task.apply_async((delivery_id,), task_id=task_id)
    else:  # no app that issues codes is installed, so no delivery can carry one
        logger.error("SMS delivery %s carries a code but no task sends codes", delivery_id)


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


def set_status(delivery_id: int, status: str, **fields) -> None:
    SmsDelivery.objects.filter(pk=delivery_id).update(
        status=status, updated_at=timezone.now(), **fields
    )


def start_attempt(delivery_id: int) -> None:
    """Mark the delivery sending and count the attempt."""
    SmsDelivery.objects.filter(pk=delivery_id).update(
        status=SmsDelivery.Status.SENDING, updated_at=timezone.now(), attempts=F("attempts") + 1
    )


# --- Notices: fixed texts without any code ------------------------------------------------
def queue_notice_sms(*, phone: str, notice: str) -> SmsDelivery:
    """Record the delivery of a notice (a name in sms.NOTICES) and queue its task once the
    surrounding transaction commits. A broker that refuses it is logged, not raised: the
    event the notice reports has already happened."""
    from .tasks import deliver_notice  # the task module imports this one

    language = sms.sms_language(phone=phone)  # the number's country: no request asks here
    # An unknown notice fails here, in the caller, not in a worker.
    text = sms.render_notice(notice, language)
    return queue_delivery(
        phone=phone,
        notice=notice,
        task=deliver_notice,
        args=lambda delivery: (delivery.pk, notice),
        raise_on_refusal=False,
        language=language,
        segments=sms.segments_of(text),
        scenario=sms.scenario_of(phone),
    )


def deliver_notice(*, delivery_id: int, notice: str, final_attempt: bool = True) -> str:
    """Send a notice SMS once; return the outcome. Raises SmsTransientError when another
    attempt should follow."""
    with transaction.atomic():
        delivery = SmsDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            return "missing"
        if delivery.status == SmsDelivery.Status.SENT:
            return delivery.status  # a re-delivered task: it was handled already
        start_attempt(delivery_id)
    # Rows of earlier releases recorded no language: the number's country decides.
    language = delivery.language or sms.sms_language(phone=delivery.phone)
    text = sms.render_notice(notice, language)
    return send_and_record(delivery_id, delivery.phone, text, final_attempt)


def send_and_record(delivery_id: int, phone: str, text: str, final_attempt: bool) -> str:
    """Send `text` and record the outcome on the delivery. Raises SmsTransientError when
    another attempt should follow."""
    try:
        message_id = sms.get_sender().send(phone=phone, text=text)
    except sms.SmsTransientError as exc:
        status = SmsDelivery.Status.FAILED if final_attempt else SmsDelivery.Status.RETRYING
        set_status(delivery_id, status, error=str(exc))
        metrics.SMS.labels(settings.SMS_BACKEND, "failed" if final_attempt else "retried").inc()
        logger.warning("SMS delivery %s failed (%s): %s", delivery_id, status, exc)
        if final_attempt:
            return SmsDelivery.Status.FAILED
        raise
    except sms.SmsRejected as exc:
        set_status(delivery_id, SmsDelivery.Status.FAILED, error=str(exc))
        metrics.SMS.labels(settings.SMS_BACKEND, "failed").inc()
        logger.warning("SMS delivery %s rejected: %s", delivery_id, exc)
        return SmsDelivery.Status.FAILED
    now = timezone.now()
    SmsDelivery.objects.filter(pk=delivery_id).update(
        status=SmsDelivery.Status.SENT,
        updated_at=now,
        provider_message_id=message_id[:128],
        sent_at=now,
        error="",
    )
    metrics.SMS.labels(settings.SMS_BACKEND, "sent").inc()
    return SmsDelivery.Status.SENT
