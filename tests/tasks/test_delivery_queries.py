"""What one delivery costs in SQL, and that the cheaper path keeps its rules: the login
code is read with the delivery in one statement, nothing is locked (the claim is a
conditional UPDATE), the code's hash is written only while the code is live."""

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


def test_a_delivery_reads_once_and_writes_three_times(queued):
    with CaptureQueriesContext(connection) as queries:
        assert login_delivery.deliver_login_code(delivery_id=queued.pk) == "sent"
    sql = [q["sql"] for q in queries.captured_queries]
    # Each statement commits on its own: no transaction holds a lock while the SMS goes out.
    assert not [s for s in sql if "SAVEPOINT" in s], sql
    selects = [s for s in sql if s.startswith("SELECT")]
    assert len(selects) == 1, sql
    assert 'FROM "tasks_smsdelivery" LEFT OUTER JOIN "auth_phone_logincode"' in selects[0]
    assert "FOR UPDATE" not in selects[0]
    updates = [s for s in sql if s.startswith("UPDATE")]
    assert [s.split(" SET ")[0] for s in updates] == [
        'UPDATE "auth_phone_logincode"',  # the hash
        'UPDATE "tasks_smsdelivery"',  # the claim: sending, with a lease
        'UPDATE "tasks_smsdelivery"',  # sent
    ]
    assert '"lease_until" = ' in updates[1] and "\"status\" IN ('queued', 'retrying')" in updates[1]
    code = last_code(PHONE)
    assert LoginCode.objects.get().code_hash == codes.hash_code(
        user_id=LoginCode.objects.get().user_id, code=code
    )


def test_a_retry_finds_the_hash_stored_and_does_not_write_it_again(queued):
    login_code = LoginCode.objects.get()
    first = codes.issue_code(login_code=login_code)
    again = LoginCode.objects.get()
    with CaptureQueriesContext(connection) as queries:
        assert codes.issue_code(login_code=again) == first
    assert queries.captured_queries == []


@pytest.mark.parametrize("change", ["used", "expired", "replaced"])
def test_a_code_that_stopped_being_live_after_it_was_read_is_neither_stored_nor_sent(
    queued, change
):
    read = LoginCode.objects.get()  # what the delivery's statement read
    if change == "used":
        LoginCode.objects.filter(pk=read.pk).update(used_at=timezone.now())
    elif change == "expired":
        LoginCode.objects.filter(pk=read.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    else:
        LoginCode.objects.filter(pk=read.pk).delete()
    assert codes.issue_code(login_code=read) is None
    assert not LoginCode.objects.filter(code_hash__gt="").exists()


def test_a_code_read_as_used_or_expired_is_stale_and_nothing_is_sent(queued):
    LoginCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert login_delivery.deliver_login_code(delivery_id=queued.pk) == "stale"
    queued.refresh_from_db()
    assert queued.status == "stale" and queued.attempts == 0
    assert LoginCode.objects.get().code_hash == ""
    assert LocmemSender.outbox == []
