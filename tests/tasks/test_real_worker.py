"""request -> deliver -> login through a real Celery worker (threads pool) over Redis."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from celery.signals import task_prerun
from rest_framework.test import APIClient

from project.celery import app
from tasks.models import SmsDelivery
from tests.conftest import last_code
from tests.phones import phone_number
from tests.support.processes import wait_for

PHONE = phone_number()


@pytest.fixture
def worker(transactional_db, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    settings.CELERY_TASK_ALWAYS_EAGER = False  # Celery reads Django settings live
    with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False):
        yield


def test_code_request_delivery_and_login_through_a_real_worker(worker):
    runs = []

    def record(task, **kwargs):
        runs.append((task.request.is_eager, threading.current_thread().name))

    task_prerun.connect(record, weak=False)
    client = APIClient()
    response = client.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 201
    task_id = response.json()["task_id"]

    # The task stores no result on success (the delivery log has its state): wait for
    # the log, as GET /tasks/<id>/ reads it.
    wait_for(
        lambda: SmsDelivery.objects.filter(task_id=task_id, status="sent").exists(),
        30,
        "the SMS to be delivered",
    )
    task_prerun.disconnect(record)
    assert client.get(f"/tasks/{task_id}/").json()["status"] == "SUCCESS"
    assert AsyncResult(task_id, app=app).state == "PENDING"  # nothing stored
    # It ran in a worker thread that took it from the broker, not eagerly in this one.
    assert len(runs) == 1 and runs[0][0] is False
    assert runs[0][1] != threading.current_thread().name
    delivery = SmsDelivery.objects.get(task_id=task_id)
    assert delivery.status == "sent" and delivery.attempts == 1

    login = client.post(
        "/users/login/", {"phone": PHONE, "password": last_code(PHONE)}, format="json"
    )
    assert login.status_code == 200
    assert set(login.json()) == {"refresh", "access", "user_id"}
