"""The statements of this app that the ORM cannot say in one: literal SQL with named
parameters, each with the reason it is not a queryset (tests/auth_phone/test_queries.py).
The claim runs on PostgreSQL and on the zero-setup SQLite database alike
(tests/auth_phone/test_zero_setup_sqlite.py on SQLite); the insert of a code with its
delivery is PostgreSQL's, and SQLite's rows are written by save()."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from core.db import inserted_fields
from tasks.models import SmsDelivery

from .models import LoginCode

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


# Every code request for a new code writes the code and its delivery (the outbox row its
# SMS is sent from): one statement, not two. Compiled by the ORM, the two inserts were the
# largest CPU cost of a code request the web process pays (decision 61). The delivery's
# row takes the code's new id from the data-modifying WITH, which SQLite does not have:
# there save() writes the two rows. Every column is listed, each with its own parameter,
# so that the rows are the ones save() writes (the test compares the lists with the
# models, and the rows with save()'s).
INSERT_CODE_WITH_DELIVERY = """
    WITH code AS (
        INSERT INTO auth_phone_logincode (
            user_id, purpose, phone, code_hash, nonce, created_at, expires_at, attempts,
            used_at
        ) VALUES (
            %(code_user_id)s, %(code_purpose)s, %(code_phone)s, %(code_code_hash)s,
            %(code_nonce)s, %(code_created_at)s, %(code_expires_at)s, %(code_attempts)s,
            %(code_used_at)s
        )
        RETURNING id
    )
    INSERT INTO tasks_smsdelivery (
        login_code_id, phone, notice, backend, status, attempts, provider_message_id, error,
        task_id, created_at, updated_at, sent_at, language, segments, scenario, lease_until,
        provider, receipt, receipt_at, receipt_checks, receipt_due_at
    )
    SELECT
        code.id, %(delivery_phone)s, %(delivery_notice)s, %(delivery_backend)s,
        %(delivery_status)s, %(delivery_attempts)s, %(delivery_provider_message_id)s,
        %(delivery_error)s, %(delivery_task_id)s, %(delivery_created_at)s,
        %(delivery_updated_at)s, %(delivery_sent_at)s, %(delivery_language)s,
        %(delivery_segments)s, %(delivery_scenario)s, %(delivery_lease_until)s,
        %(delivery_provider)s, %(delivery_receipt)s, %(delivery_receipt_at)s,
        %(delivery_receipt_checks)s, %(delivery_receipt_due_at)s
    FROM code
    RETURNING login_code_id, id
"""


# (parameter, field) for each column the statement writes: the code's id aside, every
# column save() writes.
_CODE_COLUMNS = tuple((f"code_{f.column}", f) for f in inserted_fields(LoginCode))
_DELIVERY_COLUMNS = tuple(
    (f"delivery_{f.column}", f) for f in inserted_fields(SmsDelivery) if f.column != "login_code_id"
)


def insert_code_with_delivery(code: LoginCode, delivery: SmsDelivery) -> None:
    """Write `code` and `delivery` (both unsaved) as save() would, the delivery carrying
    the code; sets the ids of both."""
    if connection.vendor != "postgresql":
        code.save(force_insert=True)
        delivery.login_code = code
        delivery.save(force_insert=True)
        return
    # pre_save() is what save() asks of each field (the clock of auto_now fields). The
    # values go to psycopg as they are: on PostgreSQL the fields' get_db_prep_save() of
    # these types (str, int, an aware datetime, None) returns them unchanged.
    params = {name: f.pre_save(code, add=True) for name, f in _CODE_COLUMNS}
    params.update({name: f.pre_save(delivery, add=True) for name, f in _DELIVERY_COLUMNS})
    with connection.cursor() as cursor:
        cursor.execute(INSERT_CODE_WITH_DELIVERY, params)
        code.pk, delivery.pk = cursor.fetchone()
    delivery.login_code = code
