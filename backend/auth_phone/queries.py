"""The statement of this app that the ORM cannot say in one: literal SQL with named
parameters and the reason it is not a queryset. It runs on PostgreSQL and on the
zero-setup SQLite database alike (tests/auth_phone/test_queries.py on PostgreSQL,
tests/auth_phone/test_zero_setup_sqlite.py on SQLite)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from tasks.models import SmsDelivery

# Every SMS carrying a code starts here: claim its delivery for one attempt and read what
# the text needs, in one statement. The ORM's update() answers a count, not rows, so the
# claim and the read were two statements, and compiling them cost the worker more CPU
# than anything else it does per SMS (decision 59). Claimable is tasks.services.claim's
# rule (waiting; or sending with a lease that ran out; or sending under the previous
# release, which kept no lease) and the code must be live: a delivery whose code was
# used, replaced or has expired is never claimed (the caller marks it stale). The code's
# columns come from subqueries, not UPDATE ... FROM: SQLite's RETURNING may not name the
# tables of a FROM clause. tests/auth_phone/test_queries.py holds the rule to claim()'s.
CLAIM_CODE_DELIVERY = """
    UPDATE tasks_smsdelivery
    SET status = %(sending)s, attempts = attempts + 1, lease_until = %(lease_until)s,
        updated_at = %(now)s
    WHERE id = %(delivery_id)s
      AND (status IN (%(queued)s, %(retrying)s)
           OR (status = %(sending)s AND lease_until < %(now)s)
           OR (status = %(sending)s AND lease_until IS NULL AND updated_at < %(unleased_before)s))
      AND EXISTS (
          SELECT 1 FROM auth_phone_logincode code
          WHERE code.id = tasks_smsdelivery.login_code_id
            AND code.used_at IS NULL AND code.expires_at > %(now)s
      )
    RETURNING phone, language, login_code_id,
        (SELECT nonce FROM auth_phone_logincode code
         WHERE code.id = tasks_smsdelivery.login_code_id),
        (SELECT user_id FROM auth_phone_logincode code
         WHERE code.id = tasks_smsdelivery.login_code_id),
        (SELECT purpose FROM auth_phone_logincode code
         WHERE code.id = tasks_smsdelivery.login_code_id)
"""


@dataclass(frozen=True)
class ClaimedCode:
    """A claimed delivery and the code it carries: what its SMS needs."""

    phone: str
    language: str
    login_code_id: int
    nonce: str
    user_id: int
    purpose: str


def _db(model, field: str, value: datetime):
    return model._meta.get_field(field).get_db_prep_value(value, connection)


def claim_code_delivery(
    *, delivery_id: int, now: datetime, lease_until: datetime, unleased_before: datetime
) -> ClaimedCode | None:
    """Take the delivery `delivery_id` for one attempt (sending until `lease_until`,
    attempts + 1) if it is claimable and its code is live; what its SMS needs, or None and
    nothing written. Of any number of workers running this for one delivery, one wins."""
    Status = SmsDelivery.Status
    params = {
        "delivery_id": delivery_id,
        "queued": Status.QUEUED.value,
        "retrying": Status.RETRYING.value,
        "sending": Status.SENDING.value,
        "now": _db(SmsDelivery, "updated_at", now),
        "lease_until": _db(SmsDelivery, "lease_until", lease_until),
        "unleased_before": _db(SmsDelivery, "updated_at", unleased_before),
    }
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_CODE_DELIVERY, params)
        row = cursor.fetchone()
    return None if row is None else ClaimedCode(*row)
