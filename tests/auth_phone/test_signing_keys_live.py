"""Replicas share the keys through the database: the first start makes exactly one key
however many processes race for it, and each web server accepts the other's tokens."""

from __future__ import annotations

import threading

import pytest
import requests
from django.db import connections

from auth_phone.models import SigningKey
from auth_phone.services import signing_keys
from tests.phones import phone_number
from tests.support.processes import WebServer, child_env, start_worker, stop, wait_for

pytestmark = pytest.mark.process  # starts other processes


@pytest.mark.django_db(transaction=True)
def test_processes_starting_at_once_end_with_one_current_key():
    barrier = threading.Barrier(4)
    kids: list[str] = []

    def start() -> None:
        try:
            barrier.wait()
            kids.append(signing_keys.ensure_signing_key().kid)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    (current,) = SigningKey.objects.filter(retired_at__isnull=True)
    assert kids == [current.kid] * 4
    assert SigningKey.objects.count() == 1


def login(server: WebServer, phone: str) -> dict:
    """A login through `server` with the code from its development inbox."""
    assert server.post("/auth/sms/", {"phone": phone}).status_code in (200, 201)
    inbox = f"/dev/sms/?phone={phone.replace('+', '%2B')}"
    sms = wait_for(lambda: server.get(inbox).ok and server.get(inbox), 30, f"an SMS to {phone}")
    code = sms.json()["code"]
    response = server.post("/users/login/", {"phone": phone, "password": code})
    assert response.status_code == 200, response.text
    return response.json()


def me(server: WebServer, access: str) -> int:
    response = requests.get(
        f"{server.url}/users/me/", headers={"Authorization": f"Bearer {access}"}, timeout=15
    )
    return response.status_code


@pytest.mark.timeout(180)
@pytest.mark.django_db(transaction=True)
def test_two_web_replicas_accept_each_others_tokens(tmp_path):
    env = child_env(
        SMS_BACKEND="simulated",
        SMS_DEV_INBOX="true",
        DJANGO_DEBUG="true",
        SMS_DELAY_MIN="0",
        SMS_DELAY_MAX="0",
    )
    worker = start_worker("worker", env, tmp_path / "worker.log")
    first = WebServer(env, tmp_path / "first.log")
    second = WebServer(env, tmp_path / "second.log")
    try:
        # Both start without a key; the first login on each races to make it.
        a = login(first, phone_number(1110011, code=999))
        b = login(second, phone_number(1110022, code=999))
        assert me(second, a["access"]) == 200
        assert me(first, b["access"]) == 200
        assert first.get("/.well-known/jwks.json").json() == (
            second.get("/.well-known/jwks.json").json()
        )
        assert SigningKey.objects.filter(retired_at__isnull=True).count() == 1
    finally:
        first.close()
        second.close()
        stop(worker)
