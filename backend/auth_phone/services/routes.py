"""Suspended SMS routes (country calling codes): the record of a suspension, and lifting it.

The conversion guard in core.ratelimit ("code.route") decides and holds a suspension in
Redis; the code request that made it records it here, so that operators see it in the
admin and can lift it."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from core import ratelimit
from profiles.models import User

from ..models import RouteSuspension

logger = logging.getLogger(__name__)


def record_route_suspension(
    *, calling_code: int, requested: int, used: int, seconds: int
) -> RouteSuspension:
    """Record that `calling_code` was suspended now for `seconds`, after `requested`
    codes sent to it within the last hour of which `used` were used."""
    now = timezone.now()
    return RouteSuspension.objects.create(
        calling_code=calling_code,
        suspended_at=now,
        until=now + timedelta(seconds=seconds),
        requested=requested,
        used=used,
    )


def lift_route_suspension(*, suspension: RouteSuspension, by: User) -> bool:
    """Lift `suspension` at once: the next code request to its calling code is judged on
    fresh counts (the codes that suspended it count no more). False when it had ended or
    been lifted already: an older record never lifts a later suspension."""
    if not suspension.holds():
        return False
    # Redis first: should the row's update fail, the route is open and the row still says
    # suspended, and lifting it again is harmless.
    ratelimit.lift_route(suspension.calling_code)
    lifted = RouteSuspension.objects.filter(pk=suspension.pk, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by=by
    )
    if lifted:
        logger.warning("SMS route +%s lifted by user #%s", suspension.calling_code, by.pk)
    return bool(lifted)
