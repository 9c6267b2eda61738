"""A change of number where transactions really commit: races on the real PostgreSQL, a real
Celery worker over Redis, and a broker that is down."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from django.core.cache import cache

from auth_phone.models import LoginCode
from profiles.models import User
from project.celery import app
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender, render_notice
from tests.conftest import last_code, run_in_threads
from tests.core.ops.test_outages import dead_broker  # noqa: F401 - a fixture
from tests.factories import client_for
from tests.phones import next_phone
from tests.support.processes import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

UPDATE = "/users/update/me/"
CONFIRM = "/users/update/sms/me/"


def start_change(user: User, phone: str) -> str:
    """Ask for the change and return the code its SMS carried."""
    response = client_for(user).patch(UPDATE, {"phone": phone}, format="json")
    assert response.status_code == 202, response.content
    return last_code(phone)


@pytest.mark.parametrize("round_", range(3))
def test_two_accounts_confirming_one_number_at_once_get_one_200_and_one_400(
    make_user, settings, round_
):
    settings.RATE_LIMITS_ENABLED = False  # both ask a code for the same number at once
    number = next_phone()
    users = [make_user(), make_user()]
    old_phones = [u.phone for u in users]
    codes = [start_change(u, number) for u in users]

    responses = run_in_threads(
        lambda i: client_for(users[i]).patch(
            CONFIRM, {"phone": number, "sms_code": codes[i]}, format="json"
        ),
        2,
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 400], [r.content for r in responses]
    loser = next(r for r in responses if r.status_code == 400)
    assert loser.json() == {
        "phone": ["This number already belongs to another account."],
        "code": "phone_taken",
    }
    assert User.objects.filter(phone=number).count() == 1
    winner = User.objects.get(phone=number)
    other = next(u for u in users if u.pk != winner.pk)
    other.refresh_from_db()
    assert other.phone == old_phones[users.index(other)]
    # The loser's code was not consumed and its old number got no notice.
    assert LoginCode.objects.get(user=other, purpose="phone_change").used_at is None
    notices = [m for m in LocmemSender.outbox if m["text"] == render_notice("phone_changed", "ru")]
    assert [m["phone"] for m in notices] == [old_phones[users.index(winner)]]


def test_one_account_confirming_twice_at_once_changes_once(user):
    number = next_phone()
    old_phone = user.phone
    code = start_change(user, number)

    responses = run_in_threads(
        lambda i: client_for(user).patch(CONFIRM, {"phone": number, "code": code}, format="json"),
        4,
    )

    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400]
    user.refresh_from_db()
    assert user.phone == number
    notices = [m for m in LocmemSender.outbox if m["phone"] == old_phone]
    assert len(notices) == 1


def test_change_and_confirm_through_a_real_worker(user, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # Celery reads Django settings live
    number = next_phone()
    old_phone = user.phone
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False):
        started = client_for(user).put(UPDATE, {"phone": number}, format="json")
        assert started.status_code == 202
        # The code's task stores no result on success: its delivery log says when it went.
        wait_for(
            lambda: SmsDelivery.objects.filter(
                task_id=started.json()["task_id"], status="sent"
            ).exists(),
            30,
            "the code SMS to the new number",
        )

        confirmed = client_for(user).put(
            CONFIRM, {"phone": number, "sms_code": last_code(number)}, format="json"
        )
        assert confirmed.status_code == 200 and confirmed.json()["phone"] == number

        notice = SmsDelivery.objects.get(phone=old_phone)
        assert AsyncResult(notice.task_id, app=app).get(timeout=30) == "sent"
    notice.refresh_from_db()
    assert notice.status == "sent" and notice.login_code_id is None
    assert SmsDelivery.objects.get(task_id=started.json()["task_id"]).status == "sent"


def test_a_broker_down_at_the_start_answers_503_and_gives_the_limits_back(user, dead_broker):  # noqa: F811
    number = next_phone()

    response = client_for(user).patch(UPDATE, {"phone": number}, format="json")

    assert response.status_code == 503
    assert "message broker" in response.json()["detail"]
    assert cache.get(f"rl:sms:cooldown:{number}") is None
    assert SmsDelivery.objects.get().status == "failed"
    user.refresh_from_db()
    assert user.phone != number
    assert LocmemSender.outbox == []


def test_a_broker_down_after_the_change_still_answers_200(user, settings):
    number = next_phone()
    old_phone = user.phone
    code = start_change(user, number)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    app._pool = None
    app.amqp._producer_pool = None
    try:
        response = client_for(user).patch(
            CONFIRM, {"phone": number, "sms_code": code}, format="json"
        )
    finally:
        app._pool = None
        app.amqp._producer_pool = None

    # The change is made and cannot be undone by the notice: its failure is only recorded.
    assert response.status_code == 200 and response.json()["phone"] == number
    notice = SmsDelivery.objects.get(phone=old_phone)
    assert notice.status == "failed" and "Could not be queued" in notice.error
