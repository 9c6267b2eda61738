"""Instructions per request, counted by valgrind's callgrind: a figure that does not move
with whatever else the machine runs, for comparing two versions of a hot path.

    python benchmarks/instructions.py                     # code request and login, this tree
    python benchmarks/instructions.py --base 7d3f18f      # and the same for a git ref
    python benchmarks/instructions.py --scenarios code --requests 300

A scenario's requests go through Django's WSGI handler in one process: the middleware, DRF,
the view, PostgreSQL and Redis, with the stack's production settings (DEBUG off, the
connection pool) but without gunicorn and the network. The process runs under callgrind
twice, with the same warm-up and preparation, once without and once with N timed requests;
the difference divided by N is the figure. It counts the process's user-space instructions:
not time, not the kernel's work, not PostgreSQL's or Redis's, and it says nothing about
threads competing for the GIL. It is what a change to the Python side of a path costs,
repeatable to a fraction of a percent on a machine whose load makes CPU times vary by a
quarter (make bench remains the measure of the whole stack).

    code    POST /auth/sms/ for a new phone (the SMS task is published, no worker runs)
    login   POST /users/login/ with a valid code (prepared in both runs, outside the count)

With --base the ref is checked out with `git worktree add` (sharing this virtualenv), and
each version migrates the same database (BENCH_INSTR_DATABASE_URL, dropped and re-created)
and uses the same Redis database (BENCH_INSTR_REDIS_URL, flushed) for its own runs.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts import stack  # noqa: E402 - the live stack's one set of helpers

SCENARIOS = ("code", "login")
WARMUP = 50
COLLECTED_RE = re.compile(r"Collected : (\d+)")


def version_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The stack's production settings (benchmarks/run.py: stack_env), without a worker."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "SMS_", "DJANGO_", "DB_", "WEBHOOK_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX="instr",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        WHITENOISE_USE_FINDERS="true",
        SMS_BACKEND="simulated",
        SMS_IP_HOURLY_LIMIT="1000000000",
        SMS_HOURLY_BUDGET="1000000000",
        PYTHONHASHSEED="0",
    )
    return env


# --- Inside the counted process --------------------------------------------------------------


def _post(app, path: str, body: dict) -> str:
    data = json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
    }
    statuses: list[str] = []
    response = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(response)
    response.close()
    return statuses[0]


def _issue(row) -> str:
    """The code of `row` as the worker makes it (the version's own derivation)."""
    from auth_phone import codes

    try:
        return codes.issue_code(login_code=row)
    except TypeError:  # versions whose issue_code takes the row's id
        return codes.issue_code(login_code_id=row.pk)


def inner(scenario: str, timed: int, prepared: int, first_phone: int) -> None:
    """Warm up, prepare `prepared` logins (both runs prepare the same), run `timed`."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()
    phones = [f"+79{first_phone + i:09d}" for i in range(WARMUP + max(timed, prepared))]
    if scenario == "code":
        bodies = [("/auth/sms/", {"phone": phone}, "201") for phone in phones]
    else:
        from auth_phone import services
        from auth_phone.models import LoginCode

        bodies = []
        for phone in phones:
            services.request_login_code(phone=phone, client_ip="127.0.0.1")
            row = LoginCode.objects.get(user__phone=phone, used_at__isnull=True)
            bodies.append(("/users/login/", {"phone": phone, "password": _issue(row)}, "200"))
    for path, body, expected in bodies[: WARMUP + timed]:
        status = _post(app, path, body)
        if not status.startswith(expected):
            raise SystemExit(f"{path} answered {status}, not {expected}")


# --- Outside: preparing the versions and counting ---------------------------------------------


def count(backend: Path, env: dict, scenario: str, timed: int, prepared: int, first: int) -> int:
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, str(Path(__file__).resolve()),
        "--inner", scenario, str(timed), str(prepared), str(first),
    ]  # fmt: skip
    env = {**env, "PYTHONPATH": str(backend)}
    done = subprocess.run(
        command, cwd=backend, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    found = COLLECTED_RE.findall(done.stderr)
    if done.returncode or not found:
        raise SystemExit(f"the counted run failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return int(found[-1])


def measure(backend: Path, env: dict, scenarios: list[str], requests: int, say) -> dict:
    stack.prepare_database(env["DATABASE_URL"], recreate=True)
    stack.flush_redis(env["REDIS_URL"])
    stack.migrate(backend, env)
    figures = {}
    for number, scenario in enumerate(scenarios):
        first = 10_000_000 * (number + 1)
        # Both runs prepare as many logins as the timed run makes; only the requests differ.
        prepared = requests if scenario == "login" else 0
        started = time.monotonic()
        without = count(backend, env, scenario, 0, prepared, first)
        with_requests = count(backend, env, scenario, requests, prepared, first + 1_000_000)
        figures[scenario] = (with_requests - without) / requests
        say(f"{scenario}: {figures[scenario] / 1e6:.2f} M instructions per request "
            f"({time.monotonic() - started:.0f} s)")  # fmt: skip
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inner", nargs=4, metavar=("SCENARIO", "N", "PREPARED", "PHONE"))
    parser.add_argument("--base", help="git ref to count beside the working tree")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--requests", type=int, default=200, help="timed requests per run")
    args = parser.parse_args(argv)
    if args.inner:
        scenario, timed, prepared, phone = args.inner
        inner(scenario, int(timed), int(prepared), int(phone))
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed (Debian: apt-get install valgrind)")
    scenarios = [s for s in args.scenarios.split(",") if s]
    if not set(scenarios) <= set(SCENARIOS) or args.requests < 1:
        parser.error(f"--scenarios is a subset of {','.join(SCENARIOS)}; --requests >= 1")
    database_url = os.environ.get(
        "BENCH_INSTR_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral_instr"
    )
    redis_url = os.environ.get("BENCH_INSTR_REDIS_URL", "redis://127.0.0.1:6379/10")
    env = version_env(database_url, redis_url)

    def say(message: str) -> None:
        print(f"[instructions {time.strftime('%H:%M:%S')}] {message}", flush=True)

    versions = {"A (working tree)": ROOT / "backend"}
    work = None
    if args.base:
        work = Path(os.environ.get("TMPDIR", "/tmp")) / f"instructions-{os.getpid()}"
        subprocess.run(["git", "worktree", "add", "--detach", str(work), args.base],
                       cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        versions[f"B ({args.base})"] = work / "backend"
    try:
        results = {}
        for label, backend in versions.items():
            say(f"{label}: {backend}")
            results[label] = measure(backend, env, scenarios, args.requests, say)
    finally:
        if work is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(work)],
                           cwd=ROOT, check=False, capture_output=True)  # fmt: skip
    labels = list(results)
    print("\n| scenario | " + " | ".join(labels) + (" | A/B |" if len(labels) == 2 else " |"))
    print("|---" * (len(labels) + 1 + (len(labels) == 2)) + "|")
    for scenario in scenarios:
        values = [results[label][scenario] for label in labels]
        cells = [f"{value / 1e6:.2f} M" for value in values]
        if len(values) == 2:
            cells.append(f"**{values[0] / values[1]:.2f}**")
        print(f"| {scenario} (instructions per request) | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
