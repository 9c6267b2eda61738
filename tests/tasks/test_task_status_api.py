"""GET /tasks/<task_id>/: the state for anyone holding the id; details for staff only."""

import uuid

import pytest
from celery import states
from celery.app.task import Context
from django_celery_results.models import TaskResult

from profiles.services.users import create_user
from project.celery import app
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender, SmsRejected, SmsTransientError
from tests.conftest import last_code, shows_code
from tests.factories import session
from tests.phones import phone_number

PHONE = phone_number()
PUBLIC_KEYS = {"task_id", "status", "date_done"}
STAFF_KEYS = PUBLIC_KEYS | {
    "task_name", "result", "error", "traceback", "provider", "receipt", "receipt_at",
}  # fmt: skip


@pytest.fixture
def staff_api(api):
    staff = create_user(phone=phone_number(1, code=999), is_staff=True)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {session(staff)['access']}")
    return api


def sms_task_id(api) -> str:
    response = api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 201
    return response.json()["task_id"]


def test_anyone_with_the_id_sees_state_and_date_only(api, request_code):
    code = request_code(PHONE)
    task_id = SmsDelivery.objects.get().task_id
    response = api.get(f"/tasks/{task_id}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PUBLIC_KEYS
    assert body["task_id"] == task_id
    assert body["status"] == "SUCCESS"
    assert body["date_done"] is not None
    assert not shows_code(response, code, task_id, body["date_done"])


def test_a_user_who_is_not_staff_sees_no_more(api):
    task_id = sms_task_id(api)
    user = create_user(phone=phone_number(2, code=999))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {session(user)['access']}")
    body = api.get(f"/tasks/{task_id}/").json()
    assert set(body) == PUBLIC_KEYS


def test_staff_see_the_result_but_never_the_code(staff_api, request_code):
    code = request_code(PHONE)
    task_id = SmsDelivery.objects.get().task_id
    response = staff_api.get(f"/tasks/{task_id}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == STAFF_KEYS
    assert body["status"] == "SUCCESS"
    assert body["task_name"] == "auth_phone.deliver_login_code"
    assert body["result"] == "sent"
    assert body["error"] is None and body["traceback"] is None
    assert not shows_code(response, code, task_id, body["date_done"])


def test_a_delivered_sms_stores_no_task_result(api, request_code):
    """The delivery log holds the state: a success costs the worker no result write."""
    request_code(PHONE)
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.SENT
    assert not TaskResult.objects.exists()
    assert api.get(f"/tasks/{delivery.task_id}/").json()["status"] == "SUCCESS"


def test_a_retried_sms_keeps_a_result_row_with_the_name_and_no_code(api, monkeypatch):
    send = LocmemSender.send
    failures = iter([SmsTransientError("provider timed out")])

    def flaky_send(self, *, phone, text):
        for exc in failures:
            raise exc
        return send(self, phone=phone, text=text)

    monkeypatch.setattr(LocmemSender, "send", flaky_send)
    task_id = sms_task_id(api)
    code = last_code(PHONE)
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.SENT and delivery.attempts == 2
    row = TaskResult.objects.get(task_id=task_id)  # written by the retry
    assert row.task_name == "auth_phone.deliver_login_code"
    assert str(delivery.pk) in row.task_args
    for stored in (row.task_args, row.task_kwargs, row.result, row.meta, row.traceback):
        assert code not in (stored or "")
    # The log is final and newer than the retry's row: it answers.
    assert api.get(f"/tasks/{task_id}/").json()["status"] == "SUCCESS"


def test_a_task_that_crashed_while_sending_is_a_failure(api, monkeypatch):
    """An unexpected error leaves the log at "sending"; Celery's stored failure answers."""

    def crash(self, *, phone, text):
        raise RuntimeError("sender bug")

    monkeypatch.setattr(LocmemSender, "send", crash)
    task_id = sms_task_id(api)
    assert SmsDelivery.objects.get().status == SmsDelivery.Status.SENDING
    body = api.get(f"/tasks/{task_id}/").json()
    assert body["status"] == states.FAILURE and body["date_done"] is not None


def test_a_queued_task_is_pending(api, monkeypatch):
    from auth_phone.tasks import deliver_login_code

    monkeypatch.setattr(deliver_login_code, "apply_async", lambda *a, **k: None)
    task_id = sms_task_id(api)
    assert not TaskResult.objects.filter(task_id=task_id).exists()
    body = api.get(f"/tasks/{task_id}/").json()
    assert body == {"task_id": task_id, "status": "PENDING", "date_done": None}


def test_an_upper_case_id_finds_the_task(api):
    task_id = sms_task_id(api)
    body = api.get(f"/tasks/{task_id.upper()}/").json()
    assert body["task_id"] == task_id and body["status"] == "SUCCESS"


def test_an_unknown_id_is_404(api):
    response = api.get(f"/tasks/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No task with this id.", "code": "task_not_found"}


@pytest.mark.parametrize(
    "task_id", ["not-a-uuid", "1" * 300, "%00", "0b6a4f7e-3c1d-4e55-9a0e", "'; DROP TABLE x;--"]
)
def test_a_malformed_id_is_400(api, task_id):
    response = api.get(f"/tasks/{task_id}/")
    assert response.status_code == 400
    assert response.json() == {"task_id": ["Must be a valid UUID."]}


def test_an_invalid_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api.get(f"/tasks/{uuid.uuid4()}/")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "state, exc, error",
    [
        (states.RETRY, SmsTransientError("SMS Aero answered HTTP 503"), "SmsTransientError"),
        (states.FAILURE, SmsRejected("SMS Aero refused the message"), "SmsRejected"),
    ],
)
def test_errors_and_tracebacks_are_for_staff_only(api, staff_api, state, exc, error):
    task_id = str(uuid.uuid4())
    request = Context(task="auth_phone.deliver_login_code", args=[1], kwargs={}, hostname="w1")
    app.backend.store_result(
        task_id, exc, state, traceback="Traceback (most recent call last)", request=request
    )

    staff_body = staff_api.get(f"/tasks/{task_id}/").json()
    assert staff_body["status"] == state
    assert staff_body["error"] == f"{error}: {exc}"
    assert staff_body["traceback"] == "Traceback (most recent call last)"
    assert staff_body["result"] is None

    api.credentials()
    public = api.get(f"/tasks/{task_id}/").json()
    assert set(public) == PUBLIC_KEYS and public["status"] == state
    assert (public["date_done"] is None) == (state == states.RETRY)


def test_a_started_task_has_no_date_done(api):
    task_id = str(uuid.uuid4())
    app.backend.store_result(task_id, {"pid": 1}, states.STARTED)
    body = api.get(f"/tasks/{task_id}/").json()
    assert body == {"task_id": task_id, "status": "STARTED", "date_done": None}


def test_an_unreadable_result_is_shown_as_none(staff_api):
    task_id = str(uuid.uuid4())
    TaskResult.objects.create(
        task_id=task_id,
        status=states.SUCCESS,
        content_type="application/json",
        content_encoding="utf-8",
        result="{not json",
    )
    body = staff_api.get(f"/tasks/{task_id}/").json()
    assert body["status"] == "SUCCESS" and body["result"] is None


@pytest.mark.parametrize(
    "delivery_status, state, done",
    [
        (SmsDelivery.Status.SENDING, "STARTED", False),
        (SmsDelivery.Status.RETRYING, "RETRY", False),
        (SmsDelivery.Status.SENT, "SUCCESS", True),
        (SmsDelivery.Status.FAILED, "SUCCESS", True),
        (SmsDelivery.Status.STALE, "SUCCESS", True),
    ],
)
def test_without_a_result_row_the_delivery_log_answers(
    staff_api, request_code, delivery_status, state, done
):
    request_code(PHONE)
    delivery = SmsDelivery.objects.get()
    TaskResult.objects.filter(task_id=delivery.task_id).delete()  # e.g. expired results
    SmsDelivery.objects.filter(pk=delivery.pk).update(
        status=delivery_status, error="" if delivery_status == "sent" else "provider said no"
    )
    body = staff_api.get(f"/tasks/{delivery.task_id}/").json()
    assert body["status"] == state
    assert (body["date_done"] is not None) == done
    assert body["result"] == (delivery_status if done else None)
    assert body["error"] == (None if delivery_status == "sent" else "provider said no")
    assert body["task_name"] == "auth_phone.deliver_login_code"


@pytest.mark.parametrize(
    "state, result, error",
    [
        (states.FAILURE, None, None),  # nothing stored: no error to show
        (
            states.FAILURE,
            '{"exc_type": "WorkerLostError", "exc_message": "lost"}',
            "WorkerLostError: lost",
        ),
        (states.REVOKED, '{"exc_type": "TaskRevokedError", "exc_message": []}', "TaskRevokedError"),
    ],
)
def test_failures_stored_in_other_shapes(staff_api, state, result, error):
    task_id = str(uuid.uuid4())
    TaskResult.objects.create(
        task_id=task_id,
        status=state,
        content_type="application/json",
        content_encoding="utf-8",
        result=result,
    )
    body = staff_api.get(f"/tasks/{task_id}/").json()
    assert body["status"] == state and body["date_done"] is not None
    assert body["error"] == error and body["result"] is None


def test_a_retry_row_does_not_hide_the_final_delivery(staff_api, request_code):
    """A worker stores the retry of an SMS that then went out, and no success: the log's
    final state answers."""
    request_code(PHONE)
    delivery = SmsDelivery.objects.get()
    TaskResult.objects.filter(task_id=delivery.task_id).delete()
    request = Context(task="auth_phone.deliver_login_code", args=[delivery.pk], kwargs={})
    app.backend.store_result(
        delivery.task_id, SmsTransientError("timed out"), states.RETRY, request=request
    )
    body = staff_api.get(f"/tasks/{delivery.task_id}/").json()
    assert body["status"] == "SUCCESS" and body["result"] == "sent"
    assert body["date_done"] is not None and body["error"] is None


def test_a_finished_task_that_stored_its_result_answers_from_it(staff_api, request_code):
    """A notice SMS's task stores its result, name included: that row answers."""
    request_code(PHONE)
    delivery = SmsDelivery.objects.get()
    TaskResult.objects.filter(task_id=delivery.task_id).delete()
    request = Context(task="tasks.deliver_notice", args=[delivery.pk], kwargs={})
    app.backend.store_result(delivery.task_id, "sent", states.SUCCESS, request=request)
    body = staff_api.get(f"/tasks/{delivery.task_id}/").json()
    assert body["status"] == "SUCCESS" and body["task_name"] == "tasks.deliver_notice"
