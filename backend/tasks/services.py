"""Queueing and delivering SMS through the delivery log (the outbox). Tasks carry the
delivery's id, never a code: the app that issues codes renders their text in the worker."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import phonenumbers
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
    record: Callable[[SmsDelivery], None] | None = None,
) -> SmsDelivery:
    """Record a delivery (in the caller's transaction: the outbox) and publish `task` with
    `args(delivery)` once that transaction commits; `redeliver_pending_sms` publishes it
    again if it gets lost. A broker that refuses it marks the delivery failed and raises
    (the caller answers 503), or with `raise_on_refusal=False` only logs. A test number's
    delivery (scenario "test") is recorded as skipped and publishes nothing; with
    `send=False` the delivery is recorded stale and publishes nothing (a task id that
    answers like any other, for a request that must not show it sends nothing).
    `record` writes the new row (unsaved, as save() would write it, setting its pk) where
    the caller writes another with it in one statement; by default save() writes it."""
    test = scenario == SmsDelivery.Scenario.TEST
    if not send and not test:
        status = SmsDelivery.Status.STALE
    else:
        status = SmsDelivery.Status.SKIPPED if test else SmsDelivery.Status.QUEUED
    delivery = SmsDelivery(
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
    if record is None:
        delivery.save(force_insert=True)
    else:
        record(delivery)
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


# Seconds a claim lasts beyond the longest send: the statements around the provider call.
LEASE_MARGIN = 2


def lease_seconds() -> float:
    """How long a claim lasts: the longest a send may take (every provider up to its
    timeout), plus a margin. Shorter than the broker's visibility timeout, so that the
    message of a worker that died is taken again by the next worker, not only by the sweep."""
    return sms.longest_send() + LEASE_MARGIN


def _claimable(now) -> Q:
    Status = SmsDelivery.Status
    return (
        Q(status__in=SmsDelivery.WAITING)
        | Q(status=Status.SENDING, lease_until__lt=now)
        # Claimed by the previous release, which kept no lease: its clock was updated_at.
        | Q(status=Status.SENDING, lease_until=None,
            updated_at__lt=now - timedelta(seconds=lease_seconds()))
    )  # fmt: skip


def claim(delivery_id: int) -> bool:
    """Take the delivery for one attempt (queued or retrying, or a lease that ran out ->
    sending, with a lease), counting the attempt. False when another worker holds it or it
    is done: the caller then sends nothing. One conditional UPDATE: of any number of
    messages for the same delivery, one wins."""
    now = timezone.now()
    return bool(
        SmsDelivery.objects.filter(_claimable(now), pk=delivery_id).update(
            status=SmsDelivery.Status.SENDING,
            lease_until=now + timedelta(seconds=lease_seconds()),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )


def redeliver_pending_sms(*, limit: int = 500) -> int:
    """Publish again each delivery whose message may be lost: waiting and last published
    more than OUTBOX_REDELIVER_AFTER seconds ago (a retry: plus its longest backoff), or
    claimed by a worker whose lease ran out. A copy that meets a delivery already claimed
    or done sends nothing (`claim`). Deliveries whose code expired meanwhile are marked
    stale. Returns how many were published."""
    now = timezone.now()
    after = timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER)
    Status = SmsDelivery.Status
    lease_ran_out = Q(status=Status.SENDING) & _claimable(now)
    SmsDelivery.objects.filter(
        Q(status__in=SmsDelivery.WAITING) | lease_ran_out,
        created_at__lte=now - timedelta(seconds=settings.LOGIN_CODE_TTL),
        notice="",  # a notice carries no code: late, it is still worth sending
    ).update(status=Status.STALE, updated_at=now, error="Expired before it could be sent.")
    due = (
        Q(status=Status.QUEUED, updated_at__lte=now - after)
        | Q(status=Status.RETRYING, updated_at__lte=now - after - timedelta(
            seconds=settings.SMS_RETRY_BACKOFF_MAX))
        | lease_ran_out
    )  # fmt: skip
    with transaction.atomic():
        # Locked rows are being handled right now; the next sweep sees them.
        rows = list(
            SmsDelivery.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("updated_at")
            .values_list("pk", "task_id", "notice")[:limit]
        )
        # The clock restarts: the next sweep waits again before publishing these. A lease
        # that ran out is given up: the delivery waits for the message published now.
        SmsDelivery.objects.filter(pk__in=[row[0] for row in rows], status=Status.SENDING).update(
            status=Status.QUEUED, lease_until=None
        )
        SmsDelivery.objects.filter(pk__in=[row[0] for row in rows]).update(updated_at=now)
    for pk, task_id, notice in rows:
        _publish(pk, task_id, notice)
    if rows:
        logger.warning("outbox: published %d pending SMS deliveries again", len(rows))
    return len(rows)


def set_status(delivery_id: int, status: str, **fields) -> None:
    SmsDelivery.objects.filter(pk=delivery_id).update(
        status=status, updated_at=timezone.now(), lease_until=None, **fields
    )


def status_of(delivery_id: int) -> str:
    """The delivery's status, or "missing"."""
    found = SmsDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
    return found or "missing"


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
    """Send a notice SMS once; return the outcome. A message for a delivery another worker
    holds, or one that is done, sends nothing. Raises SmsTransientError when another
    attempt should follow."""
    if not claim(delivery_id):
        return status_of(delivery_id)  # a duplicate or re-delivered message
    phone, language = SmsDelivery.objects.values_list("phone", "language").get(pk=delivery_id)
    # Rows of earlier releases recorded no language: the number's country decides.
    text = sms.render_notice(notice, language or sms.sms_language(phone=phone))
    return send_and_record(delivery_id, phone, text, final_attempt)


def send_and_record(delivery_id: int, phone: str, text: str, final_attempt: bool) -> str:
    """Send `text` and record the outcome on the delivery; the provider's message id is
    written in the same statement that marks it sent, right after the provider answered.
    Raises SmsTransientError when another attempt should follow."""
    chain = settings.SMS_BACKEND
    try:
        sent = sms.send(phone=phone, text=text)
    except sms.SmsTransientError as exc:
        status = SmsDelivery.Status.FAILED if final_attempt else SmsDelivery.Status.RETRYING
        set_status(delivery_id, status, error=str(exc)[:1000])
        metrics.SMS.labels(chain, "failed" if final_attempt else "retried").inc()
        logger.warning("SMS delivery %s failed (%s): %s", delivery_id, status, exc)
        if final_attempt:
            return SmsDelivery.Status.FAILED
        raise
    except sms.SmsRejected as exc:
        provider = getattr(exc, "provider", "")
        set_status(delivery_id, SmsDelivery.Status.FAILED, error=str(exc), provider=provider)
        metrics.SMS.labels(provider or chain, "failed").inc()
        logger.warning("SMS delivery %s rejected: %s", delivery_id, exc)
        return SmsDelivery.Status.FAILED
    now = timezone.now()
    ask = sent.message_id and hasattr(sms.sender(sent.provider), "status")
    SmsDelivery.objects.filter(pk=delivery_id).update(
        status=SmsDelivery.Status.SENT,
        updated_at=now,
        provider=sent.provider,
        provider_message_id=sent.message_id[:128],
        sent_at=now,
        error="",
        lease_until=None,
        # Asked later by the receipt poll (maintenance queue), never on this path.
        receipt_due_at=now + timedelta(seconds=settings.SMS_RECEIPT_FIRST_CHECK) if ask else None,
    )
    metrics.SMS.labels(sent.provider, "sent").inc()
    return SmsDelivery.Status.SENT


# --- Delivery receipts ----------------------------------------------------------------
# Called with (delivery, state) once a final state is recorded; the webhooks app registers
# one in its AppConfig.ready() (this app imports no other).
_receipt_listeners: list[Callable[[SmsDelivery, str], Any]] = []

RECEIPT_MAX_INTERVAL = 15 * 60


def register_receipt_listener(listener: Callable[[SmsDelivery, str], Any]) -> None:
    if listener not in _receipt_listeners:
        _receipt_listeners.append(listener)


def poll_receipts(*, limit: int = 200) -> int:
    """Ask the providers about the sent messages whose next check is due; record each final
    state (or `expired` past SMS_RECEIPT_GIVE_UP). Returns how many were asked."""
    now = timezone.now()
    ids = list(
        SmsDelivery.objects.filter(receipt_due_at__lte=now)
        .order_by("receipt_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    asked = 0
    for pk in ids:
        try:
            asked += check_receipt(delivery_id=pk)
        except Exception:  # one bad row must not stop the others; it is asked again later
            logger.exception("SMS receipt of delivery %s could not be checked", pk)
    return asked


def _next_check(delivery: SmsDelivery, now):
    checks = delivery.receipt_checks + 1
    wait = min(settings.SMS_RECEIPT_FIRST_CHECK * 2**checks, RECEIPT_MAX_INTERVAL)
    return now + timedelta(seconds=wait)


def check_receipt(*, delivery_id: int) -> int:
    """One check of one delivery's receipt; 1 when the provider was asked, else 0."""
    now = timezone.now()
    delivery = SmsDelivery.objects.filter(pk=delivery_id, receipt_due_at__lte=now).first()
    if delivery is None:
        return 0
    next_check = _next_check(delivery, now)
    # Claimed like a delivery: another poll running at the same time skips it.
    claimed = SmsDelivery.objects.filter(
        pk=delivery_id, receipt_due_at=delivery.receipt_due_at
    ).update(receipt_due_at=next_check, receipt_checks=F("receipt_checks") + 1)
    if not claimed:
        return 0
    give_up = (delivery.sent_at or now) + timedelta(seconds=settings.SMS_RECEIPT_GIVE_UP)
    try:
        provider = cast(sms.ReceiptSender, sms.sender(delivery.provider))
        state = provider.status(delivery.provider_message_id)
    except sms.SmsTransientError as exc:
        logger.warning("SMS receipt of delivery %s not known yet: %s", delivery_id, exc)
        state = ""
    except sms.SmsRejected as exc:
        logger.warning("SMS receipt of delivery %s: %s", delivery_id, exc)
        state = ""
    if not state and next_check > give_up:
        state = SmsDelivery.Receipt.EXPIRED
    if state:
        record_receipt(delivery=delivery, state=state)
    return 1


def record_receipt(*, delivery: SmsDelivery, state: str) -> None:
    """Record the final `state` of a sent SMS, count it, tell the listeners (once)."""
    now = timezone.now()
    recorded = SmsDelivery.objects.filter(pk=delivery.pk, receipt="").update(
        receipt=state, receipt_at=now, receipt_due_at=None
    )
    if not recorded:
        return
    delivery.receipt, delivery.receipt_at = state, now
    metrics.SMS_RECEIPTS.labels(delivery.provider, country_of(delivery.phone), state).inc()
    logger.info("SMS delivery %s: %s (%s)", delivery.pk, state, delivery.provider)
    for listener in _receipt_listeners:
        try:
            listener(delivery, state)
        except Exception:  # the receipt is recorded; a listener's failure is its own
            logger.exception("SMS receipt listener failed for delivery %s", delivery.pk)


def country_of(phone: str) -> str:
    """The ISO country code of `phone` ("ZZ" when unknown), for the metrics."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone)) or "ZZ"
    except phonenumbers.NumberParseException:
        return "ZZ"
