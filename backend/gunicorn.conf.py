"""gunicorn settings, read from the working directory (backend/) at start.

PORT, WEB_CONCURRENCY (worker processes), GUNICORN_THREADS (threads per process) and
GUNICORN_ACCESS_LOG come from the environment; a command-line option still wins over this file.
"""

import json
import os

from gunicorn import util

bind = f"0.0.0.0:{int(os.environ.get('PORT', '8000'))}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
# One line per request on stdout: the only request log the stack ships, so on by default.
# It costs about a tenth of a small request's CPU; behind a proxy that keeps its own
# access log, GUNICORN_ACCESS_LOG= (empty) turns it off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# The workers' heartbeat files go to tmpfs when there is one: gunicorn's advice for
# containers, whose overlay file systems can stall the heartbeat.
SHM = "/dev/shm"  # noqa: S108 - a shared-memory mount, not a guessable temp file
worker_tmp_dir = SHM if os.path.isdir(SHM) else None


def _write_json_error(sock, status_int, reason, mesg):
    """gunicorn's own error answer (util.write_error), with the API's JSON error body."""
    body = json.dumps({"detail": str(mesg) or reason}).encode()
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
    every other error of the API, instead of gunicorn's HTML page."""
    util.write_error = _write_json_error
