"""Benchmarks of the real stack: gunicorn + a Celery worker on PostgreSQL and Redis, and
A/B comparisons of two versions of the code on the same machine in one run.

    python benchmarks/run.py                  # the working tree alone (`make bench`)
    python benchmarks/run.py --base 3d5982d   # A/B: working tree (A) against a git ref (B)
    python benchmarks/run.py --smoke          # seconds: proves the harness still works

With --base, the ref is checked out with `git worktree add` into a temporary directory
(sharing this virtualenv) and the two versions run in turns, A B A B ... (--rounds), each
turn on the same freshly re-created database and flushed Redis database, migrated by the
version under measurement. Every figure is reported for A and B and as the ratio A/B.

Each turn starts the stack configured as in production (DEBUG off, a secret key, every
other setting at its default) except that the per-address SMS limit is raised, so that one
load generator on 127.0.0.1 measures work and not 429s, and runs the scenarios: the SMS
pipeline (worker CPU per SMS), login, the profile with many referrals, GET /livez as a
reference, and code requests with 1 and 16 clients while the worker consumes their SMS.
Results: benchmarks/results/<date>.json and <date>.png.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
BIN = Path(sys.executable).parent
LOCUSTFILE = BENCH_DIR / "locustfile.py"
sys.path.insert(0, str(ROOT))
from scripts import stack  # noqa: E402 - the live stack's one set of helpers

CODE_RE = re.compile(r"\b(\d{4})\b")
DB_ERROR_RE = re.compile(
    r"OperationalError|too many clients|remaining connection slots|could not connect|"
    r"connection (?:refused|failed)|InterfaceError|PoolTimeout",
    re.IGNORECASE,
)

SCENARIOS = ("pipeline", "login", "profile", "code")

# Phone number ranges (index into benchmarks.locustfile.phone_number), one per phase.
PHONES_CODE_1 = 1_000_000
PHONES_CODE_16 = 2_000_000
PHONES_PIPELINE = 3_000_000
PHONE_OWNER = 900_000_000


@dataclass
class Config:
    smoke: bool
    duration: float  # seconds of each timed phase
    warmup: float  # seconds at the start of a phase left out of the numbers
    clients: int  # concurrent clients of the "16 clients" phases
    web_workers: int  # gunicorn processes (WEB_CONCURRENCY)
    web_threads: int  # threads per process (GUNICORN_THREADS)
    worker_concurrency: int
    pipeline_codes: int
    referrals: int
    sms_delay: tuple[float, float]
    phase_request_cap: int  # requests per phase at most (with the duration)
    database_url: str
    redis_url: str
    reference_path: str
    work_dir: Path
    results_dir: Path | None
    rounds: int = 1
    base: str | None = None
    notes_file: Path | None = None
    scenarios: tuple[str, ...] = SCENARIOS

    @property
    def mean_delay(self) -> float:
        return sum(self.sms_delay) / 2


def full_config(args: argparse.Namespace) -> Config:
    return Config(
        smoke=False,
        duration=args.duration,
        warmup=1.0,
        clients=16,
        web_workers=args.web_workers,
        web_threads=args.web_threads,
        worker_concurrency=args.worker_concurrency,
        pipeline_codes=args.pipeline_codes,
        referrals=10_000,
        sms_delay=(1.0, 2.0),
        phase_request_cap=100_000,  # far above what a phase allows here; bounds each phase
        database_url=args.database_url,
        redis_url=args.redis_url,
        reference_path=args.reference_path,
        work_dir=args.work_dir,
        results_dir=args.results_dir,
        rounds=args.rounds or (2 if args.base else 1),
        base=args.base,
        notes_file=args.notes,
        scenarios=args.scenarios,
    )


def smoke_config(args: argparse.Namespace) -> Config:
    return Config(
        smoke=True,
        duration=2.0,
        warmup=0.0,
        clients=2,
        web_workers=1,
        web_threads=2,
        worker_concurrency=4,
        pipeline_codes=6,
        referrals=25,
        sms_delay=(0.0, 0.05),
        phase_request_cap=15,
        database_url=args.database_url,
        redis_url=args.redis_url,
        reference_path=args.reference_path,
        work_dir=args.work_dir,
        results_dir=args.results_dir,
        rounds=args.rounds or 1,
        base=args.base,
        notes_file=args.notes,
        scenarios=args.scenarios,
    )


# --- Statistics ---------------------------------------------------------------------------
def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def summarize(records: list, warmup: float) -> dict:
    """Throughput of 2xx answers and their latency percentiles; other statuses counted."""
    if not records:
        return {"requests": 0, "ok": 0, "statuses": {}, "throughput_rps": 0.0}
    first = min(start for start, _, _ in records)
    window_start = first + warmup
    kept = [r for r in records if r[0] >= window_start] or records
    window_start = min(window_start, min(r[0] for r in kept))
    end = max(start + latency / 1000 for start, latency, _ in kept)
    duration = max(end - window_start, 1e-6)
    ok = sorted(latency for _, latency, status in kept if 200 <= status < 300)
    statuses = Counter(str(status) for _, _, status in kept)
    return {
        "requests": len(kept),
        "ok": len(ok),
        "statuses": dict(sorted(statuses.items())),
        "not_2xx": len(kept) - len(ok),
        "duration_s": round(duration, 3),
        "throughput_rps": round(len(ok) / duration, 2),
        "p50_ms": _round(percentile(ok, 50)),
        "p95_ms": _round(percentile(ok, 95)),
        "p99_ms": _round(percentile(ok, 99)),
        "first_request_at": first,
        "last_answer_at": max(start + latency / 1000 for start, latency, _ in records),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def ratio(value: float | None, reference: float | None) -> float | None:
    if not value or not reference:
        return None
    return round(value / reference, 3)


# --- Processes and services ------------------------------------------------------------------
def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host != "localhost" and not host.startswith("127."):
        raise SystemExit(f"benchmarks only talk to loopback addresses, not {host!r}")


def stack_env(cfg: Config, backend_dir: Path) -> dict:
    """The production configuration (every setting at its default unless named here),
    except for the raised per-address SMS limit and SMS budget. DEBUG is off (it logs
    every query): where the development inbox needs DEBUG, codes are read from the
    database instead (read_codes.py)."""
    env = {
        key: value
        for key, value in os.environ.items()
        # The shell's own settings must not change what is measured.
        if not key.startswith(("CELERY_", "SMS_", "DJANGO_", "DB_", "GUNICORN_", "WEB_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DATABASE_URL": cfg.database_url,
            "REDIS_URL": cfg.redis_url,
            "CACHE_KEY_PREFIX": "bench",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "WHITENOISE_USE_FINDERS": "true",
            "SMS_BACKEND": "simulated",
            "SMS_DELAY_MIN": str(cfg.sms_delay[0]),
            "SMS_DELAY_MAX": str(cfg.sms_delay[1]),
            "SMS_DEV_INBOX": "true",
            "SMS_IP_HOURLY_LIMIT": "1000000000",
            "SMS_HOURLY_BUDGET": "1000000000",
            "CELERY_WORKER_CONCURRENCY": str(cfg.worker_concurrency),
            "WEB_CONCURRENCY": str(cfg.web_workers),
            "GUNICORN_THREADS": str(cfg.web_threads),
            "BENCH_BACKEND_DIR": str(backend_dir),
            "APP_VAR_DIR": str(cfg.work_dir / "var"),
        }
    )
    return env


class Stack:
    """gunicorn and the Celery worker of one checkout (`backend_dir`) as child processes,
    logs in the work directory."""

    def __init__(self, cfg: Config, backend_dir: Path, label: str) -> None:
        self.cfg = cfg
        self.backend_dir = backend_dir
        self.label = label
        self.env = stack_env(cfg, backend_dir)
        self.port = stack.free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self._logs: list = []

    def log_path(self, name: str) -> Path:
        return self.cfg.work_dir / f"{self.label}-{name}.log"

    def _log(self, name: str):
        handle = open(self.log_path(name), "ab")  # noqa: SIM115 - closed in stop()
        self._logs.append(handle)
        return handle

    def prepare(self) -> None:
        """The same database and Redis database for every run, empty and migrated by the
        code under measurement."""
        stack.prepare_database(self.cfg.database_url, recreate=True)
        stack.flush_redis(self.cfg.redis_url)
        stack.migrate(self.backend_dir, self.env)

    def start_web(self) -> None:
        # backend/gunicorn.conf.py as in production, but on loopback only and without
        # recycling, which would restart workers inside timed phases.
        self.web = stack.start_gunicorn(
            self.backend_dir,
            self.env,
            self._log("gunicorn"),
            port=self.port,
            extra_args=("--max-requests", "0"),
        )

        def answers() -> bool:
            with contextlib.suppress(requests.RequestException):
                answer = requests.get(self.base_url + self.cfg.reference_path, timeout=2)
                return answer.status_code == 200 and len(self.web_workers()) == self.cfg.web_workers
            return False

        stack.wait_for(answers, 60, f"gunicorn ({self.log_path('gunicorn')})", self.web, 0.2)

    def start_worker(self) -> float:
        """Start the worker; return the time (epoch) it reported itself ready."""
        log_path = self.log_path("celery")
        log = self._log("celery")
        offset = log_path.stat().st_size
        self.worker = stack.start_worker(
            self.backend_dir,
            self.env,
            log,
            name=f"bench-{os.getpid()}",
            concurrency=self.cfg.worker_concurrency,
            extra_args=("--without-mingle", "--without-gossip"),
        )
        return stack.wait_for(
            lambda: stack.worker_ready_at(log_path, offset),
            60,
            f"the Celery worker ({log_path})",
            self.worker,
            0.2,
        )

    def web_workers(self) -> list[psutil.Process]:
        if self.web is None:
            return []
        try:
            return psutil.Process(self.web.pid).children()
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        for proc in (self.worker, self.web):
            if proc is not None:
                stack.stop(proc)
        for handle in self._logs:
            handle.close()
        self._logs.clear()

    def log_errors(self) -> dict:
        """Database connection errors reported in the logs of the stack."""
        found = {}
        for name in ("gunicorn", "celery"):
            path = self.log_path(name)
            text = path.read_text(errors="replace") if path.exists() else ""
            found[name] = len(DB_ERROR_RE.findall(text))
        return found


@dataclass
class Sampler:
    """Samples the RSS of each process of the stack (psutil) and the database's
    connection count, in a background thread, until stopped."""

    stack: Stack
    interval: float = 0.2
    peak_rss: dict = field(default_factory=dict)  # "web:<pid>" / "worker" -> bytes
    phase: str = "start-up"
    peak_rss_by_phase: dict = field(default_factory=dict)  # phase -> {"web", "worker"} MB
    peak_db_connections: int = 0
    peak_server_connections: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _note(self, key: str, proc: psutil.Process) -> None:
        with contextlib.suppress(psutil.Error):
            rss = proc.memory_info().rss
            self.peak_rss[key] = max(self.peak_rss.get(key, 0), rss)
            by_phase = self.peak_rss_by_phase.setdefault(self.phase, {})
            role = "worker" if key == "worker" else key.split(":")[0]
            by_phase[role] = max(by_phase.get(role, 0.0), round(rss / 2**20, 1))

    def _run(self) -> None:
        name = stack.database_name(self.stack.cfg.database_url)
        conn = psycopg.connect(stack.server_url(self.stack.cfg.database_url), autocommit=True)
        try:
            while not self._stop.wait(self.interval):
                for proc in self.stack.web_workers():
                    self._note(f"web:{proc.pid}", proc)
                if self.stack.worker is not None and self.stack.worker.poll() is None:
                    with contextlib.suppress(psutil.Error):
                        worker = psutil.Process(self.stack.worker.pid)
                        self._note("worker", worker)
                        for child in worker.children(recursive=True):
                            self._note(f"worker-child:{child.pid}", child)
                with contextlib.suppress(psycopg.Error):
                    mine, total = conn.execute(
                        "SELECT count(*) FILTER (WHERE datname = %s), count(*) "
                        "FROM pg_stat_activity WHERE backend_type = 'client backend'",
                        (name,),
                    ).fetchone()
                    self.peak_db_connections = max(self.peak_db_connections, mine)
                    self.peak_server_connections = max(self.peak_server_connections, total)
        finally:
            conn.close()


def postgres_backends(dbname: str) -> list[psutil.Process]:
    """The PostgreSQL server processes serving connections to `dbname`."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if cmdline.startswith("postgres: ") and f" {dbname} " in cmdline:
            found.append(proc)
    return found


def machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


# --- Phases -----------------------------------------------------------------------------
class Bench:
    """One turn: the stack of one version of the code, started, loaded and stopped."""

    def __init__(self, cfg: Config, backend_dir: Path, label: str) -> None:
        self.cfg = cfg
        self.label = label
        self.stack = Stack(cfg, backend_dir, label)
        self.phases: dict[str, dict] = {}
        self.sampler = Sampler(self.stack)

    def say(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')} {self.label}] {message}", flush=True)

    def stack_procs(self) -> tuple[list[psutil.Process], list[psutil.Process]]:
        worker = []
        if self.stack.worker is not None:
            with contextlib.suppress(psutil.Error):
                worker = [psutil.Process(self.stack.worker.pid)]
        return self.stack.web_workers(), worker

    def locust(
        self,
        name: str,
        user_class: str,
        users: int,
        extra_env: dict | None = None,
        limit: int = 0,
        run_time: float | None = None,
        warmup: float | None = None,
    ) -> dict:
        """Run one locust phase and return its summary (and CPU seconds spent by each side)."""
        out = self.cfg.work_dir / f"{self.label}-locust-{name}.json"
        env = dict(os.environ)
        env.update(
            {
                "BENCH_OUT": str(out),
                "BENCH_LIMIT": str(limit or self.cfg.phase_request_cap),
                "BENCH_PATH": self.cfg.reference_path,
                **(extra_env or {}),
            }
        )
        run_time = run_time or self.cfg.duration
        self.sampler.phase = name
        cmd = [
            str(BIN / "locust"),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            self.stack.base_url,
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{max(1, round(run_time))}s",
            "--stop-timeout",
            "10",
            "--only-summary",
            "--loglevel",
            "ERROR",
            user_class,
        ]
        web, worker = self.stack_procs()
        dbname = stack.database_name(self.cfg.database_url)
        postgres_before = {proc.pid: cpu_seconds([proc]) for proc in postgres_backends(dbname)}
        cpu_before = (cpu_seconds(web), cpu_seconds(worker))
        busy_before = machine_busy_seconds()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        with open(self.cfg.work_dir / f"{self.label}-locust-{name}.log", "wb") as log:
            result = subprocess.run(
                cmd, env=env, stdout=log, stderr=log, timeout=run_time + 90, check=False
            )
        wall = time.monotonic() - started
        if result.returncode or not out.exists():
            raise RuntimeError(f"locust phase {name} failed; see {self.label}-locust-{name}.log")
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        busy = machine_busy_seconds() - busy_before
        web, worker = self.stack_procs()
        # Backends that disconnected during the phase are missed; with persistent
        # connections (DB_CONN_MAX_AGE) there are next to none.
        postgres_cpu = sum(
            cpu_seconds([proc]) - postgres_before.get(proc.pid, 0.0)
            for proc in postgres_backends(dbname)
        )
        records = json.loads(out.read_text())["records"]
        if not records:
            raise RuntimeError(f"locust phase {name} sent no request ({self.label})")
        summary = summarize(records, self.cfg.warmup if warmup is None else warmup)
        summary["clients"] = users
        cpu = {
            "wall": round(wall, 2),
            "web_workers": round(cpu_seconds(web) - cpu_before[0], 2),
            "celery_worker": round(cpu_seconds(worker) - cpu_before[1], 2),
            "postgres": round(postgres_cpu, 2),
            "load_generator": round(
                (children_after.ru_utime + children_after.ru_stime)
                - (children_before.ru_utime + children_before.ru_stime),
                2,
            ),
            "machine_busy": round(busy, 2),
        }
        ours = sum(v for k, v in cpu.items() if k not in ("wall", "machine_busy"))
        cpu["everything_else"] = round(max(0.0, busy - ours), 2)
        requests_made = max(1, len(records))
        cpu["web_ms_per_request"] = round(cpu["web_workers"] * 1000 / requests_made, 2)
        cpu["worker_ms_per_request"] = round(cpu["celery_worker"] * 1000 / requests_made, 2)
        cpu["postgres_ms_per_request"] = round(postgres_cpu * 1000 / requests_made, 2)
        cpu["server_ms_per_request"] = round(
            cpu["web_ms_per_request"] + cpu["postgres_ms_per_request"], 2
        )
        cpu["load_generator_ms_per_request"] = round(
            cpu["load_generator"] * 1000 / requests_made, 2
        )
        summary["cpu_s"] = cpu
        self.phases[name] = summary
        self.say(
            f"{name}: {summary['ok']} ok / {summary['requests']} requests, "
            f"{summary['throughput_rps']} req/s, p50 {summary.get('p50_ms')} ms, "
            f"p95 {summary.get('p95_ms')} ms, statuses {summary['statuses']}"
        )
        return summary

    # The scenarios -----------------------------------------------------------------------
    # The scenarios -----------------------------------------------------------------------
    def code_request_phases(self) -> None:
        """With the worker consuming the SMS they queue, as in production."""
        self.locust("reference_1", "ReferenceUser", 1)
        self.locust(
            "code_request_1", "CodeRequestUser", 1, {"BENCH_PHONE_START": str(PHONES_CODE_1)}
        )
        self.locust("reference_16", "ReferenceUser", self.cfg.clients)
        self.locust(
            "code_request_16",
            "CodeRequestUser",
            self.cfg.clients,
            {"BENCH_PHONE_START": str(PHONES_CODE_16)},
        )

    def pipeline_phase(self) -> dict:
        """Request the codes with 16 clients while the (idle, ready) worker consumes; time
        from the first request to the last SMS in the delivery log (status sent, sent_at),
        and count the worker's CPU over the same span."""
        count = self.cfg.pipeline_codes
        _, worker = self.stack_procs()
        worker_cpu = cpu_seconds(worker)
        started = time.time()
        requested = self.locust(
            "pipeline_requests",
            "CodeRequestUser",
            self.cfg.clients,
            {"BENCH_PHONE_START": str(PHONES_PIPELINE)},
            limit=count,
            run_time=max(self.cfg.duration, 120),
            warmup=0,
        )
        self.sampler.phase = "pipeline"
        low, high = phone(PHONES_PIPELINE), phone(PHONES_PIPELINE + count - 1)
        query = (
            "SELECT count(*) FILTER (WHERE status = 'sent'), "
            "count(*) FILTER (WHERE status IN ('failed', 'stale')), "
            "count(*), extract(epoch FROM max(sent_at)) "
            "FROM tasks_smsdelivery WHERE phone BETWEEN %s AND %s"
        )
        bound = self.cfg.worker_concurrency / self.cfg.mean_delay
        deadline = time.monotonic() + 30 + 3 * count / bound
        dbname = stack.database_name(self.cfg.database_url)
        with psycopg.connect(
            stack.server_url(self.cfg.database_url, dbname), autocommit=True
        ) as conn:
            while True:
                sent, finished_badly, recorded, last_sent = conn.execute(
                    query, (low, high)
                ).fetchone()
                if sent + finished_badly >= recorded or time.monotonic() > deadline:
                    break
                time.sleep(0.25)
        worker_cpu = cpu_seconds(worker) - worker_cpu
        elapsed = (float(last_sent) - started) if last_sent else None
        throughput = (sent / elapsed) if elapsed else 0.0
        result = {
            "codes_requested": requested["requests"],
            "codes_accepted": requested["ok"],
            "request_statuses": requested["statuses"],
            "request_phase_s": requested["duration_s"],
            "sms_sent": sent,
            "sms_failed_or_stale": finished_badly,
            "deliveries_recorded": recorded,
            "time_to_last_sms_s": round(elapsed, 2) if elapsed else None,
            "throughput_sms_per_s": round(throughput, 2),
            "bound_sms_per_s": round(bound, 2),
            "ratio_to_bound": ratio(throughput, bound),
            "worker_concurrency": self.cfg.worker_concurrency,
            "mean_delay_s": self.cfg.mean_delay,
            "worker_cpu_s": round(worker_cpu, 3),
            "worker_cpu_ms_per_sms": round(worker_cpu * 1000 / sent, 2) if sent else None,
            "web_cpu_ms_per_request": requested["cpu_s"]["web_ms_per_request"],
        }
        self.phases["pipeline"] = result
        self.say(
            f"pipeline: {sent}/{count} SMS sent, the last {result['time_to_last_sms_s']} s "
            f"after the first request: {result['throughput_sms_per_s']} SMS/s = "
            f"{result['ratio_to_bound']} of the bound {result['bound_sms_per_s']} SMS/s; "
            f"worker CPU {result['worker_cpu_ms_per_sms']} ms per SMS"
        )
        return result

    def read_codes(self, first: int, count: int) -> list[dict]:
        """Read each phone's code (before the timed phase): from the development inbox
        where the version keeps one without DEBUG, else from the database."""

        def read(index: int) -> dict | None:
            number = phone(index)
            answer = requests.get(
                f"{self.stack.base_url}/dev/sms/", params={"phone": number}, timeout=10
            )
            if answer.status_code != 200:
                return None
            match = CODE_RE.search(answer.json()["text"])
            return {"phone": number, "code": match.group(1)} if match else None

        if read(first) is None:
            return self.codes_from_database([phone(i) for i in range(first, first + count)])
        with ThreadPoolExecutor(max_workers=4) as pool:
            found = list(pool.map(read, range(first, first + count)))
        return [pair for pair in found if pair]

    def codes_from_database(self, phones: list[str]) -> list[dict]:
        """The sent codes of `phones`, derived by the version's own code (read_codes.py)."""
        path = self.cfg.work_dir / f"{self.label}-phones.json"
        path.write_text(json.dumps(phones))
        result = subprocess.run(
            [sys.executable, str(BENCH_DIR / "read_codes.py"), str(path)],
            cwd=ROOT,
            env=self.stack.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"reading the codes failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def login_phase(self) -> None:
        codes = self.read_codes(PHONES_PIPELINE, self.cfg.pipeline_codes)
        path = self.cfg.work_dir / f"{self.label}-codes.json"
        path.write_text(json.dumps(codes))
        self.say(f"login: {len(codes)} valid codes read (development inbox or database)")
        self.locust(
            "login_16",
            "LoginUser",
            self.cfg.clients,
            {"BENCH_CODES": str(path)},
            limit=len(codes),
            run_time=max(self.cfg.duration, 60),
            # Each code logs in once, so the phase lasts only seconds.
            warmup=min(self.cfg.warmup, 0.5),
        )

    def owner_token(self, owner_phone: str) -> str:
        """Log the seeded user in through the API: request a code, read the SMS, log in."""
        base = self.stack.base_url
        answer = requests.post(f"{base}/auth/sms/", json={"phone": owner_phone}, timeout=10)
        answer.raise_for_status()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            inbox = requests.get(f"{base}/dev/sms/", params={"phone": owner_phone}, timeout=10)
            if inbox.status_code == 200:
                code = CODE_RE.search(inbox.json()["text"]).group(1)
            else:
                found = self.codes_from_database([owner_phone])
                code = found[0]["code"] if found else None
            if code:
                login = requests.post(
                    f"{base}/users/login/",
                    json={"phone": owner_phone, "password": code},
                    timeout=10,
                )
                login.raise_for_status()
                return login.json()["access"]
            time.sleep(0.2)
        raise RuntimeError("the owner's SMS did not arrive within 30 s")

    def profile_phase(self) -> None:
        owner_phone = phone(PHONE_OWNER)
        self.sampler.phase = "profile_seed"
        result = subprocess.run(
            [
                sys.executable,
                str(BENCH_DIR / "seed_referrals.py"),
                "--owner-phone",
                owner_phone,
                "--referrals",
                str(self.cfg.referrals),
            ],
            cwd=ROOT,
            env=self.stack.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"seeding failed:\n{result.stderr[-3000:]}")
        seed = json.loads(result.stdout.strip().splitlines()[-1])
        self.say(f"seeded: {seed}")
        self.phases["profile_seed"] = seed
        token = self.owner_token(owner_phone)
        self.locust(
            "profile_1",
            "ProfileUser",
            1,
            {"BENCH_TOKEN": token, "BENCH_PROFILE_PATH": f"/users/{seed['owner_id']}/"},
        )

    # One turn ---------------------------------------------------------------------------
    def run(self) -> dict:
        """Prepare, start, measure every scenario, stop; the turn's results."""
        cfg = self.cfg
        started = time.monotonic()
        self.stack.prepare()
        self.say("database migrated; starting gunicorn and the worker")
        load_before = [round(x, 2) for x in os.getloadavg()]
        try:
            self.stack.start_web()
            self.stack.start_worker()
            self.sampler.start()
            self.pipeline_phase()  # also the codes of the login phase
            if "login" in cfg.scenarios:
                self.login_phase()
            if "profile" in cfg.scenarios:
                self.profile_phase()
            if "code" in cfg.scenarios:
                # Last: the SMS queued here outnumber what the worker sends in the time.
                self.code_request_phases()
        finally:
            self.sampler.stop()
            self.stack.stop()
        self.phases["pipeline"]["db_errors_in_logs"] = self.stack.log_errors()
        sampler = self.sampler
        web_peaks = {k: v for k, v in sampler.peak_rss.items() if k.startswith("web:")}
        return {
            "label": self.label,
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "wall_s": round(time.monotonic() - started, 1),
            "phases": self.phases,
            "memory": {
                "web_worker_peak_rss_mb": sorted(round(v / 2**20, 1) for v in web_peaks.values()),
                "celery_worker_peak_rss_mb": round(sampler.peak_rss.get("worker", 0) / 2**20, 1),
                "peak_db_connections_bench": sampler.peak_db_connections,
                "peak_db_connections_server": sampler.peak_server_connections,
                "peak_rss_mb_by_phase": sampler.peak_rss_by_phase,
            },
        }


def phone(index: int) -> str:
    return f"+79{index:09d}"


# --- Figures ---------------------------------------------------------------------------------
# (key, label, unit, better): what is compared between the versions, read from one turn.
FIGURES = [
    ("code_1_web_cpu_ms", "code request, 1 client: web CPU per request", "ms", "lower"),
    ("code_1_p50_ms", "code request, 1 client: p50", "ms", "lower"),
    ("code_16_web_cpu_ms", "code request, 16 clients: web CPU per request", "ms", "lower"),
    ("code_16_worker_cpu_ms", "code request, 16 clients: worker CPU per request", "ms", "lower"),
    ("code_16_rps", "code request + SMS, 16 clients: throughput", "/s", "higher"),
    ("code_16_p50_ms", "code request + SMS, 16 clients: p50", "ms", "lower"),
    ("code_16_p95_ms", "code request + SMS, 16 clients: p95", "ms", "lower"),
    ("sms_worker_cpu_ms", "SMS pipeline: worker CPU per delivered SMS", "ms", "lower"),
    ("sms_per_s", "SMS pipeline: delivered SMS per second", "/s", "higher"),
    ("login_web_cpu_ms", "login, 16 clients: web CPU per request", "ms", "lower"),
    ("login_rps", "login, 16 clients: throughput", "/s", "higher"),
    ("login_p50_ms", "login, 16 clients: p50", "ms", "lower"),
    ("profile_web_cpu_ms", "profile, 10,000 referrals: web CPU per request", "ms", "lower"),
    ("profile_p50_ms", "profile, 10,000 referrals: p50", "ms", "lower"),
    ("reference_16_web_cpu_ms", "GET /livez, 16 clients: web CPU per request", "ms", "lower"),
    ("reference_16_rps", "GET /livez, 16 clients: throughput", "/s", "higher"),
    ("web_rss_mb", "web worker peak RSS", "MB", "lower"),
    ("worker_rss_mb", "Celery worker peak RSS", "MB", "lower"),
]


def turn_figures(turn: dict) -> dict:
    """The compared figures of one turn."""
    phases = turn["phases"]

    def cpu(name: str, key: str):
        return (phases.get(name, {}).get("cpu_s") or {}).get(key)

    def get(name: str, key: str):
        return phases.get(name, {}).get(key)

    pipeline = phases.get("pipeline", {})
    memory = turn["memory"]
    return {
        "code_1_web_cpu_ms": cpu("code_request_1", "web_ms_per_request"),
        "code_1_p50_ms": get("code_request_1", "p50_ms"),
        "code_16_web_cpu_ms": cpu("code_request_16", "web_ms_per_request"),
        "code_16_worker_cpu_ms": cpu("code_request_16", "worker_ms_per_request"),
        "code_16_rps": get("code_request_16", "throughput_rps"),
        "code_16_p50_ms": get("code_request_16", "p50_ms"),
        "code_16_p95_ms": get("code_request_16", "p95_ms"),
        "sms_worker_cpu_ms": pipeline.get("worker_cpu_ms_per_sms"),
        "sms_per_s": pipeline.get("throughput_sms_per_s"),
        "login_web_cpu_ms": cpu("login_16", "web_ms_per_request"),
        "login_rps": get("login_16", "throughput_rps"),
        "login_p50_ms": get("login_16", "p50_ms"),
        "profile_web_cpu_ms": cpu("profile_1", "web_ms_per_request"),
        "profile_p50_ms": get("profile_1", "p50_ms"),
        "reference_16_web_cpu_ms": cpu("reference_16", "web_ms_per_request"),
        "reference_16_rps": get("reference_16", "throughput_rps"),
        "web_rss_mb": max(memory["web_worker_peak_rss_mb"] or [0]) or None,
        "worker_rss_mb": memory["celery_worker_peak_rss_mb"] or None,
    }


def median(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


def compare(sides: dict[str, list[dict]]) -> list[dict]:
    """Per figure: each side's median over its turns, its turns, and the ratio A/B."""
    rows = []
    for key, label, unit, better in FIGURES:
        row = {"figure": key, "label": label, "unit": unit, "better": better}
        for side, turns in sides.items():
            values = [turn_figures(turn)[key] for turn in turns]
            row[side] = median(values)
            row[f"{side}_turns"] = values
        if "B" in sides:
            row["ratio_a_b"] = ratio(row["A"], row["B"])
        rows.append(row)
    return rows


TARGETS = [
    # (figure, goal, test): the performance goals, checked on side A.
    ("code_16_web_cpu_ms", "<= 3.5 ms", lambda v: v <= 3.5),
    ("login_web_cpu_ms", "<= 3.0 ms", lambda v: v <= 3.0),
    ("sms_worker_cpu_ms", "<= 3.0 ms", lambda v: v <= 3.0),
    ("code_16_rps", ">= 250/s", lambda v: v >= 250),
    ("code_16_p50_ms", "<= 60 ms", lambda v: v <= 60),
    ("web_rss_mb", "<= 120 MB", lambda v: v <= 120),
    ("worker_rss_mb", "<= 250 MB", lambda v: v <= 250),
]


def evaluate_targets(rows: list[dict]) -> list[dict]:
    by_key = {row["figure"]: row for row in rows}
    found = []
    for key, goal, test in TARGETS:
        value = by_key[key]["A"]
        met = None if value is None else bool(test(value))
        found.append({"figure": key, "label": by_key[key]["label"], "target": goal,
                      "value": value, "met": met})  # fmt: skip
    return found


def checks(turn: dict) -> dict:
    """What must hold in every turn whatever the speed: all answered, all delivered."""
    phases = turn["phases"]
    pipeline = phases.get("pipeline", {})
    return {
        "not_2xx": {
            name: phase.get("not_2xx")
            for name, phase in phases.items()
            if isinstance(phase, dict) and "not_2xx" in phase
        },
        "sms_sent": pipeline.get("sms_sent"),
        "sms_failed_or_stale": pipeline.get("sms_failed_or_stale"),
        "db_errors_in_logs": pipeline.get("db_errors_in_logs"),
        "profile_queries": phases.get("profile_seed", {}).get("queries"),
    }


def planned_connections(cfg: Config) -> int:
    """Connections a turn may hold at once: one per web thread and per worker thread
    (pooled or persistent), the worker's main thread, and this script's two."""
    return cfg.web_workers * cfg.web_threads + cfg.worker_concurrency + 1 + 2


def machine_before(cfg: Config) -> dict:
    with psycopg.connect(stack.server_url(cfg.database_url), autocommit=True) as conn:
        max_connections = int(conn.execute("SHOW max_connections").fetchone()[0])
        reserved = int(conn.execute("SHOW superuser_reserved_connections").fetchone()[0])
        in_use = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        ).fetchone()[0]
        server_version = conn.execute("SHOW server_version").fetchone()[0]
    planned = planned_connections(cfg)
    if planned + in_use > max_connections - reserved:
        raise SystemExit(
            f"PostgreSQL allows {max_connections} connections ({reserved} reserved) and "
            f"{in_use} are in use: not enough for {planned} more"
        )
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgres": server_version,
        "redis": redis.Redis.from_url(cfg.redis_url).info("server").get("redis_version"),
        "postgres_max_connections": max_connections,
        "postgres_superuser_reserved": reserved,
        "postgres_connections_in_use_before": in_use,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def git(*args: str, cwd: Path = ROOT) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def describe_working_tree() -> str:
    commit = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit} (working tree{', with uncommitted changes' if dirty else ''})"


@contextlib.contextmanager
def base_checkout(ref: str):
    """`ref` checked out (detached) in a temporary directory; removed afterwards."""
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    parent = Path(tempfile.mkdtemp(prefix="bench-base-"))
    path = parent / "tree"
    git("worktree", "add", "--detach", str(path), commit)
    try:
        yield path, commit[:12]
    finally:
        with contextlib.suppress(RuntimeError):
            git("worktree", "remove", "--force", str(path))
        shutil.rmtree(parent, ignore_errors=True)
        with contextlib.suppress(RuntimeError):
            git("worktree", "prune")


def load_notes(path: Path | None):
    if path is None or not path.exists():
        return None
    return json.loads(path.read_text())


def wait_for_quiet_machine(max_load: float | None, max_wait: float) -> float:
    """Wait (at most `max_wait` seconds) until the 1-minute load average is below
    `max_load`; the machine may be shared. Returns the seconds waited."""
    started = time.monotonic()
    while max_load is not None and os.getloadavg()[0] >= max_load:
        if time.monotonic() - started >= max_wait:
            print(f"[bench] load average still {os.getloadavg()[0]:.2f}; running anyway")
            break
        time.sleep(10)
    return round(time.monotonic() - started, 1)


def run_all(cfg: Config) -> dict:
    """Every turn, A B A B ..., and the comparison."""
    for url in (cfg.database_url, cfg.redis_url):
        check_loopback(url)
    cfg.work_dir.mkdir(parents=True, exist_ok=True)
    machine = machine_before(cfg)
    print(
        f"[bench] {machine['cores']} cores, load average {machine['load_average_before']}; "
        f"PostgreSQL max_connections {machine['postgres_max_connections']}, "
        f"{machine['postgres_connections_in_use_before']} in use",
        flush=True,
    )
    started = time.monotonic()
    versions = {"A": {"ref": describe_working_tree(), "root": ROOT}}
    sides: dict[str, list[dict]] = {"A": []}
    with contextlib.ExitStack() as cleanup:
        if cfg.base:
            path, commit = cleanup.enter_context(base_checkout(cfg.base))
            versions["B"] = {"ref": f"{cfg.base} = {commit}", "root": path}
            sides["B"] = []
        for round_no in range(1, cfg.rounds + 1):
            for side in sides:
                label = f"{side}{round_no}"
                print(f"[bench] turn {label}: {versions[side]['ref']}", flush=True)
                turn = Bench(cfg, versions[side]["root"] / "backend", label).run()
                turn["checks"] = checks(turn)
                sides[side].append(turn)
        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(cfg.redis_url).flushdb()
    machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    machine["bench_wall_s"] = round(time.monotonic() - started, 1)
    rows = compare(sides)
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python benchmarks/run.py", *sys.argv[1:]]),
        "versions": {side: v["ref"] for side, v in versions.items()},
        "machine": machine,
        "config": {
            **{
                k: v
                for k, v in asdict(cfg).items()
                if k not in ("work_dir", "results_dir", "notes_file")
            },
            "order": " ".join(f"{side}{n}" for n in range(1, cfg.rounds + 1) for side in sides),
            "rate_limits": "enabled; SMS_IP_HOURLY_LIMIT and SMS_HOURLY_BUDGET raised to 1e9 "
            "(one client address)",
            "gunicorn": f"backend/gunicorn.conf.py: {cfg.web_workers} processes x "
            f"{cfg.web_threads} threads (gthread), --max-requests 0",
            "celery": f"--pool=threads --concurrency={cfg.worker_concurrency}",
            "settings": "every other setting at the version's own default",
        },
        "figures": rows,
        "targets": evaluate_targets(rows),
        "turns": sides,
        "notes": load_notes(cfg.notes_file),
    }


# --- Soak (--soak): long load on gunicorn as configured for production ----------------------
SOAK_PHONES = 5_000_000


def run_soak(cfg: Config, seconds: float, clients: int, results_dir: Path | None) -> dict:
    """`clients` threads call the stack back to back for `seconds`: code requests for new
    numbers, the readiness probe, and a signed-in profile read. gunicorn runs with
    backend/gunicorn.conf.py alone (workers, threads, no recycling: production), the
    worker with its production pool. Reports failed requests (no answer: refused, reset,
    timed out), 5xx, and the RSS of each process at the start, after one minute and at
    the end."""
    cfg.work_dir.mkdir(parents=True, exist_ok=True)
    backend = ROOT / "backend"
    env = stack_env(cfg, backend)
    # Recycling is what the soak is for: GUNICORN_MAX_REQUESTS from the shell applies.
    if "GUNICORN_MAX_REQUESTS" in os.environ:
        env["GUNICORN_MAX_REQUESTS"] = os.environ["GUNICORN_MAX_REQUESTS"]
    stack.prepare_database(cfg.database_url, recreate=True)
    stack.flush_redis(cfg.redis_url)
    env["SMS_DELAY_MIN"], env["SMS_DELAY_MAX"] = "0.05", "0.1"  # the worker keeps up
    port = stack.free_port()
    base = f"http://127.0.0.1:{port}"
    logs = [open(cfg.work_dir / f"soak-{n}.log", "wb") for n in ("migrate", "web", "worker")]  # noqa: SIM115
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=backend, env=env,
                   stdout=logs[0], stderr=logs[0], check=True)  # fmt: skip
    web = subprocess.Popen([str(BIN / "gunicorn"), "project.wsgi:application", "--bind",
                            f"127.0.0.1:{port}"], cwd=backend, env=env, stdout=logs[1],
                           stderr=logs[1])  # fmt: skip
    worker = subprocess.Popen([str(BIN / "celery"), "-A", "project", "worker", "--pool=threads",
                               f"--concurrency={cfg.worker_concurrency}", "--loglevel=WARNING",
                               "-n", f"soak-{os.getpid()}@%h"], cwd=backend, env=env,
                              stdout=logs[2], stderr=logs[2])  # fmt: skip

    def processes() -> dict[str, psutil.Process]:
        procs = {
            "gunicorn-master": psutil.Process(web.pid),
            "celery-worker": psutil.Process(worker.pid),
        }
        for child in procs["gunicorn-master"].children():
            procs[f"gunicorn-worker-{child.pid}"] = child
        return procs

    def rss_mib() -> dict[str, float]:
        found = {}
        for name, proc in processes().items():
            with contextlib.suppress(psutil.NoSuchProcess):
                found[name] = round(proc.memory_info().rss / 2**20, 1)
        return found

    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + "/livez", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline or web.poll() is not None:
                raise RuntimeError("gunicorn did not start; see soak-web.log")
            time.sleep(0.3)
        # One signed-in user for the profile reads.
        owner = "+79" + f"{SOAK_PHONES - 1:09d}"
        session = requests.Session()
        session.post(base + "/auth/sms/", json={"phone": owner}, timeout=10).raise_for_status()
        code = None
        for _ in range(100):
            inbox = session.get(base + "/dev/sms/", params={"phone": owner}, timeout=5)
            if inbox.status_code == 200:
                code = CODE_RE.search(inbox.json()["text"]).group(1)
                break
            time.sleep(0.2)
        login = session.post(
            base + "/users/login/", json={"phone": owner, "password": code}, timeout=10
        )
        login.raise_for_status()
        token = login.json()["access"]

        statuses: Counter = Counter()
        failures: Counter = Counter()
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds
        counter = iter(range(SOAK_PHONES, SOAK_PHONES * 2))

        def client(_: int) -> None:
            http = requests.Session()
            headers = {"Authorization": f"Bearer {token}"}
            step = 0
            while time.monotonic() < stop_at:
                step += 1
                if step % 3 == 0:
                    call = ("GET", "/healthz", None, None)
                elif step % 3 == 1:
                    with lock:
                        index = next(counter)
                    call = ("POST", "/auth/sms/", {"phone": f"+79{index:09d}"}, None)
                else:
                    call = ("GET", "/users/me/", None, headers)
                method, path, body, extra = call
                try:
                    answer = http.request(method, base + path, json=body, headers=extra, timeout=30)
                    outcome = answer.status_code
                except requests.RequestException as exc:
                    outcome = None
                    with lock:
                        failures[f"{path} {type(exc).__name__}"] += 1
                with lock:
                    statuses[outcome] += 1

        rss_start = rss_mib()
        timeline = [{"t": 0, "rss_mib": rss_start}]

        def sample() -> None:
            started = time.monotonic()
            while time.monotonic() < stop_at:
                time.sleep(min(60.0, max(0.0, stop_at - time.monotonic())))
                timeline.append({"t": round(time.monotonic() - started), "rss_mib": rss_mib()})

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client, range(clients)))
        sampler.join(timeout=5)
        rss_end = rss_mib()
        rss_warm = timeline[1]["rss_mib"] if len(timeline) > 1 else rss_start
        growth = {
            name: round(100 * (rss_end[name] - rss_warm[name]) / rss_warm[name], 1)
            for name in rss_end
            if rss_warm.get(name)
        }
        total = sum(statuses.values())
        recycled = (
            (cfg.work_dir / "soak-web.log")
            .read_text(errors="replace")
            .count("Autorestarting worker")
        )
        result = {
            "seconds": seconds,
            "clients": clients,
            "requests": total,
            "failed_requests": statuses.get(None, 0),
            "failures": dict(failures),
            "http_5xx": sum(n for code, n in statuses.items() if code and code >= 500),
            "statuses": {str(code): n for code, n in sorted(statuses.items(), key=str)},
            "gunicorn_worker_restarts": recycled,
            "rss_mib_start": rss_start,
            "rss_mib_after_1_min": rss_warm,
            "rss_mib_end": rss_end,
            "rss_growth_after_1_min_pct": growth,
            "rss_timeline": timeline,
        }
        result["targets_met"] = (
            result["failed_requests"] == 0
            and result["http_5xx"] == 0
            and all(value <= 10 for value in growth.values())
        )
    finally:
        for proc in (worker, web):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (worker, web):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for handle in logs:
            handle.close()
    print(json.dumps({k: v for k, v in result.items() if k != "rss_timeline"}, indent=2))
    if results_dir is not None:
        results_dir.mkdir(parents=True, exist_ok=True)
        path = results_dir / f"soak-{dt.date.today().isoformat()}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"results: {path}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny run, seconds")
    parser.add_argument(
        "--soak", type=float, metavar="SECONDS", nargs="?", const=600.0, default=None,
        help="only the soak: 16 clients for SECONDS (600) against production gunicorn",
    )  # fmt: skip
    parser.add_argument("--base", help="git ref to compare the working tree with (A/B)")
    parser.add_argument(
        "--rounds", type=int, default=0, help="turns per version (default: 2 with --base, else 1)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral_bench"
        ),
        help="PostgreSQL database to (re)create for every turn",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        help="Redis database to flush and use for every turn",
    )
    parser.add_argument("--reference-path", default="/livez")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per timed phase")
    parser.add_argument("--pipeline-codes", type=int, default=600)
    parser.add_argument("--web-workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument("--web-threads", type=int, default=4, help="GUNICORN_THREADS")
    parser.add_argument(
        "--worker-concurrency", type=int, default=32, help="CELERY_WORKER_CONCURRENCY"
    )
    parser.add_argument("--work-dir", type=Path, default=BENCH_DIR / ".work")
    parser.add_argument("--results-dir", type=Path, default=BENCH_DIR / "results")
    parser.add_argument("--no-results", action="store_true", help="only print the results")
    parser.add_argument(
        "--max-load",
        type=float,
        default=None,
        help="first wait until the 1-minute load average is below this (shared machines)",
    )
    parser.add_argument("--max-wait", type=float, default=600, help="seconds, for --max-load")
    parser.add_argument("--notes", type=Path, default=BENCH_DIR / "notes.json")
    parser.add_argument(
        "--scenarios",
        type=lambda text: tuple(part for part in text.split(",") if part),
        default=SCENARIOS,
        help="a comma-separated subset of pipeline,login,profile,code (pipeline always runs)",
    )
    args = parser.parse_args(argv)
    # A timeout or Ctrl-C still runs the `finally` blocks that stop the stack.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.no_results:
        args.results_dir = None
    cfg = smoke_config(args) if args.smoke else full_config(args)
    if cfg.work_dir.exists():
        shutil.rmtree(cfg.work_dir)
    if args.soak is not None:
        result = run_soak(full_config(args), args.soak, 16, cfg.results_dir)
        return 0 if result["targets_met"] else 1
    waited = wait_for_quiet_machine(args.max_load, args.max_wait)
    results = run_all(cfg)
    results["machine"]["waited_for_load_s"] = waited
    from report import print_table, write_chart  # matplotlib is slow to import

    print_table(results)
    if cfg.results_dir is not None:
        cfg.results_dir.mkdir(parents=True, exist_ok=True)
        stem = dt.date.today().isoformat() + ("-ab" if cfg.base else "")
        json_path = cfg.results_dir / f"{stem}.json"
        json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
        write_chart(results, cfg.results_dir / f"{stem}.png")
        print(f"results: {json_path} and {json_path.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
