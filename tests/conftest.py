"""Shared fixtures. Tests run against the real PostgreSQL and Redis (see pyproject.toml)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import override_settings
from PIL import Image
from rest_framework.test import APIClient

from auth_phone.tokens import forget_keys
from profiles.models import User
from tasks.sms import LocmemSender
from tests.factories import UserFactory, client_for
from tests.phones import phone_number

CODE_RE = re.compile(r"\b(\d{4})\b")


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Passwords (the admin's) hashed with a cheap hasher: the default one is slow on
    purpose, and its strength is not what these tests test."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_state():
    """Rate-limit counters, the in-memory outbox and the process's signing keys start
    empty in every test (a key made in a rolled-back test is gone from the database)."""
    cache.clear()
    LocmemSender.outbox.clear()
    forget_keys()
    yield
    LocmemSender.outbox.clear()


class CommitAwareClient(APIClient):
    """Runs on-commit callbacks (the SMS task) at the end of each request, as a real
    request would, although pytest-django's `db` wraps the test in one transaction."""

    capture: Callable | None = None

    def request(self, **kwargs):
        if self.capture is None:
            return super().request(**kwargs)
        with self.capture(execute=True):
            return super().request(**kwargs)


@pytest.fixture
def api(db, django_capture_on_commit_callbacks) -> CommitAwareClient:
    client = CommitAwareClient()
    client.capture = django_capture_on_commit_callbacks
    return client


@pytest.fixture
def live_api(transactional_db) -> APIClient:
    """A client for tests whose transactions really commit (threads, workers)."""
    return APIClient()


def last_code(phone: str) -> str:
    """The code of the latest SMS the in-memory sender got for `phone`."""
    messages = [m for m in LocmemSender.outbox if m["phone"] == phone]
    assert messages, f"no SMS was sent to {phone}"
    return CODE_RE.search(messages[-1]["text"]).group(1)


def shows_code(response, code: str, *known: str) -> bool:
    """Whether the body of `response` holds `code` anywhere but inside the `known` values
    (an id, a date, a phone number), where a 4-digit code occurs by chance."""
    text = response.content.decode()
    for value in known:
        text = text.replace(value, "")
    return code in text


@pytest.fixture
def request_code(api) -> Callable[[str], str]:
    """Ask for a code through the API and return the code the SMS carried."""

    def _request(phone: str = phone_number()) -> str:
        response = api.post("/auth/sms/", {"phone": phone}, format="json")
        assert response.status_code in (200, 201), response.content
        return last_code(phone)

    return _request


def run_in_threads(func: Callable[[int], object], count: int) -> list:
    """Run func(i) in `count` threads started together; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = func(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


ADMIN_PASSWORD = "correct horse battery staple"


def admin_login(client, user, password: str = ADMIN_PASSWORD):
    """Log `user` in to the admin the only way that opens it: its password on the admin's
    login page (the password is set first)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.phone, "password": password}
    )
    assert response.status_code == 302, response.content
    return response


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin client, logged in as the admin requires: by password on the
    admin's login page (a forced session without it is sent to that page)."""
    from django.test import Client

    client = Client()
    admin_login(client, admin_user)
    return client


BACKEND = Path(__file__).resolve().parents[1] / "backend"


def run_without_redis(script: str, *, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run `script` in a fresh Python with the project's settings and no Redis (the
    zero-setup configuration of `make run`), `env` added to the environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    clean.update(DJANGO_SETTINGS_MODULE="project.settings", PYTHONPATH=str(BACKEND), **env)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Profiles: pictures, invite codes and snapshots ------------------------------------
def image_bytes(fmt: str = "PNG", size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def unused_code() -> str:
    """A well-formed invite code that nobody has."""
    taken = set(User.objects.values_list("invite_code", flat=True))
    return next(code for code in ("Z9Z9Z9", "Y8Y8Y8", "X7X7X7", "W6W6W6") if code not in taken)


def snapshot(user: User) -> dict:
    """Every stored column of `user`, to prove a refused request changed nothing."""
    return User.objects.filter(pk=user.pk).values().get()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def _make(phone: str | None = None, **fields) -> User:
        return UserFactory(**fields) if phone is None else UserFactory(phone=phone, **fields)

    return _make


@pytest.fixture
def user(make_user) -> User:
    return make_user()


@pytest.fixture
def auth_api(user) -> APIClient:
    return client_for(user)
