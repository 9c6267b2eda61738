"""Benchmark of the real stack (gunicorn + a Celery worker on PostgreSQL and Redis), and A/B
comparison of two versions of the code on the same machine in one run.

    python benchmarks/run.py                  # the working tree alone (`make bench`)
    python benchmarks/run.py --base a41919b   # A/B: working tree (A) against a git ref (B)
    python benchmarks/run.py --smoke          # seconds: proves the harness still works

With --base the ref is checked out with `git worktree add --detach` into a temporary
directory (sharing this virtualenv) and the versions run in turns A B A B ... (--rounds).
Each turn re-creates the database, empties the Redis database, migrates with the version's
own manage.py, starts gunicorn (backend/gunicorn.conf.py) and a worker, and then drives it
over HTTP only: code requests for fresh numbers until their SMS are delivered, then a login
with each code. The benchmark imports nothing from backend/, so any version that keeps the
HTTP API, `manage.py migrate`, `project.wsgi`, the `project` Celery app and the
SMS_BACKEND setting can be measured. The worker sends through benchmarks/sms_sink.py.
Every figure is the median of a version's turns, with the ratio A/B.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))
from scripts import stack  # noqa: E402 - the live stack's one set of helpers

SINK = "benchsink:"  # the keys of benchmarks/sms_sink.py
CODE_RE = re.compile(r"(?<!\d)(\d{4,8})(?!\d)")
WARM_PHONES, PHONES = 1_000_000, 2_000_000  # number ranges, "+79" and 9 digits

# (key, label, unit, better): the compared figures of a turn.
FIGURES = [
    ("code_rps", "code requests/s, SMS delivered", "/s", "higher"),
    ("code_p50_ms", "code request p50 latency", "ms", "lower"),
    ("code_web_cpu_ms", "web CPU per code request", "ms", "lower"),
    ("sms_worker_cpu_ms", "worker CPU per SMS", "ms", "lower"),
    ("login_web_cpu_ms", "web CPU per login", "ms", "lower"),
    ("login_p50_ms", "login p50 latency", "ms", "lower"),
    ("web_rss_mb", "peak RSS of a web process", "MB", "lower"),
    ("worker_rss_mb", "peak RSS of the worker", "MB", "lower"),
]


def phone(index: int) -> str:
    return f"+79{index:09d}"


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (those that have exited count 0)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) since it started, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of unsorted values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))], 2)


def post_all(url: str, bodies: list[dict], clients: int) -> tuple[list[tuple[int, float]], float]:
    """POST every body from `clients` threads, each with its own keep-alive session;
    (status, latency ms) per request (status 0: no answer) and the wall seconds."""
    local = threading.local()

    def call(body: dict) -> tuple[int, float]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        started = time.perf_counter()
        try:
            status = local.session.post(url, json=body, timeout=30).status_code
        except requests.RequestException:
            status = 0
        return status, (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(call, bodies))
    return answers, time.perf_counter() - started


def summary(answers: list[tuple[int, float]], wall: float, web_cpu: float) -> dict:
    ok = [latency for status, latency in answers if 200 <= status < 300]
    return {
        "requests": len(answers),
        "statuses": {str(k): v for k, v in sorted(Counter(s for s, _ in answers).items())},
        "wall_s": round(wall, 3),
        "answered_per_s": round(len(ok) / wall, 1) if wall else None,
        "p50_ms": percentile(ok, 50),
        "p95_ms": percentile(ok, 95),
        "web_cpu_s": round(web_cpu, 3),
        "web_cpu_ms_per_request": round(web_cpu * 1000 / len(answers), 3) if answers else None,
    }


class Stack:
    """gunicorn and a Celery worker of one checkout (`backend`), logs in the work directory."""

    def __init__(self, args: argparse.Namespace, backend: Path, label: str) -> None:
        self.args, self.backend, self.label = args, backend, label
        self.port = stack.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sink = redis.Redis.from_url(args.redis_url)
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.logs: list = []
        # Only what is named here: the shell's settings must not change what is measured.
        passed = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")
        self.env = {key: os.environ[key] for key in passed if key in os.environ}
        self.env.update(
            {
                "PYTHONPATH": str(BENCH_DIR),  # sms_sink, for the worker
                "DATABASE_URL": args.database_url,
                "REDIS_URL": args.redis_url,
                "CACHE_KEY_PREFIX": "bench",
                "DJANGO_DEBUG": "false",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "WHITENOISE_USE_FINDERS": "true",  # no collectstatic
                "SMS_BACKEND": "sms_sink.Sender",
                "SMS_DELAY_MIN": str(args.sms_delay[0]),
                "SMS_DELAY_MAX": str(args.sms_delay[1]),
                # One client address sends everything: its limits (per address and per
                # wider network) and the hourly budget are raised, the other limits stay on
                # (their Redis work is measured).
                "SMS_IP_HOURLY_LIMIT": "1000000000",
                "SMS_IP56_HOURLY_LIMIT": "1000000000",
                "SMS_IP48_HOURLY_LIMIT": "1000000000",
                "SMS_HOURLY_BUDGET": "1000000000",
                # Most benchmark codes are never used: the conversion guard judges every
                # request (its Redis work is measured) but a share of 0 never suspends.
                "SMS_ROUTE_GUARD_MIN_CONVERSION": "0",
                "WEB_CONCURRENCY": str(args.web_workers),
                "GUNICORN_THREADS": str(args.web_threads),
                "CELERY_WORKER_CONCURRENCY": str(args.worker_concurrency),
                "APP_VAR_DIR": str(args.work_dir / "var"),
            }
        )

    def log(self, name: str) -> Path:
        return self.args.work_dir / f"{self.label}-{name}.log"

    def web_pids(self) -> list[int]:
        if self.web is None:
            return []
        with contextlib.suppress(psutil.Error):
            return [self.web.pid, *(p.pid for p in psutil.Process(self.web.pid).children())]
        return []

    def worker_pids(self) -> list[int]:
        if self.worker is None:
            return []
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(self.worker.pid)
            return [self.worker.pid, *(p.pid for p in process.children(recursive=True))]
        return []

    def start(self) -> None:
        stack.prepare_database(self.args.database_url, recreate=True)
        stack.flush_redis(self.args.redis_url)
        stack.migrate(self.backend, self.env)
        self.logs = [open(self.log(n), "wb") for n in ("gunicorn", "celery")]  # noqa: SIM115
        self.web = stack.start_gunicorn(self.backend, self.env, self.logs[0], port=self.port)

        def web_ready() -> bool:
            with contextlib.suppress(requests.RequestException):
                answer = requests.get(self.url + "/livez", timeout=2)
                return answer.ok and len(self.web_pids()) == 1 + self.args.web_workers
            return False

        stack.wait_for(web_ready, 60, f"gunicorn ({self.log('gunicorn')})", self.web, 0.2)
        self.worker = stack.start_worker(
            self.backend, self.env, self.logs[1], name=f"bench-{self.label}-{os.getpid()}",
            concurrency=self.args.worker_concurrency,
            extra_args=("--without-mingle", "--without-gossip"),
        )  # fmt: skip
        stack.wait_for(
            lambda: stack.worker_ready_at(self.log("celery")),
            60, f"the Celery worker ({self.log('celery')})", self.worker, 0.2,
        )  # fmt: skip

    def stop(self) -> None:
        for process in (self.worker, self.web):
            if process is not None:
                stack.stop(process)
        for handle in self.logs:
            handle.close()

    def delivered(self) -> int:
        return int(self.sink.get(SINK + "sent") or 0)

    def round_trip(self, first: int, count: int) -> dict:
        """`count` code requests for fresh numbers while the worker sends their SMS, timed
        until the last SMS is delivered; then a login with each code the SMS carried."""
        args = self.args
        phones = [phone(i) for i in range(first, first + count)]
        before = self.delivered()
        web, worker = cpu_seconds(self.web_pids()), cpu_seconds(self.worker_pids())
        client = time.process_time()
        started = time.monotonic()
        answers, wall = post_all(
            self.url + "/auth/sms/", [{"phone": p} for p in phones], args.clients
        )
        code = summary(answers, wall, cpu_seconds(self.web_pids()) - web)
        code["client_cpu_s"] = round(time.process_time() - client, 3)
        accepted = sum(1 for status, _ in answers if status == 201)
        # The SMS bound: the worker's threads each spend the delay on every SMS.
        deadline = (
            time.monotonic() + 30 + 3 * accepted * max(args.sms_delay) / args.worker_concurrency
        )
        while self.delivered() - before < accepted and time.monotonic() < deadline:
            time.sleep(0.02)
        code["to_last_sms_s"] = round(time.monotonic() - started, 3)
        code["sms_delivered"] = sent = self.delivered() - before
        code["worker_cpu_s"] = worker_cpu = round(cpu_seconds(self.worker_pids()) - worker, 3)
        code["worker_cpu_ms_per_sms"] = round(worker_cpu * 1000 / sent, 3) if sent else None
        code["sms_per_s"] = round(sent / code["to_last_sms_s"], 1)

        texts = self.sink.mget([SINK + p for p in phones])
        found = [(p, CODE_RE.search(t.decode())) for p, t in zip(phones, texts, strict=True) if t]
        logins = [{"phone": p, "password": m.group(1)} for p, m in found if m]
        web = cpu_seconds(self.web_pids())
        answers, wall = post_all(self.url + "/users/login/", logins, args.clients)
        login = summary(answers, wall, cpu_seconds(self.web_pids()) - web)
        return {"code": code, "login": login}


def run_turn(args: argparse.Namespace, backend: Path, label: str) -> dict:
    """One version started, warmed up, measured and stopped."""
    started = time.monotonic()
    bench = Stack(args, backend, label)
    try:
        bench.start()
        # Unmeasured: each web thread and the worker load their code and fill their pools.
        bench.round_trip(WARM_PHONES, args.warmup)
        measured = bench.round_trip(PHONES, args.requests)
        rss = {
            "web": sorted(peak_rss_mb(pid) for pid in bench.web_pids()[1:]),
            "worker": max((peak_rss_mb(pid) for pid in bench.worker_pids()), default=None),
        }
    finally:
        bench.stop()
    code, login = measured["code"], measured["login"]
    checks = {
        "codes_all_201": code["statuses"] == {"201": args.requests},
        "sms_all_delivered": code["sms_delivered"] == args.requests,
        "logins_all_200": login["statuses"] == {"200": args.requests},
    }
    figures = {
        "code_rps": code["sms_per_s"],
        "code_p50_ms": code["p50_ms"],
        "code_web_cpu_ms": code["web_cpu_ms_per_request"],
        "sms_worker_cpu_ms": code["worker_cpu_ms_per_sms"],
        "login_web_cpu_ms": login["web_cpu_ms_per_request"],
        "login_p50_ms": login["p50_ms"],
        "web_rss_mb": max(rss["web"], default=None),
        "worker_rss_mb": rss["worker"],
    }
    turn = {"label": label, "wall_s": round(time.monotonic() - started, 1), **measured}
    turn.update(rss_mb=rss, checks=checks, ok=all(checks.values()), figures=figures)
    turn["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(
        f"[bench] {label}: {code['sms_per_s']} codes/s to the last SMS, p50 {code['p50_ms']} ms, "
        f"web {figures['code_web_cpu_ms']} ms/code, worker {figures['sms_worker_cpu_ms']} ms/SMS, "
        f"web {figures['login_web_cpu_ms']} ms/login; {'ok' if turn['ok'] else checks}",
        flush=True,
    )
    return turn


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def compare(sides: dict[str, list[dict]]) -> list[dict]:
    """Per figure: each side's median over its turns, the turns, and the ratio A/B."""
    rows = []
    for key, label, unit, better in FIGURES:
        row = {"figure": key, "label": label, "unit": unit, "better": better}
        for side, turns in sides.items():
            values = [turn["figures"][key] for turn in turns]
            present = [v for v in values if v is not None]
            row[side] = round(statistics.median(present), 3) if present else None
            row[f"{side}_turns"] = values
        if "B" in sides:
            row["ratio_a_b"] = ratio(row["A"], row["B"])
        rows.append(row)
    return rows


def print_table(rows: list[dict], versions: dict[str, str]) -> None:
    for side, ref in versions.items():
        print(f"{side}: {ref}")
    ab = "B" in versions
    print(f"{'figure':<38}{'A':>10}" + (f"{'B':>10}{'A/B':>8}" if ab else "") + "  better")
    for row in rows:
        cells = [row["A"], row.get("B"), row.get("ratio_a_b")] if ab else [row["A"]]
        text = "".join(
            f"{'-' if v is None else v:>{10 if i < 2 else 8}}" for i, v in enumerate(cells)
        )
        print(f"{row['label'] + ' (' + row['unit'] + ')':<38}{text}  {row['better']}")


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


@contextlib.contextmanager
def checkout(ref: str):
    """`ref` checked out (detached) in a temporary directory, removed afterwards."""
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    parent = Path(tempfile.mkdtemp(prefix="bench-base-"))
    git("worktree", "add", "--detach", str(parent / "tree"), commit)
    try:
        yield parent / "tree", commit[:12]
    finally:
        with contextlib.suppress(RuntimeError):
            git("worktree", "remove", "--force", str(parent / "tree"))
        shutil.rmtree(parent, ignore_errors=True)


def wait_for_quiet_machine(max_load: float | None, max_wait: float) -> None:
    """On a shared machine: wait (at most `max_wait` s) for a 1-minute load below `max_load`."""
    deadline = time.monotonic() + max_wait
    while max_load is not None and os.getloadavg()[0] >= max_load:
        if time.monotonic() > deadline:
            print(f"[bench] load average still {os.getloadavg()[0]:.2f}; running anyway")
            return
        time.sleep(10)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--smoke", action="store_true", help="a few requests, one turn: the harness works")
    add("--base", help="git ref to compare the working tree with (A/B)")
    add("--rounds", type=int, help="turns per version (default: 2 with --base, else 1)")
    add("--requests", type=int, default=2000, help="code requests (and logins) per turn")
    add("--clients", type=int, default=16, help="concurrent client threads")
    add("--web-workers", type=int, default=2, help="WEB_CONCURRENCY")
    add("--web-threads", type=int, default=4, help="GUNICORN_THREADS")
    add("--worker-concurrency", type=int, default=32, help="CELERY_WORKER_CONCURRENCY")
    add("--sms-delay", type=float, nargs=2, default=(0.05, 0.1), metavar=("MIN", "MAX"))
    add(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral_bench"),
        help="PostgreSQL database dropped and re-created for every turn",
    )  # fmt: skip
    add(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        help="Redis database emptied (FLUSHDB) for every turn",
    )
    add("--work-dir", type=Path, default=BENCH_DIR / ".work", help="logs of the stack")
    add("--out", type=Path, help="results file (default: benchmarks/results/<time>.json)")
    add("--max-load", type=float, help="first wait for a 1-minute load average below this")
    add("--max-wait", type=float, default=600, help="seconds, for --max-load")
    args = parser.parse_args(argv)
    if args.smoke:
        args.requests, args.clients, args.rounds = 12, 2, 1
        args.web_workers, args.web_threads, args.worker_concurrency = 1, 2, 4
        args.sms_delay = (0.0, 0.02)
    args.rounds = args.rounds or (2 if args.base else 1)
    args.warmup = min(args.requests, 2 * args.web_workers * args.web_threads)
    for url in (args.database_url, args.redis_url):
        host = urlsplit(url).hostname or ""
        if host != "localhost" and not host.startswith("127."):
            parser.error(
                f"the benchmark drops and empties its databases: loopback only, not {host}"
            )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A timeout or Ctrl-C still runs the `finally` blocks that stop the stack.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    shutil.rmtree(args.work_dir, ignore_errors=True)
    args.work_dir.mkdir(parents=True)
    wait_for_quiet_machine(args.max_load, args.max_wait)
    dirty = ", modified" if git("status", "--porcelain", "--untracked-files=no") else ""
    versions = {"A": f"{git('rev-parse', '--short=12', 'HEAD')} (working tree{dirty})"}
    roots = {"A": ROOT}
    load_before = [round(x, 2) for x in os.getloadavg()]
    with contextlib.ExitStack() as cleanup:
        if args.base:
            roots["B"], commit = cleanup.enter_context(checkout(args.base))
            versions["B"] = f"{args.base} = {commit}"
        sides: dict[str, list[dict]] = {side: [] for side in roots}
        for number in range(1, args.rounds + 1):
            for side, root in roots.items():
                print(f"[bench] turn {side}{number}: {versions[side]}", flush=True)
                sides[side].append(run_turn(args, root / "backend", f"{side}{number}"))
        stack.flush_redis(args.redis_url)
    rows = compare(sides)
    config = {
        k: v
        for k, v in vars(args).items()
        if k not in ("database_url", "redis_url", "work_dir", "out")
    }
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            ["python benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "versions": versions,
        "order": " ".join(f"{side}{n}" for n in range(1, args.rounds + 1) for side in roots),
        "machine": {
            "cores": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "config": config,
        "figures": rows,
        "turns": sides,
    }
    print_table(rows, versions)
    stamp = dt.datetime.now().strftime("%Y-%m-%dT%H%M%S") + ("-ab" if args.base else "")
    out = args.out or BENCH_DIR / "results" / f"{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {out}")
    failed = [turn["label"] for turns in sides.values() for turn in turns if not turn["ok"]]
    if failed:
        print(f"[bench] turns {', '.join(failed)} did not answer every request as expected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
