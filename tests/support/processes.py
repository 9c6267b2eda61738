"""Real processes for fault tests: a private redis-server, a gunicorn web server and
Celery workers, each started by the test on a free loopback port and stopped by its pid.
gunicorn and the workers are started as the live checks and the benchmarks start them
(scripts/stack.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis
import requests
from django.db import connection

from scripts import stack
from scripts.stack import free_port

REPO_DIR = Path(__file__).resolve().parents[2]
BACKEND_DIR = REPO_DIR / "backend"


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `condition` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.1)


def current_database_url() -> str:
    """The URL of the test database this pytest run created, for child processes."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def child_env(**overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": current_database_url(),
    }
    env.update(overrides)
    return env


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    stack.stop(proc, sig, timeout)


class RedisServer:
    """redis-server on its own port, without persistence; start() and stop() at will."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.exceptions.ConnectionError:
            return False

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 20, f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None
        assert not self._answers()


class WebServer:
    """gunicorn with the project's gunicorn.conf.py, as the web container runs it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "PORT": str(self.port), "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4"}
        self.log = log.open("wb")
        self.proc = stack.start_gunicorn(BACKEND_DIR, env, self.log, port=self.port)
        try:
            wait_for(self._alive, 60, f"gunicorn on port {self.port} (log: {log})")
        except BaseException:
            self.close()  # no fixture will: leave no server behind
            raise

    def _alive(self) -> bool:
        assert self.proc.poll() is None, "gunicorn exited"
        try:
            return requests.get(f"{self.url}/livez", timeout=5).status_code == 200
        # Not listening yet, or too busy booting to answer within the probe's timeout (a
        # loaded machine): both mean "not up yet", and wait_for asks again.
        except (requests.ConnectionError, requests.Timeout):
            return False

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=15)

    def post(self, path: str, body: dict) -> requests.Response:
        return requests.post(f"{self.url}{path}", json=body, timeout=15)

    def close(self) -> None:
        stop(self.proc)
        self.log.close()


def start_worker(name: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`celery -A project worker` with the threads pool, in a session of its own."""
    with log.open("ab") as out:
        return stack.start_worker(
            BACKEND_DIR,
            env,
            out,
            name=name,
            concurrency=4,
            extra_args=("--without-mingle", "--without-gossip", "--without-heartbeat"),
            new_session=True,
        )
