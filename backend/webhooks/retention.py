"""Housekeeping of the webhook log (celery beat; see core/ops/retention.py)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.ops.retention import in_batches

from .models import WebhookDelivery, WebhookEvent

# A delivery in one of these states is never attempted again.
FINISHED = (
    WebhookDelivery.Status.DELIVERED,
    WebhookDelivery.Status.FAILED,
    WebhookDelivery.Status.CANCELLED,
)


def delete_old_webhook_log() -> int:
    """Delete finished deliveries (with their attempts) created more than
    WEBHOOK_RETENTION_DAYS ago, then the events older than that which no delivery needs
    any more: the payloads, with their phone numbers. A delivery still pending (queued,
    retrying, sending) is kept, and so is its event; 0 days keeps everything."""
    if settings.WEBHOOK_RETENTION_DAYS <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_RETENTION_DAYS)
    deliveries = WebhookDelivery.objects.filter(created_at__lt=cutoff, status__in=FINISHED)
    needed = WebhookDelivery.objects.filter(event=OuterRef("pk"))
    events = WebhookEvent.objects.filter(created_at__lt=cutoff).filter(~Exists(needed))

    def step(batch: int) -> int:
        ids = list(deliveries.values_list("pk", flat=True)[:batch])
        WebhookDelivery.objects.filter(pk__in=ids, status__in=FINISHED).delete()
        if len(ids) == batch:
            return batch
        with transaction.atomic():
            # Locked: a delivery added to one of them meanwhile ("send again") waits for the
            # commit and fails, instead of going with it.
            event_ids = list(
                events.select_for_update(skip_locked=True).values_list("pk", flat=True)[
                    : batch - len(ids)
                ]
            )
            WebhookEvent.objects.filter(pk__in=event_ids).filter(~Exists(needed)).delete()
        return len(ids) + len(event_ids)

    return in_batches(step)
