"""Webhooks: events recorded in the caller's transaction (the outbox), published after the
commit, delivered signed and retried with backoff; a sweep publishes whatever got lost."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tasks.models import SmsDelivery

from . import safety, signing
from .events import ALL, EVENT_TYPES, SMS_DELIVERED, SMS_FAILED
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status


class UnknownEventType(ValueError):
    pass


class _Subscriptions:
    """The event types some active endpoint subscribes to, as this process last read them.

    Most installations have no endpoint, or none for most events: a request that causes an
    event would otherwise pay a query to learn that nobody listens. The set is read again
    after WEBHOOK_ENDPOINT_CACHE_SECONDS, and at once when this process saves, enables or
    deletes an endpoint. It only ever skips the query: when it names the type, the endpoints
    are read from the database as before, so an endpoint removed or disabled meanwhile gets
    nothing. Another process sees a new endpoint within that many seconds (0: always)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._types: frozenset[str] = frozenset()
        self._read_at: float | None = None

    def clear(self, **_signal_kwargs) -> None:
        with self._lock:
            self._read_at = None

    def anyone_listens(self, event_type: str) -> bool:
        ttl = settings.WEBHOOK_ENDPOINT_CACHE_SECONDS
        now = time.monotonic()
        with self._lock:
            fresh = self._read_at is not None and now - self._read_at < ttl
            types = self._types
        if not fresh:
            types = frozenset(
                name
                for events in WebhookEndpoint.objects.filter(active=True).values_list(
                    "events", flat=True
                )
                for name in events
            )
            with self._lock:
                self._types, self._read_at = types, now
        return ALL in types or event_type in types


subscriptions = _Subscriptions()


def emit_event(event_type: str, data: dict) -> WebhookEvent | None:
    """Record `event_type` for each active endpoint subscribed to it, in the caller's
    transaction, and publish the deliveries once that commits. None when nobody listens.
    Raises UnknownEventType."""
    if event_type not in EVENT_TYPES:
        raise UnknownEventType(event_type)
    if not subscriptions.anyone_listens(event_type):
        return None
    # Endpoints are few: filtering here works on every database JSONField supports.
    endpoints = [
        e for e in WebhookEndpoint.objects.filter(active=True) if e.subscribes_to(event_type)
    ]
    if not endpoints:
        return None
    now = timezone.now()
    with transaction.atomic():
        event = WebhookEvent.objects.create(type=event_type, data=data)
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=event, endpoint=e, next_attempt_at=now, published_at=now)
            for e in endpoints
        )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: _publish(ids))
    return event


def mask_phone(phone: str) -> str:
    """`+79111234567` -> `+7********67`: the country and the last two digits."""
    return phone[:2] + "*" * max(0, len(phone) - 4) + phone[-2:]


def emit_sms_receipt(delivery: SmsDelivery, state: str) -> WebhookEvent | None:
    """`sms.delivered` or `sms.failed` for the final state of a sent SMS."""
    user_id = (
        SmsDelivery.objects.filter(pk=delivery.pk)
        .values_list("login_code__user_id", flat=True)
        .first()
    )
    at = delivery.receipt_at or timezone.now()
    return emit_event(
        SMS_DELIVERED if state == SmsDelivery.Receipt.DELIVERED else SMS_FAILED,
        {
            "user_id": user_id,
            "provider": delivery.provider,
            "message_id": delivery.provider_message_id,
            "state": state,
            "phone": mask_phone(delivery.phone),
            "reported_at": at.isoformat().replace("+00:00", "Z"),
        },
    )


def _publish(delivery_ids: list[int]) -> None:
    from .tasks import deliver_webhook  # the task module imports this one

    for delivery_id in delivery_ids:
        try:
            deliver_webhook.apply_async((delivery_id,))
        except Exception as exc:
            # The change that caused the event is committed: it must not fail now. The
            # sweep publishes this delivery once the broker is back.
            logger.warning(
                "webhook delivery %s not published (%s)", delivery_id, type(exc).__name__
            )


def validate_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e != ALL and e not in EVENT_TYPES]
    if unknown or not events:
        raise UnknownEventType(", ".join(unknown) or "no event type given")
    return [ALL] if ALL in events else sorted(set(events))


def create_endpoint(*, url: str, secret: str, events: list[str]) -> WebhookEndpoint:
    """Raises safety.UrlRefused, UnknownEventType."""
    safety.check_url(url)
    return WebhookEndpoint.objects.create(url=url, secret=secret, events=validate_events(events))


def enable_endpoint(*, endpoint: WebhookEndpoint) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=True, consecutive_failures=0, disabled_reason="", disabled_at=None
    )
    subscriptions.clear()


def send_again(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """A new delivery of the same event (same id) to the same endpoint, with fresh attempts."""
    now = timezone.now()
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            event_id=delivery.event_id,
            endpoint_id=delivery.endpoint_id,
            next_attempt_at=now,
            published_at=now,
        )
        transaction.on_commit(lambda: _publish([again.pk]))
    return again


def payload(event: WebhookEvent) -> bytes:
    body = {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def retry_delay(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: doubling from WEBHOOK_RETRY_BACKOFF up to
    WEBHOOK_RETRY_BACKOFF_MAX, of which a random half (jitter spreads a burst out)."""
    base = min(
        settings.WEBHOOK_RETRY_BACKOFF * 2 ** (attempt - 1), settings.WEBHOOK_RETRY_BACKOFF_MAX
    )
    return base / 2 + random.uniform(0, base / 2)  # noqa: S311 - a delay, not a secret


def _stuck_before(now):
    """An attempt older than this was lost with its worker: the sweep publishes it again."""
    return now - timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER + settings.WEBHOOK_TIMEOUT)


def deliver(*, delivery_id: int) -> str:
    """One attempt of a due delivery; returns its status. A delivery that is not due (done,
    waiting for its next attempt, or taken by another worker) is left alone."""
    now = timezone.now()
    due = Q(status__in=WebhookDelivery.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, updated_at__lte=_stuck_before(now)
    )
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "endpoint")
            .filter(due, pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "skipped"
        if not delivery.endpoint.active:
            WebhookDelivery.objects.filter(pk=delivery_id).update(
                status=Status.CANCELLED, last_error="The endpoint is disabled.", updated_at=now
            )
            return Status.CANCELLED
        attempt = delivery.attempts + 1
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            status=Status.SENDING, attempts=attempt, updated_at=now
        )

    event, endpoint = delivery.event, delivery.endpoint
    body = payload(event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "referral-webhooks/1",
        "X-Webhook-Id": str(event.id),
        "X-Webhook-Event": event.type,
        "X-Webhook-Signature": signing.sign(secret=endpoint.secret, body=body),
    }
    started, clock = timezone.now(), time.monotonic()
    status_code, error = None, ""
    try:
        response = safety.post(endpoint.url, body=body, headers=headers)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
            if response.is_redirect:
                error += " (redirects are not followed)"
    except safety.UrlRefused as exc:
        error = str(exc)
    except requests.Timeout:
        error = f"No answer within {settings.WEBHOOK_TIMEOUT} s."
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
    duration_ms = int((time.monotonic() - clock) * 1000)
    return _record(delivery, attempt, started, duration_ms, status_code, error)


def _record(delivery, attempt, started, duration_ms, status_code, error) -> str:
    now = timezone.now()
    ok = not error
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery_id=delivery.pk,
            number=attempt,
            started_at=started,
            duration_ms=duration_ms,
            status_code=status_code,
            success=ok,
            error=error,
        )
        endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
        if ok:
            status = Status.DELIVERED
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=status, delivered_at=now, last_error="", updated_at=now
            )
            endpoints.filter(consecutive_failures__gt=0).update(consecutive_failures=0)
        else:
            final = attempt >= settings.WEBHOOK_MAX_ATTEMPTS
            status = Status.FAILED if final else Status.RETRYING
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=status,
                last_error=error,
                next_attempt_at=now + timedelta(seconds=retry_delay(attempt)),
                published_at=None,
                updated_at=now,
            )
            endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
            limit = settings.WEBHOOK_DISABLE_AFTER
            disabled = endpoints.filter(active=True, consecutive_failures__gte=limit).update(
                active=False,
                disabled_at=now,
                disabled_reason=f"Disabled automatically after {limit} failed attempts in a "
                f"row; the last one: {error}",
            )
            if disabled:
                logger.warning(
                    "webhook endpoint %s disabled after %s failures", delivery.endpoint_id, limit
                )
    logger.info(
        "webhook delivery %s attempt %s: %s (%s ms) %s",
        delivery.pk, attempt, status, duration_ms, error,
    )  # fmt: skip
    return status


def redeliver_pending(*, limit: int = 500) -> int:
    """Publish each delivery that is due and not published in the last OUTBOX_REDELIVER_AFTER
    seconds (a retry whose time has come, a message the broker lost, an attempt whose worker
    died). Returns how many were published."""
    now = timezone.now()
    not_recently = Q(published_at__isnull=True) | Q(
        published_at__lte=now - timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER)
    )
    due = Q(status__in=WebhookDelivery.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, updated_at__lte=_stuck_before(now)
    )
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(due & not_recently)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=ids).update(published_at=now)
    _publish(ids)
    return len(ids)
