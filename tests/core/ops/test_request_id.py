"""X-Request-ID: taken from the proxy when well-formed, returned, written on every log line
of the request and carried into the Celery task it queued, where the worker's log lines
carry it too. Phone numbers in log lines are masked, codes never appear."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from core.ops.logs import mask_phone, mask_phones
from project.celery import app
from tasks.models import SmsDelivery
from tests.phones import DE_MOBILE, phone_number
from tests.support.processes import wait_for

PHONE = phone_number()
BACKEND = Path(__file__).resolve().parents[3] / "backend"
HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def log_lines():
    """The lines the service's console handler would write (its JSON formatter and
    filters), collected from every thread."""
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(console.formatter)
    for log_filter in console.filters:
        handler.addFilter(log_filter)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_request_id_from_the_proxy_is_kept_and_returned(api):
    given = uuid.uuid4().hex
    response = api.get("/users/me/", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] == given
    response = api.post("/auth/sms/", {"phone": "bad"}, format="json", HTTP_X_REQUEST_ID=given)
    assert response.status_code == 400 and response["X-Request-ID"] == given


@pytest.mark.parametrize("forged", ["abc", "x" * 32, "1\nlevel=ERROR forged line", "' OR 1=1"])
def test_a_malformed_request_id_is_replaced(api, forged):
    response = api.get("/users/me/", HTTP_X_REQUEST_ID=forged)
    assert HEX32.match(response["X-Request-ID"])
    assert response["X-Request-ID"] != forged


def test_every_answer_gets_a_fresh_id_without_one(api):
    first, second = api.get("/users/me/")["X-Request-ID"], api.get("/users/me/")["X-Request-ID"]
    assert HEX32.match(first) and HEX32.match(second) and first != second


def finished(task_id: str) -> bool:
    return SmsDelivery.objects.filter(task_id=task_id, status="sent").exists()


@pytest.fixture
def worker(transactional_db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SMS_BACKEND = "simulated"  # it logs each delivery
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False):
        yield


def test_the_request_id_reaches_the_log_line_of_the_task_it_queued(live_api, worker, log_lines):
    request_id = uuid.uuid4().hex
    response = live_api.post(
        "/auth/sms/", {"phone": PHONE}, format="json", HTTP_X_REQUEST_ID=request_id
    )
    assert response.status_code == 201
    assert response["X-Request-ID"] == request_id
    task_id = response.json()["task_id"]
    wait_for(lambda: finished(task_id), 30, "the SMS sent")

    lines = log_lines()
    delivered = [line for line in lines if "simulated SMS delivered" in line["message"]]
    assert len(delivered) == 1
    assert delivered[0]["request_id"] == request_id
    assert delivered[0]["logger"] == "tasks.sms" and delivered[0]["level"] == "INFO"
    # Celery's own "received" and "succeeded" lines are off by default (decision 42).
    assert not [line for line in lines if line["logger"].startswith("celery.")]
    # The worker logged under the request's id, but no number in full and no code.
    text = "\n".join(json.dumps(line) for line in lines)
    assert PHONE not in text and mask_phone(PHONE) in text
    from tests.conftest import CODE_RE

    assert not CODE_RE.search(delivered[0]["message"])


def test_a_second_request_does_not_inherit_the_first_ones_id(live_api, worker, log_lines):
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    for request_id, phone in ((first, PHONE), (second, phone_number(1234568))):
        response = live_api.post(
            "/auth/sms/", {"phone": phone}, format="json", HTTP_X_REQUEST_ID=request_id
        )
        task_id = response.json()["task_id"]
        wait_for(lambda: finished(task_id), 30, "the SMS sent")
    delivered = [line for line in log_lines() if "simulated SMS delivered" in line["message"]]
    by_phone = {
        line["message"].split(" to ")[1].split()[0]: line["request_id"] for line in delivered
    }
    assert by_phone == {mask_phone(PHONE): first, mask_phone(phone_number(1234568)): second}


def test_phones_are_masked_wherever_they_appear_in_a_message():
    assert mask_phone(phone_number()) == "+791*****567"
    assert mask_phones(f"to {phone_number()} and {DE_MOBILE}.") == (
        "to +791*****567 and +491*******678."
    )
    assert mask_phones("order 12345678, port 8000") == "order 12345678, port 8000"
    assert mask_phone("+791*****567") == "+791*****567"  # masked once only


def test_log_lines_are_json_with_the_request_id_and_masked_phones(log_lines, api):
    logging.getLogger("tests.ops").warning("sending to %s", PHONE)
    (line,) = [line for line in log_lines() if line["logger"] == "tests.ops"]
    assert line["message"] == f"sending to {mask_phone(PHONE)}"
    assert line["level"] == "WARNING" and "time" in line and "request_id" in line


def test_phones_in_a_traceback_are_masked_too(log_lines):
    try:
        raise ValueError(f"Key (phone)=({PHONE}) already exists.")
    except ValueError:
        logging.getLogger("tests.ops").exception("insert failed")
    (line,) = [line for line in log_lines() if line["logger"] == "tests.ops"]
    assert "ValueError: Key (phone)=(+791*****567) already exists." in line["exc_info"]
    assert PHONE not in json.dumps(line)


TASK_LOGGERS = """
import django, logging
django.setup()
for name in ("celery.worker.strategy", "celery.app.trace"):
    print(logging.getLogger(name).level)
"""


@pytest.mark.process
@pytest.mark.parametrize(("value", "level"), [(None, logging.WARNING), ("true", logging.INFO)])
def test_celery_logs_a_line_per_task_only_when_asked(value, level):
    env = {k: v for k, v in os.environ.items() if k != "CELERY_TASK_LOG_LINES"}
    env.update(DJANGO_SETTINGS_MODULE="project.settings", PYTHONPATH=str(BACKEND))
    if value is not None:
        env["CELERY_TASK_LOG_LINES"] = value
    done = subprocess.run(
        [sys.executable, "-c", TASK_LOGGERS], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(level), str(level)]
