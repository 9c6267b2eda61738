"""The benchmark harness still works: a tiny run against a stack it starts itself.

No timing is asserted (the machine may be busy); the run must complete every scenario with
the answers the product gives and write a results file and its chart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def smoke_database_url() -> str:
    """A database of its own next to the test run's (it is dropped and re-created)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=parts.path + "_benchsmoke"))


def test_benchmark_runner_completes_a_smoke_run(tmp_path):
    results_dir = tmp_path / "results"
    command = [
        sys.executable,
        "benchmarks/run.py",
        "--smoke",
        "--database-url",
        smoke_database_url(),
        "--redis-url",
        os.environ["REDIS_URL"],
        "--work-dir",
        str(tmp_path / "work"),
        "--results-dir",
        str(results_dir),
        "--notes",
        str(tmp_path / "no-notes.json"),
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = process.communicate(timeout=170)
    except subprocess.TimeoutExpired:
        process.terminate()  # the runner stops the stack it started, then exits
        stdout, stderr = process.communicate(timeout=60)
        raise AssertionError("the smoke run took longer than 170 s:\n" + stdout[-4000:]) from None
    assert process.returncode == 0, stdout[-4000:] + stderr[-4000:]

    [results_file] = results_dir.glob("*.json")
    results = json.loads(results_file.read_text())
    [turn] = results["turns"]["A"]
    phases = turn["phases"]
    for name in ("code_request_1", "code_request_16"):
        # New phones only: every request created a user, none was refused.
        assert phases[name]["ok"] > 0
        assert set(phases[name]["statuses"]) == {"201"}
    assert phases["reference_16"]["throughput_rps"] > 0
    pipeline = phases["pipeline"]
    assert pipeline["codes_accepted"] == pipeline["sms_sent"] == 6
    assert pipeline["sms_failed_or_stale"] == 0
    assert pipeline["db_errors_in_logs"] == {"gunicorn": 0, "celery": 0}
    assert pipeline["worker_cpu_ms_per_sms"] > 0
    # Every code read from the development inbox logged its user in.
    assert phases["login_16"]["statuses"] == {"200": 6}
    assert phases["profile_seed"]["referrals"] == 25
    assert set(phases["profile_1"]["statuses"]) == {"200"}
    assert len(set(phases["profile_seed"]["queries"].values())) == 1
    memory = turn["memory"]
    assert memory["web_worker_peak_rss_mb"] and memory["celery_worker_peak_rss_mb"] > 0
    assert results["machine"]["cores"] >= 1 and len(results["machine"]["load_average_after"]) == 3
    figures = {row["figure"]: row for row in results["figures"]}
    assert figures["sms_worker_cpu_ms"]["A"] == pipeline["worker_cpu_ms_per_sms"]
    assert {t["figure"] for t in results["targets"]} >= {"code_16_web_cpu_ms", "worker_rss_mb"}
    assert "| SMS pipeline: worker CPU per delivered SMS" in stdout  # the table
    chart = results_file.with_suffix(".png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_ab_figures_are_medians_with_ratios():
    """A/B arithmetic on two turns per version, without starting anything."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import run

    def turn(web_ms: float, sms_ms: float) -> dict:
        return {
            "phases": {
                "code_request_16": {"cpu_s": {"web_ms_per_request": web_ms}},
                "pipeline": {"worker_cpu_ms_per_sms": sms_ms},
            },
            "memory": {"web_worker_peak_rss_mb": [90.0, 91.0], "celery_worker_peak_rss_mb": 100.0},
        }

    rows = {
        row["figure"]: row
        for row in run.compare({"A": [turn(3.0, 2.0), turn(4.0, 4.0)], "B": [turn(7.0, 12.0)] * 2})
    }
    assert rows["code_16_web_cpu_ms"]["A"] == 3.5 and rows["code_16_web_cpu_ms"]["B"] == 7.0
    assert rows["code_16_web_cpu_ms"]["ratio_a_b"] == 0.5
    assert rows["sms_worker_cpu_ms"]["ratio_a_b"] == 0.25
    assert rows["web_rss_mb"]["A"] == 91.0 and rows["login_rps"]["ratio_a_b"] is None
    targets = {t["figure"]: t["met"] for t in run.evaluate_targets(list(rows.values()))}
    assert targets["code_16_web_cpu_ms"] is True and targets["sms_worker_cpu_ms"] is True
    assert targets["login_web_cpu_ms"] is None  # not measured: neither met nor missed


def test_the_instruction_count_harness_runs_its_scenarios(tmp_path):
    """benchmarks/instructions.py's counted process, without valgrind (which makes it
    slow): both scenarios answer as the product does, and a refusal stops the run."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import instructions

    url = smoke_database_url().replace("_benchsmoke", "_instrsmoke")
    env = instructions.version_env(url, os.environ["REDIS_URL"])
    instructions.stack.prepare_database(url, recreate=True)
    instructions.stack.migrate(ROOT / "backend", env)

    def inner(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "benchmarks/instructions.py", "--inner", *args],
            cwd=ROOT,
            env={**env, "PYTHONPATH": str(ROOT / "backend")},
            capture_output=True,
            text=True,
            timeout=120,
        )

    for args in (("code", "3", "0", "10000000"), ("login", "3", "3", "20000000")):
        done = inner(*args)
        assert done.returncode == 0, done.stderr[-3000:]
    again = inner("code", "1", "0", "10000000")  # the same phones again: refused
    assert again.returncode == 1 and "answered 429 Too Many Requests, not 201" in again.stderr
