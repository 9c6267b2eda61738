"""What one delivery costs in SQL, and that the cheaper path keeps its rules: the claim
reads the login code in the same statement, nothing is locked (the claim is a conditional
UPDATE), the code's hash is written only while the code is live."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auth_phone import codes
from auth_phone.models import LoginCode
from auth_phone.services import delivery as login_delivery
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.conftest import last_code
from tests.phones import phone_number

PHONE = phone_number()


@pytest.fixture
def queued(api, monkeypatch):
    from auth_phone.tasks import deliver_login_code

    monkeypatch.setattr(deliver_login_code, "apply_async", lambda *a, **k: None)
    assert api.post("/auth/sms/", {"phone": PHONE}, format="json").status_code == 201
    monkeypatch.undo()
    return SmsDelivery.objects.get()


def test_a_delivery_claims_and_reads_in_one_statement_and_writes_twice(queued):
    with CaptureQueriesContext(connection) as queries:
        assert login_delivery.deliver_login_code(delivery_id=queued.pk) == "sent"
    sql = [q["sql"] for q in queries.captured_queries]
    # Each statement commits on its own: no transaction holds a lock while the SMS goes out.
    assert not [s for s in sql if "SAVEPOINT" in s or "FOR UPDATE" in s], sql
    assert not [s for s in sql if s.lstrip().startswith("SELECT")], sql
    updates = [" ".join(s.split()).split(" SET ")[0] for s in sql]
    assert updates == [
        "UPDATE tasks_smsdelivery",  # the claim (auth_phone/queries.py), with the code read
        'UPDATE "auth_phone_logincode"',  # the hash
        'UPDATE "tasks_smsdelivery"',  # sent
    ], sql
    assert "RETURNING" in sql[0]
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.lease_until) == ("sent", 1, None)
    code = last_code(PHONE)
    assert LoginCode.objects.get().code_hash == codes.hash_code(
        user_id=LoginCode.objects.get().user_id, code=code
    )


def test_a_retry_derives_the_same_code_and_stores_the_same_hash(queued):
    login_code = LoginCode.objects.get()
    first = codes.store_code(
        login_code_id=login_code.pk, nonce=login_code.nonce, user_id=login_code.user_id
    )
    stored = LoginCode.objects.get().code_hash
    again = codes.store_code(
        login_code_id=login_code.pk, nonce=login_code.nonce, user_id=login_code.user_id
    )
    assert again == first and LoginCode.objects.get().code_hash == stored != ""


def end_the_code(change: str) -> None:
    """The login code stops being live: used, expired, or replaced (its row deleted)."""
    if change == "used":
        LoginCode.objects.update(used_at=timezone.now())
    elif change == "expired":
        LoginCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        LoginCode.objects.all().delete()


@pytest.mark.parametrize("change", ["used", "expired", "replaced"])
def test_a_code_that_stopped_being_live_after_the_claim_is_neither_stored_nor_sent(
    queued, change, monkeypatch
):
    claim = login_delivery.queries.claim_code_delivery

    def claim_then_change(**kwargs):
        claimed = claim(**kwargs)  # what the claim read: the code was live
        end_the_code(change)
        return claimed

    monkeypatch.setattr(login_delivery.queries, "claim_code_delivery", claim_then_change)
    assert login_delivery.deliver_login_code(delivery_id=queued.pk) == "stale"
    queued.refresh_from_db()
    assert (queued.status, queued.lease_until) == ("stale", None)
    assert not LoginCode.objects.filter(code_hash__gt="").exists()
    assert LocmemSender.outbox == []


@pytest.mark.parametrize("change", ["used", "expired", "replaced"])
def test_a_code_not_live_when_claimed_is_stale_unclaimed_and_nothing_is_sent(queued, change):
    end_the_code(change)
    assert login_delivery.deliver_login_code(delivery_id=queued.pk) == "stale"
    queued.refresh_from_db()
    assert queued.status == "stale" and queued.attempts == 0
    assert not LoginCode.objects.filter(code_hash__gt="").exists()
    assert LocmemSender.outbox == []
