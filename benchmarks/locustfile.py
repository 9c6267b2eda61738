"""Locust users for the benchmark scenarios; started by benchmarks/run.py, one class a run.

Every request is recorded by the listener at the bottom (start time, latency, status) and
written to BENCH_OUT when locust quits, so that run.py computes exact percentiles and
counts 2xx and other answers apart. Work is bounded: BENCH_LIMIT caps the requests of
a run (the users stop when it is reached) and locust's --run-time caps its duration.

Environment: BENCH_OUT (file to write), BENCH_LIMIT (0 = no cap), BENCH_PATH (reference),
BENCH_PHONE_START (first phone number index), BENCH_CODES (JSON file of phone/code pairs),
BENCH_TOKEN and BENCH_PROFILE_PATH (profile).
"""

from __future__ import annotations

import itertools
import json
import os

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

LIMIT = int(os.environ.get("BENCH_LIMIT", "0"))
_issued = itertools.count()
_records: list[tuple[float, float, int]] = []


def phone_number(index: int) -> str:
    """A Russian mobile number (E.164) that no other index gives."""
    return f"+79{index:09d}"


class BoundedUser(FastHttpUser):
    """Sends requests back to back until the run's request budget is spent."""

    abstract = True
    wait_time = constant(0)

    def take(self) -> int:
        index = next(_issued)
        if LIMIT and index >= LIMIT:
            gevent.spawn(self.environment.runner.quit)
            raise StopUser()
        return index


class ReferenceUser(BoundedUser):
    """GET of a trivial endpoint of the same server that touches no database."""

    path = os.environ.get("BENCH_PATH", "/livez")

    @task
    def reference(self) -> None:
        self.take()
        self.client.get(self.path, name="reference")


class CodeRequestUser(BoundedUser):
    """POST /auth/sms/ for a phone never seen before."""

    phone_start = int(os.environ.get("BENCH_PHONE_START", "0"))

    @task
    def code_request(self) -> None:
        phone = phone_number(self.phone_start + self.take())
        self.client.post("/auth/sms/", json={"phone": phone}, name="code_request")


class LoginUser(BoundedUser):
    """POST /users/login/ with a valid code read from the development inbox beforehand."""

    codes: list[dict] = []

    def on_start(self) -> None:
        if not LoginUser.codes:
            with open(os.environ["BENCH_CODES"], encoding="utf-8") as handle:
                LoginUser.codes = json.load(handle)

    @task
    def login(self) -> None:
        index = self.take()
        if index >= len(self.codes):
            gevent.spawn(self.environment.runner.quit)
            raise StopUser()
        pair = self.codes[index]
        self.client.post(
            "/users/login/", json={"phone": pair["phone"], "password": pair["code"]}, name="login"
        )


class ProfileUser(BoundedUser):
    """GET /users/<pk>/ of a user with many referrals, with that user's access token."""

    @task
    def profile(self) -> None:
        self.take()
        self.client.get(
            os.environ["BENCH_PROFILE_PATH"],
            headers={"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}"},
            name="profile",
        )


@events.request.add_listener
def _record(start_time, response_time, response, exception, **_kwargs) -> None:
    status = getattr(response, "status_code", 0) or 0
    if exception is not None and not status:
        status = 0  # no HTTP answer at all (connection refused, reset, timeout)
    _records.append((start_time, response_time, int(status)))


@events.quitting.add_listener
def _write(environment, **_kwargs) -> None:
    out = os.environ.get("BENCH_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({"records": _records}, handle)
    environment.process_exit_code = 0  # non-2xx answers are data here, not a failed run
