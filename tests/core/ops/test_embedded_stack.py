"""`cp .env.example .env && make run` on a fresh copy of the repository: the embedded mode
(SQLite, kombu's filesystem broker, a file cache; no DATABASE_URL, no REDIS_URL) with the
development server, a Celery worker and beat, as a new user starts it. Under concurrent
logins and invite activations, with a webhook endpoint for every event, every event
arrives on its first delivery and no process logs "database is locked"."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest
import requests

from scripts.stack import free_port, wait_for
from tests.phones import phone_number

pytestmark = pytest.mark.process  # starts other processes

REPO = Path(__file__).resolve().parents[3]
# What `make run` needs of a clone; the copy shares this checkout's virtualenv.
FILES = ["Makefile", "Procfile", ".env.example", "requirements.txt", "constraints.txt"]
DIRECTORIES = ["backend", "frontend_templates"]
LEFT_OUT = shutil.ignore_patterns(
    "__pycache__", "db.sqlite3*", "media", "staticfiles", "control", "var"
)
USERS = 12
READY_RE = re.compile(r"^\S+ worker\.1\s+\| .*celery@\S+ ready\.", re.M)


def fresh_copy(root: Path) -> Path:
    clone = root / "clone"
    clone.mkdir()
    for name in FILES:
        shutil.copy2(REPO / name, clone / name)
    for name in DIRECTORIES:
        shutil.copytree(REPO / name, clone / name, ignore=LEFT_OUT)
    (clone / ".venv").symlink_to((REPO / ".venv").resolve())
    return clone


def fresh_shell(**extra: str) -> dict[str, str]:
    """A new user's shell: none of the test run's settings (database, Redis, secret)."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    return {**env, **extra}


def make(clone: Path, *args: str) -> list[str]:
    # The copy's requirements are newer than the shared virtualenv's stamp: not reinstalled.
    return ["make", "--no-print-directory", "-C", str(clone), "-o", ".venv/bin/.installed", *args]


class Receiver(BaseHTTPRequestHandler):
    events: list[str] = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - the stdlib's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            self.events.append(body["type"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.events = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def stop_make_run(proc: subprocess.Popen) -> None:
    """Stop make, honcho and the processes honcho started (each in a session of its own),
    by their ids."""
    try:
        family = [proc.pid, *(p.pid for p in psutil.Process(proc.pid).children(recursive=True))]
    except psutil.NoSuchProcess:
        family = [proc.pid]
    processes = []
    for pid in family:
        try:
            process = psutil.Process(pid)
            process.send_signal(signal.SIGTERM)
            processes.append(process)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(processes, timeout=30)
    for process in alive:
        process.kill()
    proc.wait(timeout=10)


def sign_in_and_activate(base: str, i: int, invite: dict) -> list[int]:
    """One person: a code, the code from the development inbox, a login, and (all but
    the first) the first person's invite code. Returns the status codes."""
    phone = phone_number(5550000 + i)
    statuses = []
    session = requests.Session()
    answer = session.post(f"{base}/auth/sms/", json={"phone": phone}, timeout=30)
    statuses.append(answer.status_code)
    inbox = wait_for(
        lambda: (r := session.get(f"{base}/dev/sms/", params={"phone": phone}, timeout=30)).ok
        and r.json(),
        60,
        f"the SMS to {phone}",
    )
    answer = session.post(
        f"{base}/users/login/", json={"phone": phone, "password": inbox["code"]}, timeout=30
    )
    statuses.append(answer.status_code)
    access = answer.json()["access"]
    auth = {"Authorization": f"Bearer {access}"}
    if i == 0:
        invite["code"] = session.get(f"{base}/users/me/", headers=auth, timeout=30).json()[
            "self_referral"
        ]
        invite["ready"].set()
    else:
        invite["ready"].wait(60)
        answer = session.patch(
            f"{base}/users/update/me/",
            json={"user_referral": invite["code"]},
            headers=auth,
            timeout=30,
        )
        statuses.append(answer.status_code)
    return statuses


@pytest.mark.timeout(420)
def test_make_run_on_sqlite_with_webhooks_under_concurrent_requests(tmp_path, receiver):
    clone = fresh_copy(tmp_path)
    subprocess.run(["cp", ".env.example", ".env"], cwd=clone, check=True)
    port = free_port()
    env = fresh_shell(WEB_PORT=str(port), WEBHOOK_ALLOW_PRIVATE="true",
                      SMS_DELAY_MIN="0.2", SMS_DELAY_MAX="0.5")  # fmt: skip
    setup = subprocess.run(
        make(clone, "migrate"), env=env, capture_output=True, text=True, check=False
    )
    assert setup.returncode == 0, setup.stderr[-3000:]
    add = subprocess.run(
        make(clone, "manage", f"ARGS=webhook_endpoint add {receiver} --secret S --events '*'"),
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr[-3000:]

    log_path = tmp_path / "make-run.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(make(clone, "run"), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: READY_RE.search(log_path.read_text(errors="replace")), 120, "worker")
        wait_for(lambda: _answers(f"{base}/livez"), 120, "the development server")

        started = time.monotonic()
        invite: dict = {"ready": threading.Event()}
        with ThreadPoolExecutor(max_workers=USERS) as pool:
            results = list(pool.map(lambda i: sign_in_and_activate(base, i, invite), range(USERS)))
        assert results == [[201, 200]] + [[201, 200, 200]] * (USERS - 1)

        expected = {"user.created": USERS, "user.logged_in": USERS, "invite.activated": USERS - 1}

        def all_delivered():
            counts = {kind: Receiver.events.count(kind) for kind in expected}
            return counts == expected

        # The outbox sweep would publish a lost event again after OUTBOX_REDELIVER_AFTER
        # (30 s): everything comes well before, on its first delivery.
        wait_for(all_delivered, 25, f"every event (got {Receiver.events})")
        elapsed = time.monotonic() - started
        # While it ran (a process stopped by a signal may print a traceback on its way out).
        running = log_path.read_text(errors="replace")
    finally:
        stop_make_run(proc)

    log_text = log_path.read_text(errors="replace")
    assert "database is locked" not in log_text
    assert "Traceback" not in running
    assert "published" not in log_text  # no outbox sweep had anything to do
    assert not _answers(f"http://127.0.0.1:{port}/livez")
    with sqlite3.connect(clone / "backend" / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    print(f"{USERS} people signed in and {len(Receiver.events)} events arrived in {elapsed:.1f} s")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False
