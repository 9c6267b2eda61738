"""gunicorn settings, read from the working directory (backend/) at start.

PORT, WEB_CONCURRENCY (worker processes) and GUNICORN_THREADS (threads per process)
come from the environment; a command-line option still wins over this file.
"""

import os

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
accesslog = "-"
errorlog = "-"
# The workers' heartbeat files go to tmpfs when there is one: gunicorn's advice for
# containers, whose overlay file systems can stall the heartbeat.
SHM = "/dev/shm"  # noqa: S108 - a shared-memory mount, not a guessable temp file
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
