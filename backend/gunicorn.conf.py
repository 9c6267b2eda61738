"""gunicorn settings, read from the working directory (backend/) at start.

PORT, WEB_CONCURRENCY (worker processes), GUNICORN_THREADS (threads per process),
GUNICORN_MAX_REQUESTS and GUNICORN_ACCESS_LOG come from the environment; a command-line
option still wins.
"""

import json
import os
import shutil

from gunicorn import util

bind = f"0.0.0.0:{int(os.environ.get('PORT', '8000'))}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 30
keepalive = 5
# No worker recycling by default. A gthread worker that reaches max_requests closes the
# connections it has accepted but not yet served, so every recycle drops requests (16
# clients for 3 minutes: 21 connection resets); behind nginx that is a 502, also on a POST,
# which nginx may not retry. Recycling guards against leaks, and there is none to guard
# against: a 10-minute soak with 16 clients kept each worker's memory flat (figures, and
# how to repeat it, in docs/operations.md). Set GUNICORN_MAX_REQUESTS to turn it on.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Off by default: the proxy in front (nginx in docker-compose.yml, a platform's router)
# logs every request with its id, and this second line per request cost 3-4 % of a code
# request's CPU. GUNICORN_ACCESS_LOG=- writes it to stdout (the web image run without a
# proxy), or names a file.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# The workers' heartbeat files go to tmpfs when there is one: gunicorn's advice for
# containers, whose overlay file systems can stall the heartbeat.
SHM = "/dev/shm"  # noqa: S108 - a shared-memory mount, not a guessable temp file
worker_tmp_dir = SHM if os.path.isdir(SHM) else None


def _write_json_error(sock, status_int, reason, mesg):
    """gunicorn's own error answer (util.write_error), with the API's JSON error body."""
    body = json.dumps({"detail": str(mesg) or reason, "code": "bad_request"}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)


def on_starting(server):
    """Requests gunicorn refuses before the application sees them (a request line or a
    header over its limits, a malformed request line) are answered in JSON too, like
    every other error of the API, instead of gunicorn's HTML page.

    With PROMETHEUS_MULTIPROC_DIR set, each worker keeps its metrics in files there; the
    files of an earlier run are removed so that counters start from zero."""
    util.write_error = _write_json_error
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    """A worker that ended no longer reports its live values (prometheus-client's rule
    for multiprocess mode); its counters stay in the totals."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
