"""The benchmark harness still works: a tiny run against a stack it starts itself.

No timing is asserted (the machine may be busy): the run must answer every request as the
product does, deliver every SMS, and write its results file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.process  # starts other processes


ROOT = Path(__file__).resolve().parents[2]


def smoke_database_url() -> str:
    """A database of its own next to the test run's (it is dropped and re-created)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=parts.path + "_benchsmoke"))


def test_benchmark_runner_completes_a_smoke_run(tmp_path):
    out = tmp_path / "results.json"
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
        "--out",
        str(out),
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

    results = json.loads(out.read_text())
    [turn] = results["turns"]["A"]
    requests = results["config"]["requests"]
    # Fresh numbers only: every code request was accepted, its SMS delivered through the
    # sender setting, and the code it carried logged the user in.
    assert turn["code"]["statuses"] == {"201": requests}
    assert turn["code"]["sms_delivered"] == requests
    assert turn["login"]["statuses"] == {"200": requests}
    assert turn["ok"] and all(turn["checks"].values())
    assert turn["rss_mb"]["web"] and turn["rss_mb"]["worker"] > 0
    figures = {row["figure"]: row for row in results["figures"]}
    assert figures["worker_rss_mb"]["A"] == turn["rss_mb"]["worker"]
    assert "web CPU per code request" in stdout  # the table


def test_the_ab_figures_are_medians_with_ratios():
    """A/B arithmetic on two turns per version, without starting anything."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import run

    def turn(web_ms: float, sms_ms: float) -> dict:
        figures = dict.fromkeys((key for key, *_ in run.FIGURES), None)
        figures.update(code_web_cpu_ms=web_ms, sms_worker_cpu_ms=sms_ms, web_rss_mb=90.0)
        return {"figures": figures}

    rows = {
        row["figure"]: row
        for row in run.compare({"A": [turn(3.0, 2.0), turn(4.0, 4.0)], "B": [turn(7.0, 12.0)] * 2})
    }
    assert rows["code_web_cpu_ms"]["A"] == 3.5 and rows["code_web_cpu_ms"]["B"] == 7.0
    assert rows["code_web_cpu_ms"]["ratio_a_b"] == 0.5
    assert rows["sms_worker_cpu_ms"]["ratio_a_b"] == 0.25
    assert rows["web_rss_mb"]["ratio_a_b"] == 1.0
    assert rows["login_web_cpu_ms"]["A"] is None and rows["login_web_cpu_ms"]["ratio_a_b"] is None
