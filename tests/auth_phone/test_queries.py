"""The literal statement of auth_phone/queries.py does what its comment says: it claims by
the outbox's own rule (tasks.services.claim), only while the code is live, one winner of
any race, and reads what the SMS needs. On SQLite it runs in test_zero_setup_sqlite.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auth_phone import queries
from auth_phone.models import LoginCode
from tasks import services
from tasks.models import SmsDelivery
from tests.conftest import run_in_threads
from tests.factories import LoginCodeFactory

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
