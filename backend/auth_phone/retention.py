"""Housekeeping of login codes, login sessions and accounts that never logged in
(celery beat; the schedule and the batch limits are in core/ops/retention.py and settings)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.ops.retention import in_batches
from profiles.models import User

from .models import LoginCode, Session


def delete_dead_login_codes() -> int:
    """Delete login codes that can no longer log anyone in: used or expired."""
    now = timezone.now()

    def step(batch: int) -> int:
        dead = Q(used_at__isnull=False) | Q(expires_at__lte=now)
        ids = list(LoginCode.objects.filter(dead).values_list("pk", flat=True)[:batch])
        LoginCode.objects.filter(dead, pk__in=ids).delete()
        return len(ids)

    return in_batches(step)


def delete_dead_sessions() -> int:
    """Delete sessions whose current refresh token has expired: nothing can refresh them
    any more, revoked or not (one row per login otherwise stays forever)."""
    now = timezone.now()
    dead = Session.objects.filter(expires_at__lt=now)

    def step(batch: int) -> int:
        ids = list(dead.values_list("pk", flat=True)[:batch])
        Session.objects.filter(pk__in=ids, expires_at__lt=now).delete()
        return len(ids)

    return in_batches(step)


def delete_unverified_users() -> int:
    """Delete accounts that were created by a code request and never logged in, older
    than UNVERIFIED_USER_TTL days. Staff, accounts with a recent code request and accounts
    whose invite code somebody activated are kept."""
    cutoff = timezone.now() - timedelta(days=settings.UNVERIFIED_USER_TTL)
    recent_code = LoginCode.objects.filter(user=OuterRef("pk"), created_at__gt=cutoff)
    invited = User.objects.filter(referred_by=OuterRef("pk"))
    candidates = User.objects.filter(
        phone_verified_at__isnull=True,
        last_login__isnull=True,
        date_joined__lt=cutoff,
        is_staff=False,
        is_superuser=False,
    ).filter(~Exists(recent_code), ~Exists(invited))

    def step(batch: int) -> int:
        with transaction.atomic():
            # Rows a request holds right now (a login in progress) are skipped, not waited for.
            ids = list(
                candidates.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch]
            )
            User.objects.filter(pk__in=ids).delete()
        return len(ids)

    return in_batches(step)
