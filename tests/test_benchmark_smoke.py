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
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=110)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    [results_file] = results_dir.glob("*.json")
    results = json.loads(results_file.read_text())
    scenarios = results["scenarios"]
    for name in ("code_request_1", "code_request_16"):
        # New phones only: every request created a user, none was refused.
        assert scenarios[name]["ok"] > 0
        assert set(scenarios[name]["statuses"]) == {"201"}
        assert scenarios[name]["reference"]["throughput_rps"] > 0
    pipeline = scenarios["pipeline"]
    assert pipeline["codes_accepted"] == pipeline["sms_sent"] == 6
    assert pipeline["sms_failed_or_stale"] == 0
    assert pipeline["db_errors_in_logs"] == {"gunicorn": 0, "celery": 0}
    # Every code read from the development inbox logged its user in.
    assert scenarios["login_16"]["statuses"] == {"200": 6}
    profile = scenarios["profile_1"]
    assert profile["referrals"] == 25
    assert set(profile["statuses"]) == {"200"}
    assert len(set(profile["queries"].values())) == 1
    memory = results["memory"]
    assert memory["web_worker_peak_rss_mb"] and memory["celery_worker_peak_rss_mb"] > 0
    assert results["machine"]["cores"] >= 1 and len(results["machine"]["load_average_after"]) == 3
    assert {t["scenario"] for t in results["targets"]} >= {"memory, Celery worker"}
    assert "| Code request" in run.stdout  # the table
    chart = results_file.with_suffix(".png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
