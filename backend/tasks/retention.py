"""Housekeeping of the delivery log (celery beat; see core/ops/retention.py)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Value
from django.db.models.functions import Concat, Left, Length, Repeat, Right
from django.utils import timezone

from core.ops.retention import in_batches

from .models import SmsDelivery


def anonymise_sms_log() -> int:
    """Mask the phone of delivery-log rows older than SMS_LOG_RETENTION_DAYS
    (`+79111234567` -> `+791*****567`, as in the logs)."""
    cutoff = timezone.now() - timedelta(days=settings.SMS_LOG_RETENTION_DAYS)
    old = SmsDelivery.objects.filter(created_at__lt=cutoff).exclude(phone__contains="*")
    masked = Concat(Left("phone", 4), Repeat(Value("*"), Length("phone") - 7), Right("phone", 3))

    def step(batch: int) -> int:
        ids = list(old.values_list("pk", flat=True)[:batch])
        SmsDelivery.objects.filter(pk__in=ids).update(phone=masked, error="")
        return len(ids)

    return in_batches(step)
