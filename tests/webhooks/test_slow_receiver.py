"""A receiver that drips its answer is cut at WEBHOOK_TIMEOUT, however it drips, and never
holds a login SMS: webhooks run on a worker of their own queues (a real `celery worker -Q
webhooks,maintenance` process) while another worker consumes `sms`."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import transaction
from rest_framework.test import APIClient

from project.celery import app
from scripts import stack
from tasks.models import SmsDelivery
from tests.factories import next_phone
from tests.phones import phone_number
from tests.support.processes import BACKEND_DIR, child_env, stop, wait_for
from webhooks import safety
from webhooks.events import USER_DELETED
from webhooks.models import WebhookAttempt, WebhookEndpoint
from webhooks.services import emit_event

TIMEOUT = 1.5


class DrippingReceiver:
    """Answers 200 with a 100-byte body, one byte every `every` seconds."""

    def __init__(self, every: float = 0.4) -> None:
        self.started: list[float] = []

        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.started.append(time.monotonic())
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                try:
                    for _ in range(100):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(every)
                except OSError:
                    pass  # the client hung up: what the test expects

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def dripping(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT = TIMEOUT
    receiver = DrippingReceiver()
    yield receiver
    receiver.close()


def test_a_dripping_answer_is_cut_at_the_deadline(dripping):
    clock = time.monotonic()
    with pytest.raises(requests.Timeout, match="No complete answer"):
        safety.post(dripping.url, body=b"{}", headers={})
    assert TIMEOUT <= time.monotonic() - clock < TIMEOUT + 1


def test_a_quick_answer_is_read_whole_within_the_deadline(settings):
    from tests.webhooks.receiver import Receiver

    settings.WEBHOOK_ALLOW_PRIVATE = True
    with Receiver([204]) as receiver:
        assert safety.post(receiver.url, body=b"{}", headers={}).status_code == 204


@contextmanager
def sms_worker_only():
    """An in-process worker that consumes only `sms`."""
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, queues=["sms"]):
        yield
    app.amqp.queues.select(list(app.amqp.queues))  # later workers consume every queue


def test_a_dripping_receiver_never_holds_a_login_sms(
    transactional_db, dripping, settings, tmp_path
):
    settings.WEBHOOK_ENDPOINT_CACHE_SECONDS = 0
    settings.CELERY_TASK_ALWAYS_EAGER = False
    WebhookEndpoint.objects.create(url=dripping.url, secret="s" * 32, events=["*"])
    env = child_env(
        WEBHOOK_ALLOW_PRIVATE="true",
        WEBHOOK_TIMEOUT=str(TIMEOUT),
        REDIS_URL=django_settings.REDIS_URL,
    )
    with (tmp_path / "worker.log").open("ab") as log:
        # As the compose file runs it: only the webhooks and maintenance queues.
        worker = stack.start_worker(
            BACKEND_DIR, env, log, name="webhooks", concurrency=4, new_session=True,
            extra_args=("-Q", "webhooks,maintenance", "--without-mingle", "--without-gossip"),
        )  # fmt: skip
    try:
        with transaction.atomic():
            for user_id in range(8):  # more than the worker's threads
                emit_event(
                    USER_DELETED, {"user_id": user_id, "phone": phone_number(1234567, code=999)}
                )
        wait_for(lambda: len(dripping.started) >= 4, 90, "the webhook worker to be busy")

        with sms_worker_only():
            phone = next_phone()
            clock = time.monotonic()
            response = APIClient().post("/auth/sms/", {"phone": phone}, format="json")
            assert response.status_code == 201
            wait_for(
                lambda: SmsDelivery.objects.filter(phone=phone, status="sent").exists(),
                5,
                "the login SMS within 5 s",
            )
            assert time.monotonic() - clock < 5

        wait_for(lambda: WebhookAttempt.objects.count() >= 4, 30, "webhook attempts recorded")
        for attempt in WebhookAttempt.objects.all():
            assert not attempt.success
            assert "No answer within" in attempt.error
            assert attempt.duration_ms < (TIMEOUT + 1) * 1000
    finally:
        stop(worker)
