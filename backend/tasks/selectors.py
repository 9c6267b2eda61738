"""Reads for API clients and operators: where a delivery task stands."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from celery import states
from django.utils.translation import gettext_lazy as _
from django_celery_results.models import TaskResult
from kombu.exceptions import DecodeError
from kombu.serialization import loads

from core.errors import NotFound

from .models import SmsDelivery
from .services import code_task_name

logger = logging.getLogger(__name__)


class TaskNotFound(NotFound):
    code = "task_not_found"
    message = _("No task with this id.")


# The delivery log's status, in Celery's words.
DELIVERY_STATES: dict[str, str] = {
    SmsDelivery.Status.QUEUED: states.PENDING,
    SmsDelivery.Status.SENDING: states.STARTED,
    SmsDelivery.Status.RETRYING: states.RETRY,
    SmsDelivery.Status.SENT: states.SUCCESS,
    SmsDelivery.Status.FAILED: states.SUCCESS,  # the task ran and recorded the failure
    SmsDelivery.Status.STALE: states.SUCCESS,
    SmsDelivery.Status.SKIPPED: states.SUCCESS,  # a test number: answered as any other
}
# States that only Celery can know about a delivery whose log is not final.
CELERY_ONLY_STATES = frozenset({states.FAILURE, states.REVOKED})
# Delivery statuses after which the task does not write the log again.
FINAL_DELIVERY_STATUSES = frozenset(
    {
        SmsDelivery.Status.SENT,
        SmsDelivery.Status.FAILED,
        SmsDelivery.Status.STALE,
        SmsDelivery.Status.SKIPPED,
    }
)


@dataclass(frozen=True)
class TaskStatus:
    task_id: str
    status: str  # a Celery state: PENDING, STARTED, RETRY, SUCCESS, FAILURE, REVOKED
    date_done: datetime | None  # set once the task is finished (a ready state)
    task_name: str | None = None
    result: Any = None  # what the task returned: the delivery status, never the code
    error: str | None = None
    traceback: str | None = None
    # The SMS's fate as the provider reported it (delivery receipts), for operators.
    provider: str | None = None
    receipt: str | None = None  # delivered, undelivered, rejected, expired; None: not known
    receipt_at: datetime | None = None


def _decode(row: TaskResult) -> Any:
    if row.result is None:
        return None
    try:
        return loads(row.result, row.content_type, row.content_encoding)
    except (DecodeError, ValueError, TypeError):
        logger.warning("task result %s could not be decoded", row.task_id)
        return None


def _error_text(value: Any) -> str | None:
    """Celery stores an exception as {"exc_type", "exc_message", ...}."""
    if not isinstance(value, dict) or "exc_type" not in value:
        return None
    message = value.get("exc_message")
    if isinstance(message, list | tuple):
        message = " ".join(str(part) for part in message)
    return f"{value['exc_type']}: {message}" if message else str(value["exc_type"])


def _from_result(row: TaskResult) -> TaskStatus:
    value = _decode(row)
    error = _error_text(value) if row.status in states.EXCEPTION_STATES else None
    return TaskStatus(
        task_id=row.task_id,
        status=row.status,
        date_done=row.date_done if row.status in states.READY_STATES else None,
        task_name=row.task_name,
        result=None if error else value,
        error=error,
        traceback=row.traceback or None,
    )


def _from_delivery(delivery: SmsDelivery) -> TaskStatus:
    status = DELIVERY_STATES[delivery.status]
    if delivery.status == SmsDelivery.Status.FAILED and delivery.attempts == 0:
        status = states.FAILURE  # it never reached the broker, so no task ever ran
    done = status in states.READY_STATES
    return TaskStatus(
        task_id=delivery.task_id,
        status=status,
        date_done=(delivery.sent_at or delivery.updated_at) if done else None,
        task_name=code_task_name(),
        result=delivery.status if done else None,
        error=(delivery.error or None) if delivery.status != SmsDelivery.Status.SENT else None,
    )


def get_task_status(*, task_id: str) -> TaskStatus:
    """The state of a task from the delivery log; from the result backend where Celery
    knows more: a finished task that stored its result (a notice SMS), an unexpected
    failure or a revocation while the log still says queued or sending, a task with no
    delivery. Raises TaskNotFound for an id neither knows."""
    delivery = SmsDelivery.objects.filter(task_id=task_id).first()
    status = _status(task_id, delivery)
    if delivery is None:
        return status
    return replace(
        status,
        provider=delivery.provider or None,
        receipt=delivery.receipt or None,
        receipt_at=delivery.receipt_at,
    )


def _status(task_id: str, delivery: SmsDelivery | None) -> TaskStatus:
    # The login-code task stores no result on success (ignore_result), only its retries
    # and failures: a retry's row must not hide the log's later, final state.
    row = TaskResult.objects.filter(task_id=task_id).first()
    if row is not None:
        final = delivery is not None and delivery.status in FINAL_DELIVERY_STATUSES
        trusted = states.READY_STATES if final else CELERY_ONLY_STATES
        if delivery is None or row.status in trusted:
            return _from_result(row)
    if delivery is not None:
        return _from_delivery(delivery)
    raise TaskNotFound()


@dataclass(frozen=True)
class DeliveryState:
    """Where one SMS stands in the delivery log, for the page that asked for it."""

    status: str  # SmsDelivery.Status
    attempts: int

    @property
    def final(self) -> bool:
        return self.status in FINAL_DELIVERY_STATUSES


def get_delivery_state(*, task_id: str) -> DeliveryState | None:
    """The delivery log's state of the SMS of `task_id`; None for an id it does not know."""
    row = SmsDelivery.objects.filter(task_id=task_id).values("status", "attempts").first()
    return DeliveryState(**row) if row else None
