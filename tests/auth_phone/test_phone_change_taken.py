"""Asking to change to a number of another account tells nothing about who is registered:
it answers as for a free number (after the same limits, with a task id that answers like
any other), sends nothing, and can never be confirmed."""

from __future__ import annotations

import pytest

from auth_phone.models import LoginCode
from profiles.models import User
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.conftest import snapshot
from tests.factories import client_for
from tests.phones import phone_number

UPDATE = "/users/update/me/"
CONFIRM = "/users/update/sms/me/"
TAKEN = phone_number(5200001)
FREE = phone_number(5200002)
# What differs between any two answers: the number asked for and the id of its task.
IDS = {"pending_phone", "task_id"}


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """Ask for a change of `user`'s number to `phone`, running the SMS tasks as a real
    request does; return the response."""

    def _start(user: User, phone: str, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return client_for(user).patch(UPDATE, {"phone": phone, **fields}, format="json")

    return _start


@pytest.fixture
def owner(make_user) -> User:
    return make_user(phone=TAKEN)


def public(response) -> dict:
    return {k: v for k, v in response.json().items() if k not in IDS}


def test_a_taken_number_answers_as_a_free_one_and_gets_no_sms(user, owner, start, api):
    taken = start(user, TAKEN, first_name="Anna")
    free = start(user, FREE, first_name="Anna")

    assert taken.status_code == free.status_code == 202, taken.content
    assert public(taken) == public(free)
    assert taken.json()["pending_phone"] == TAKEN and free.json()["pending_phone"] == FREE
    # Each task id answers, and alike, to whoever holds it.
    tasks = [api.get(f"/tasks/{r.json()['task_id']}/") for r in (taken, free)]
    assert [t.status_code for t in tasks] == [200, 200]
    assert {k: v for k, v in tasks[0].json().items() if k not in {"task_id", "date_done"}} == {
        k: v for k, v in tasks[1].json().items() if k not in {"task_id", "date_done"}
    }
    assert [m["phone"] for m in LocmemSender.outbox] == [FREE]
    delivery = SmsDelivery.objects.get(task_id=taken.json()["task_id"])
    assert delivery.phone == TAKEN and delivery.status == SmsDelivery.Status.STALE


def test_a_taken_number_takes_the_limits_of_a_free_one(user, owner, start):
    assert start(user, TAKEN).status_code == 202
    again = start(user, TAKEN)
    assert again.status_code == 429 and "moments ago" in again.json()["detail"]


def test_a_change_to_a_taken_number_can_never_be_confirmed(user, owner, start):
    assert start(user, TAKEN).status_code == 202
    before = snapshot(user)
    for code in ("0000", "1234", "9999"):
        response = client_for(user).patch(
            CONFIRM, {"phone": TAKEN, "sms_code": code}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_code"
    assert snapshot(user) == before
    owner.refresh_from_db()
    assert owner.phone == TAKEN
    assert LoginCode.objects.get(user=user).code_hash == ""
    assert LocmemSender.outbox == []
