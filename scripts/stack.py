"""Start and stop the live stack's parts: one copy for the live checks
(scripts/live_stack.py), the benchmarks (benchmarks/run.py) and the fault tests
(tests/support/processes.py).

- `prepare_database(url, recreate=...)`: the PostgreSQL database, created (or dropped and
  re-created) and then migrated by `migrate(backend_dir, env)`;
- `flush_redis(url)`: an empty Redis database;
- `start_gunicorn(...)` and `start_worker(...)`: gunicorn with `backend/gunicorn.conf.py`
  and `celery -A project worker` (threads pool), logs to a file, optionally in a session
  of their own so that stopping one reaches its children;
- `worker_ready_at(log, offset)`, `wait_for(...)`, `stop(process)`.

Every process is started from a `backend/` directory given by the caller, so that the
benchmarks can run an older checkout of the code with the same commands.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

BIN_DIR = Path(sys.executable).parent
# The worker's "ready" line: Celery's own format, or the service's JSON or plain lines.
READY_RE = re.compile(
    r"^(?:\[([0-9-]+ [0-9:,]+): INFO/MainProcess\] \S+ ready\."
    r'|\{"time": "([0-9-]+ [0-9:,]+)", .*"message": "\S+ ready\."\}'
    r"|([0-9-]+ [0-9:,]+) INFO celery\.apps\.worker \[[^\]]*\] \S+ ready\.)$",
    re.MULTILINE,
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    condition: Callable[[], object],
    timeout: float,
    what: str,
    process: subprocess.Popen | None = None,
    interval: float = 0.1,
) -> object:
    """Poll `condition` until it returns something truthy (returned); fail with `what`
    after `timeout` seconds, or at once if `process` exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"exited with status {process.returncode}: {what}")
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting after {timeout:.0f} s: {what}")
        time.sleep(interval)


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"\w+", name):
        raise SystemExit(f"unexpected database name {name!r} in {url}")
    return name


def server_url(url: str, dbname: str = "postgres") -> str:
    """`url` pointed at another database of the same server, in libpq's spelling."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, f"/{dbname}", parts.query, ""))


def prepare_database(url: str, *, recreate: bool) -> None:
    """Create the database of `url` if missing; with `recreate`, drop it first."""
    import psycopg

    name = database_name(url)
    with psycopg.connect(server_url(url), autocommit=True) as conn:
        if recreate:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def migrate(backend_dir: Path, env: dict[str, str], timeout: float = 300) -> None:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=backend_dir, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"manage.py migrate failed:\n{result.stderr[-3000:]}")


def _spawn(args: list[str], backend_dir: Path, env: dict, log: IO, new_session: bool):
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        args, cwd=backend_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=new_session,
    )  # fmt: skip


def start_gunicorn(
    backend_dir: Path,
    env: dict[str, str],
    log: IO,
    *,
    port: int,
    extra_args: tuple[str, ...] = (),
    new_session: bool = False,
) -> subprocess.Popen:
    """gunicorn with backend/gunicorn.conf.py (read from `backend_dir`) on 127.0.0.1."""
    args = [str(BIN_DIR / "gunicorn"), "project.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    return _spawn([*args, *extra_args], backend_dir, env, log, new_session)


def start_worker(
    backend_dir: Path,
    env: dict[str, str],
    log: IO,
    *,
    name: str,
    concurrency: int | None = None,
    extra_args: tuple[str, ...] = (),
    new_session: bool = False,
) -> subprocess.Popen:
    """`celery -A project worker --pool=threads` as Dockerfile.worker runs it; the
    concurrency is CELERY_WORKER_CONCURRENCY's unless given."""
    args = [str(BIN_DIR / "celery"), "-A", "project", "worker", "--pool=threads",
            "--loglevel=INFO", "-n", f"{name}@%h"]  # fmt: skip
    if concurrency is not None:
        args.append(f"--concurrency={concurrency}")
    return _spawn([*args, *extra_args], backend_dir, env, log, new_session)


def worker_ready_at(log_path: Path, offset: int = 0) -> float | None:
    """When the worker whose log starts at `offset` of `log_path` said it was ready
    (epoch seconds), or None if it has not yet."""
    with open(log_path, "rb") as handle:
        handle.seek(offset)
        match = READY_RE.search(handle.read().decode(errors="replace"))
    if not match:
        return None
    # Celery logs local time with milliseconds: the moment it began consuming.
    stamp = match.group(1) or match.group(2) or match.group(3)
    return dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Stop `process` (its whole session if it leads one) and wait for it; kill it after
    `timeout` seconds."""
    if process.poll() is not None:
        return
    try:
        group = os.getpgid(process.pid) == process.pid
        os.killpg(process.pid, sig) if group else process.send_signal(sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL) if group else process.kill()
        process.wait()
