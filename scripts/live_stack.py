#!/usr/bin/env python3
"""Run the API checks that need the real stack: the Postman collection under newman,
schemathesis against the OpenAPI schema, then the whole flow through a client generated
from that schema (openapi-python-client), imported as generated.

The stack is what production runs: gunicorn (`project.wsgi:application`) with DEBUG off and
the static files served by WhiteNoise, a Celery worker (threads pool) on Redis, data in
PostgreSQL, and the simulated SMS sender with its real 1-2 s delay and the development inbox.
It gets its own database (created anew and migrated) and its own Redis database (flushed
at start), on a free port. It is stopped on exit, whatever happens; its logs are printed when
a check fails.

    python scripts/live_stack.py [newman|schemathesis|client|all]   (`make test-live`: all)

Environment: LIVE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/referral_live),
LIVE_REDIS_URL (default redis://127.0.0.1:6379/14), LIVE_PORT (default: a free port),
LIVE_KEEP_LOGS=1 to print the logs even on success.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

import redis
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from scripts import stack as processes  # noqa: E402 - the live stack's one set of helpers

BACKEND = REPO / "backend"
WORK = REPO / "var" / "live"
PYTHON = sys.executable
NEWMAN = REPO / "node_modules" / ".bin" / "newman"
SCHEMATHESIS = Path(PYTHON).parent / "schemathesis"
CLIENT_GENERATOR = Path(PYTHON).parent / "openapi-python-client"

DATABASE_URL = os.environ.get(
    "LIVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral_live"
)
REDIS_URL = os.environ.get("LIVE_REDIS_URL", "redis://127.0.0.1:6379/14")
SCHEMATHESIS_TIMEOUT = 240  # seconds; the configured example counts finish well within it


def log(message: str) -> None:
    print(f"\n== {message}", flush=True)


def stack_environment() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "SMS_", "DJANGO_", "SMSAERO_"))
    }
    env.update(
        # The Postman suite reads codes from the development inbox, which answers only
        # with DEBUG on.
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX="live",
        SMS_BACKEND="simulated",
        SMS_DEV_INBOX="true",
        SMS_DELAY_MIN="1",
        SMS_DELAY_MAX="2",
        # One code per number per 2 s instead of 60: "again at once" still meets the
        # cooldown, and a later step may send a code to a number the run asked for earlier
        # (a change to the number of another account goes through the same limits).
        SMS_RESEND_COOLDOWN="2",
        # WhiteNoise serves the static files straight from the apps' folders: the same
        # middleware as in production, without a collectstatic whose Brotli compression of
        # the doc bundles costs half a minute per run.
        WHITENOISE_USE_FINDERS="true",
        APP_VAR_DIR=str(WORK / "var"),
        MEDIA_ROOT=str(WORK / "media"),
        PYTHONUNBUFFERED="1",
    )
    return env


class Stack:
    def __init__(self) -> None:
        self.port = int(os.environ.get("LIVE_PORT") or processes.free_port())
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = stack_environment()
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def log_file(self, name: str):
        self.logs[name] = WORK / f"{name}.log"
        return self.logs[name].open("w")

    def start(self) -> None:
        started = time.monotonic()
        WORK.mkdir(parents=True, exist_ok=True)
        log(f"preparing {DATABASE_URL} and {REDIS_URL}")
        # A new database each run: the signing keys it stores are encrypted under this
        # run's secret key, and every run starts from the same state.
        processes.prepare_database(DATABASE_URL, recreate=True)
        processes.flush_redis(REDIS_URL)
        processes.migrate(BACKEND, self.env)
        log(f"starting gunicorn on {self.url} and a Celery worker")
        # No worker recycling (gunicorn.conf.py's max_requests): a recycled worker closes
        # its idle keep-alive connections, and a client that reuses one at that moment
        # (schemathesis does not retry) sees a dropped connection that says nothing
        # about the API under test. Each in a session of its own: stopping it reaches
        # the children (gunicorn's workers).
        with self.log_file("gunicorn") as out:
            self.processes["gunicorn"] = processes.start_gunicorn(
                BACKEND, self.env, out, port=self.port, new_session=True,
                extra_args=("--workers", "2", "--threads", "4", "--timeout", "30",
                            "--max-requests", "0", "--access-logfile", "-"),
            )  # fmt: skip
        with self.log_file("worker") as out:
            self.processes["worker"] = processes.start_worker(
                BACKEND, self.env, out, name=f"live-{self.port}", concurrency=16,
                new_session=True,
            )  # fmt: skip
        self.wait_until_ready()
        log(f"stack is answering, {time.monotonic() - started:.1f} s after the start")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode}")

    def wait_until_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        server_up = worker_up = False
        while time.monotonic() < deadline:
            self.check_alive()
            if not server_up:
                with suppress(requests.RequestException):
                    server_up = requests.get(f"{self.url}/api/schema/", timeout=5).ok
            if not worker_up:
                worker_up = " ready." in self.logs["worker"].read_text(errors="replace")
            if server_up and worker_up:
                return
            time.sleep(0.5)
        raise RuntimeError(f"the stack did not get ready in {timeout:.0f} s")

    def stop(self) -> None:
        for process in self.processes.values():
            processes.stop(process, timeout=15)

    def print_logs(self, lines: int = 200) -> None:
        for name, path in self.logs.items():
            text = path.read_text(errors="replace").splitlines()
            print(f"\n----- {name} log ({path}), last {lines} lines -----")
            print("\n".join(text[-lines:]))


class Tally:
    """Checks passed and failed over the whole run, for the closing line."""

    passed = 0
    failed = 0


def run_newman(stack: Stack) -> dict:
    if not NEWMAN.exists():
        raise RuntimeError("newman is not installed: run `npm ci` in the repository root")
    report = WORK / "newman-report.json"
    log("newman: postman/collection.json")
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [str(NEWMAN), "run", "postman/collection.json", "-e", "postman/environment.json",
         "--env-var", f"baseUrl={stack.url}", "--reporters", "cli,json",
         "--reporter-json-export", str(report), "--timeout-request", "15000", "--color", "off"],
        cwd=REPO,
    )  # fmt: skip
    stats = json.loads(report.read_text())["run"]["stats"] if report.exists() else {}
    summary = {
        "requests": stats.get("requests", {}).get("total"),
        "assertions": stats.get("assertions", {}).get("total"),
        "failed assertions": stats.get("assertions", {}).get("failed"),
        "exit status": result.returncode,
        "seconds": round(time.monotonic() - started, 1),
    }
    log(f"newman: {summary}")
    failed = summary["failed assertions"] or 0
    Tally.passed += (summary["assertions"] or 0) - failed
    Tally.failed += failed or int(result.returncode != 0)
    if result.returncode != 0:
        raise RuntimeError("newman reported failures")
    return summary


def obtain_access_token(stack: Stack) -> str:
    """Log a fresh user in the way a client does: code by SMS, read from the dev inbox."""
    phone = "+7999" + f"{secrets.randbelow(10**7):07d}"
    requests.post(f"{stack.url}/auth/sms/", json={"phone": phone}, timeout=10).raise_for_status()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        inbox = requests.get(f"{stack.url}/dev/sms/", params={"phone": phone}, timeout=10)
        if inbox.status_code == 200:
            code = re.search(r"\b(\d{4})\b", inbox.json()["text"]).group(1)
            login = requests.post(
                f"{stack.url}/users/login/", json={"phone": phone, "password": code}, timeout=10
            )
            login.raise_for_status()
            return login.json()["access"]
        time.sleep(0.3)
    raise RuntimeError("no SMS reached the development inbox within 20 s")


def clear_rate_limits() -> None:
    """Forget the rate-limit counters. Every request of the run comes from 127.0.0.1, and a
    schemathesis pass spends that address's hourly budgets (failed logins, code requests)
    by design; the next pass stands for another client."""
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match="*:rl:*"):
        client.delete(key)


def schemathesis_pass(stack: Stack, name: str, args: list[str], deadline: float) -> dict:
    """One schemathesis run as a freshly logged-in user; its output goes to var/live/."""
    clear_rate_limits()
    token = obtain_access_token(stack)
    output = WORK / f"schemathesis-{name}.log"
    log(f"schemathesis, {name} (configuration: schemathesis.toml)")
    started = time.monotonic()
    with output.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [str(SCHEMATHESIS), "--config-file", "schemathesis.toml", "run",
             f"{stack.url}/api/schema/", "--url", stack.url,
             "--header", f"Authorization: Bearer {token}", "--no-color", *args],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        watchdog = threading.Timer(max(1.0, deadline - time.monotonic()), process.kill)
        watchdog.start()
        for line in process.stdout:
            line = line.replace(token, "[access token]")
            sys.stdout.write(line)
            out.write(line)
        returncode = process.wait()
        timed_out = not watchdog.is_alive()
        watchdog.cancel()
    if timed_out:
        raise RuntimeError(f"schemathesis ran longer than {SCHEMATHESIS_TIMEOUT} s")
    text = output.read_text()
    summary = {"exit status": returncode, "seconds": round(time.monotonic() - started, 1)}
    for key, pattern in {
        "operations tested": r"API Operations:\s+Selected: \S+\s+Tested: (\d+)",
        "test cases": r"Test cases:\s+(.+)",
    }.items():
        match = re.search(pattern, text)
        if match:
            summary[key] = match.group(1).strip()
    log(f"schemathesis, {name}: {summary}")
    passed = re.search(r"Test cases:\s+\d+ generated, (\d+) passed", text)
    failures = re.search(r"(\d+) unique failures?", text)
    Tally.passed += int(passed.group(1)) if passed else 0
    Tally.failed += int(failures.group(1)) if failures else int(returncode != 0)
    if returncode != 0:
        raise RuntimeError(f"schemathesis ({name}) reported failures")
    return summary


def run_schemathesis(stack: Stack) -> None:
    """Two passes, each with its own user: deleting the account (which a DELETE case may
    do to the caller) would otherwise turn every later authenticated case into a 401."""
    deadline = time.monotonic() + SCHEMATHESIS_TIMEOUT
    schemathesis_pass(stack, "all but DELETE", ["--exclude-method", "DELETE"], deadline)
    paths = requests.get(f"{stack.url}/api/schema/?format=json", timeout=10).json()["paths"]
    if any("delete" in operations for operations in paths.values()):
        schemathesis_pass(stack, "DELETE", ["--include-method", "DELETE"], deadline)


def generate_client(stack: Stack):
    """Generate a client package from the live schema and import it, unedited."""
    out = WORK / "generated" / "referral_client"
    shutil.rmtree(out, ignore_errors=True)
    log(f"openapi-python-client: generating {out.relative_to(REPO)} from /api/schema/")
    subprocess.run(  # noqa: S603 - fixed arguments
        [str(CLIENT_GENERATOR), "generate", "--url", f"{stack.url}/api/schema/?format=json",
         "--output-path", str(out), "--meta", "none", "--overwrite"],
        cwd=REPO, check=True,
        # Its post-generation formatting runs ruff, which lives beside this interpreter.
        env={**os.environ, "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ['PATH']}"},
    )  # fmt: skip
    sys.path.insert(0, str(out.parent))
    importlib.invalidate_caches()
    return importlib.import_module("referral_client")


def run_generated_client(stack: Stack) -> None:
    """Code request -> development inbox -> login -> profile -> activation -> referrals ->
    refresh -> logout, every call through the generated client's typed functions."""
    clear_rate_limits()  # another client, after schemathesis spent the address's budgets
    client_pkg = generate_client(stack)
    models = importlib.import_module("referral_client.models")
    ops = {
        name: importlib.import_module(f"referral_client.api.{group}.{name}")
        for group, names in {
            "auth": ["auth_sms_create", "users_login_create", "users_token_refresh_create",
                     "users_logout_create"],
            "development": ["dev_sms_retrieve"],
            "profile": ["users_retrieve", "users_update_partial_update", "users_referrals_list"],
        }.items()
        for name in names
    }  # fmt: skip
    anonymous = client_pkg.Client(base_url=stack.url, timeout=15.0)
    checks = 0

    def check(condition: bool, what: str) -> None:
        nonlocal checks
        if not condition:
            raise RuntimeError(f"generated client: {what}")
        checks += 1

    def log_in(phone: str):
        sent = ops["auth_sms_create"].sync_detailed(
            client=anonymous, body=models.SmsCodeRequestInputRequest(phone=phone)
        )
        check(sent.status_code == 201, f"code request answered {sent.status_code}")
        check(isinstance(sent.parsed, models.SmsCodeRequestOutput), "code request parsed")
        deadline = time.monotonic() + 20
        while True:
            inbox = ops["dev_sms_retrieve"].sync_detailed(client=anonymous, phone=phone)
            if inbox.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        check(isinstance(inbox.parsed, models.DevInboxOutput), "no SMS in the inbox in 20 s")
        tokens = ops["users_login_create"].sync(
            client=anonymous,
            body=models.LoginInputRequest(phone=phone, password=inbox.parsed.code),
        )
        check(isinstance(tokens, models.LoginOutput), f"login answered {tokens!r}")
        return tokens, client_pkg.AuthenticatedClient(
            base_url=stack.url, token=tokens.access, timeout=15.0
        )

    log("generated client: the whole flow")
    inviter_phone, phone = (f"+7999{secrets.randbelow(10**7):07d}" for _ in range(2))
    inviter_tokens, inviter = log_in(inviter_phone)
    tokens, me = log_in(phone)

    inviter_profile = ops["users_retrieve"].sync(id=str(inviter_tokens.user_id), client=inviter)
    check(isinstance(inviter_profile, models.ProfileOutput), "inviter profile")
    profile = ops["users_retrieve"].sync(id=str(tokens.user_id), client=me)
    check(isinstance(profile, models.ProfileOutput), f"profile answered {profile!r}")
    check(profile.phone == phone and profile.user_referral is None, "fresh profile")

    activated = ops["users_update_partial_update"].sync(
        id=str(tokens.user_id),
        client=me,
        body=models.PatchedProfileUpdateInputRequest(user_referral=inviter_profile.self_referral),
    )
    check(isinstance(activated, models.ProfileOutput), f"activation answered {activated!r}")
    check(activated.user_referral == inviter_profile.self_referral, "activated code")

    referrals = ops["users_referrals_list"].sync(id=str(inviter_tokens.user_id), client=inviter)
    check(isinstance(referrals, models.PaginatedReferralOutputList), f"referrals {referrals!r}")
    check([r.phone for r in referrals.results] == [phone], "the new user is a referral")

    refreshed = ops["users_token_refresh_create"].sync(
        client=anonymous, body=models.TokenRefreshInputRequest(refresh=tokens.refresh)
    )
    check(isinstance(refreshed, models.TokenRefreshOutput), f"refresh answered {refreshed!r}")
    out = ops["users_logout_create"].sync_detailed(
        client=anonymous, body=models.LogoutInputRequest(refresh=refreshed.refresh)
    )
    check(out.status_code == 200, f"logout answered {out.status_code}")
    again = ops["users_token_refresh_create"].sync_detailed(
        client=anonymous, body=models.TokenRefreshInputRequest(refresh=refreshed.refresh)
    )
    check(again.status_code == 401, f"refresh after logout answered {again.status_code}")
    log(f"generated client: {checks} checks passed")
    Tally.passed += checks


def main() -> int:
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which not in ("newman", "schemathesis", "client", "all"):
        raise SystemExit(__doc__)
    # Ctrl-C or a CI timeout still runs the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    stack = Stack()
    ok = False
    try:
        stack.start()
        if which in ("newman", "all"):
            run_newman(stack)
        if which in ("schemathesis", "all"):
            run_schemathesis(stack)
        if which in ("client", "all"):
            run_generated_client(stack)
        stack.check_alive()
        ok = True
    except (RuntimeError, subprocess.CalledProcessError, requests.RequestException) as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
    finally:
        stack.stop()
        if not ok or os.environ.get("LIVE_KEEP_LOGS"):
            stack.print_logs()
    log(f"live checks {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
    Tally.failed += int(not ok and Tally.failed == 0)
    print(f"live: {Tally.passed} passed, {Tally.failed} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
