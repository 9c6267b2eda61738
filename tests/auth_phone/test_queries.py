"""The literal statements of auth_phone/queries.py do what their comments say. The claim
claims by the outbox's own rule (tasks.services.claim), only while the code is live, one
winner of any race, and reads what the SMS needs; on SQLite it runs in
test_zero_setup_sqlite.py, which also writes codes with their deliveries by save(). The
insert of a code with its delivery writes the rows save() writes, both or neither."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auth_phone import queries
from auth_phone.models import LoginCode
from tasks import services
from tasks.models import SmsDelivery
from tests.conftest import run_in_threads
from tests.factories import LoginCodeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

STATUSES = [s.value for s in SmsDelivery.Status]
# The lease of a row: none, run out, still held.
LEASES = {"none": None, "ran out": -60, "held": 60}
# When a row was last updated: now, or longer ago than a lease lasts.
UPDATED = {"just now": 0, "a lease ago": -(services.lease_seconds() + 5)}


def delivery(login_code: LoginCode, *, status="queued", lease=None, updated=0) -> SmsDelivery:
    now = timezone.now()
    row = SmsDelivery.objects.create(
        login_code=login_code, phone=login_code.user.phone, backend="locmem",
        task_id=f"t-{SmsDelivery.objects.count()}", language="ru",
    )  # fmt: skip
    SmsDelivery.objects.filter(pk=row.pk).update(
        status=status,
        lease_until=None if lease is None else now + timedelta(seconds=lease),
        updated_at=now + timedelta(seconds=updated),
    )
    return row


def claim(delivery_id: int) -> queries.ClaimedCode | None:
    now = timezone.now()
    lease = timedelta(seconds=services.lease_seconds())
    return queries.claim_code_delivery(
        delivery_id=delivery_id, now=now, lease_until=now + lease, unleased_before=now - lease
    )


def row(pk: int) -> tuple:
    found = SmsDelivery.objects.get(pk=pk)
    return found.status, found.attempts, found.lease_until is not None


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("lease", LEASES)
@pytest.mark.parametrize("updated", UPDATED)
def test_it_claims_exactly_what_the_outbox_claim_does(status, lease, updated):
    code = LoginCodeFactory()
    ours = delivery(code, status=status, lease=LEASES[lease], updated=UPDATED[updated])
    theirs = delivery(code, status=status, lease=LEASES[lease], updated=UPDATED[updated])

    claimed = claim(ours.pk)
    assert (claimed is not None) == services.claim(theirs.pk)
    assert row(ours.pk) == row(theirs.pk)
    if claimed is None:  # nothing written
        assert row(ours.pk) == (status, 0, LEASES[lease] is not None)


def test_it_reads_what_the_sms_needs():
    code = LoginCodeFactory(purpose=LoginCode.Purpose.PHONE_CHANGE)
    queued = delivery(code)
    assert claim(queued.pk) == queries.ClaimedCode(
        phone=code.user.phone,
        language="ru",
        login_code_id=code.pk,
        nonce=code.nonce,
        user_id=code.user_id,
        purpose="phone_change",
    )
    queued.refresh_from_db()
    assert queued.status == "sending" and queued.attempts == 1
    assert queued.lease_until > timezone.now() and queued.updated_at <= timezone.now()


@pytest.mark.parametrize("change", ["used", "expired", "gone"])
def test_a_delivery_whose_code_is_not_live_is_not_claimed(change):
    code = LoginCodeFactory()
    queued = delivery(code)
    if change == "used":
        LoginCode.objects.update(used_at=timezone.now())
    elif change == "expired":
        LoginCode.objects.update(expires_at=timezone.now())
    else:
        code.delete()
    assert claim(queued.pk) is None
    assert row(queued.pk) == ("queued", 0, False)


def test_a_missing_delivery_is_not_claimed():
    assert claim(10**9) is None


def test_of_many_workers_racing_for_one_delivery_one_claims_it():
    queued = delivery(LoginCodeFactory())
    results = run_in_threads(lambda i: claim(queued.pk), 12)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len([r for r in results if r is not None]) == 1
    assert row(queued.pk) == ("sending", 1, True)


def test_the_code_insert_names_every_column_that_save_writes():
    text = queries.INSERT_CODE_WITH_DELIVERY
    for table, model, prefix in (
        ("auth_phone_logincode", LoginCode, "code"),
        ("tasks_smsdelivery", SmsDelivery, "delivery"),
    ):
        listed = re.search(rf"INSERT INTO {table} \((.*?)\)", text, re.S).group(1)
        columns = [c.strip() for c in listed.split(",")]
        assert sorted(columns) == sorted(
            f.column for f in model._meta.concrete_fields if not f.primary_key
        )
        assert model._meta.db_table == table
        # Each column its own parameter, in the order of the list (the code's id aside).
        own = [c for c in columns if c != "login_code_id"]
        assert re.findall(rf"%\({prefix}_(\w+)\)s", text) == own


def unsaved_pair(user, **delivery) -> tuple[LoginCode, SmsDelivery]:
    code = LoginCode(
        user=user,
        purpose=LoginCode.Purpose.PHONE_CHANGE,
        phone=user.phone,
        expires_at=timezone.now() + timedelta(seconds=300),
        code_hash="h" * 64,
    )
    values = {
        "phone": user.phone, "backend": "locmem", "task_id": str(uuid.uuid4()),
        "language": "kk", "segments": 2, "scenario": "", "status": SmsDelivery.Status.QUEUED,
    }  # fmt: skip
    return code, SmsDelivery(**{**values, **delivery})


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_code_written_with_its_delivery_is_the_rows_save_writes():
    ours = unsaved_pair(UserFactory())
    theirs = unsaved_pair(UserFactory())
    queries.insert_code_with_delivery(*ours)
    theirs[0].save(force_insert=True)
    theirs[1].login_code = theirs[0]
    theirs[1].save(force_insert=True)

    code, delivery = ours
    assert code.pk is not None and delivery.pk is not None
    assert delivery.login_code_id == code.pk
    for written, by_save in zip(ours, theirs, strict=True):
        read = fields(type(written).objects.get(pk=written.pk))
        assert read == fields(written)  # what the caller holds is what was written
        own = {"id", "user_id", "login_code_id", "phone", "nonce", "task_id",
               "created_at", "updated_at", "expires_at"}  # fmt: skip
        expected = fields(type(by_save).objects.get(pk=by_save.pk))
        assert {k: v for k, v in read.items() if k not in own} == {
            k: v for k, v in expected.items() if k not in own
        }
        for stamp in ("created_at", "updated_at"):  # the clock save() sets
            if stamp in read:
                assert abs(read[stamp] - timezone.now()) < timedelta(seconds=30)


def test_a_delivery_that_cannot_be_written_leaves_no_code():
    taken = SmsDelivery.objects.create(phone="+1", backend="locmem", task_id="taken")
    code, delivery = unsaved_pair(UserFactory(), task_id=taken.task_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        queries.insert_code_with_delivery(code, delivery)
    assert not LoginCode.objects.exists()
    assert list(SmsDelivery.objects.values_list("pk", flat=True)) == [taken.pk]


def test_a_code_request_writes_its_code_and_delivery_in_one_statement():
    from auth_phone.services.codes import request_login_code

    user = UserFactory()
    with CaptureQueriesContext(connection) as captured:
        done = request_login_code(phone=user.phone, client_ip="10.0.0.1")
    writes = [
        q["sql"]
        for q in captured.captured_queries
        if re.search(r"INSERT INTO \"?(auth_phone_logincode|tasks_smsdelivery)", q["sql"])
    ]
    assert len(writes) == 1 and "WITH code AS" in writes[0], writes
    delivery = SmsDelivery.objects.get(task_id=done.task_id)
    # Its SMS went out from that row (tests run the task at once, on commit).
    assert delivery.login_code.user_id == user.pk and delivery.status == "sent"
