"""The table (Markdown, as in the README) and the chart (PNG) of a benchmark results file.

python benchmarks/report.py benchmarks/results/<date>.json   # print the table again
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROWS = [
    ("code_request_1", "Code request `POST /auth/sms/`"),
    ("code_request_16", "Code request `POST /auth/sms/`"),
    ("login_16", "Login `POST /users/login/`"),
    ("profile_1", "Profile, 10,000 referrals `GET /users/<pk>/`"),
]

TARGET_RATIO = {"code_request_16": 0.30, "login_16": 0.30}


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _others(statuses: dict | None) -> str:
    others = {k: v for k, v in (statuses or {}).items() if not k.startswith("2")}
    return ", ".join(f"{k}: {v}" for k, v in others.items()) or "none"


def table(results: dict) -> str:
    scenarios = results["scenarios"]
    lines = [
        "| scenario | clients | 2xx/s | p50 ms | p95 ms | p99 ms | reference 2xx/s | "
        "reference p50 ms | throughput ratio | server CPU ms/request (reference) | not 2xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, label in ROWS:
        row = scenarios.get(key) or {}
        ref = row.get("reference") or {}
        lines.append(
            f"| {label} | {_fmt(row.get('clients'))} | {_fmt(row.get('throughput_rps'))} | "
            f"{_fmt(row.get('p50_ms'))} | {_fmt(row.get('p95_ms'))} | "
            f"{_fmt(row.get('p99_ms'))} | {_fmt(ref.get('throughput_rps'))} | "
            f"{_fmt(ref.get('p50_ms'))} | {_fmt(row.get('throughput_ratio'), 2)} | "
            f"{_fmt(row.get('server_cpu_ms_per_request'), 2)} "
            f"({_fmt(row.get('reference_server_cpu_ms_per_request'), 2)}) | "
            f"{_others(row.get('statuses'))} |"
        )
    pipeline = scenarios.get("pipeline") or {}
    lines += [
        "",
        "| SMS pipeline | value |",
        "|---|---:|",
        f"| codes requested (2xx) | {_fmt(pipeline.get('codes_accepted'))} |",
        f"| SMS sent / failed or stale | {_fmt(pipeline.get('sms_sent'))} / "
        f"{_fmt(pipeline.get('sms_failed_or_stale'))} |",
        f"| time to the last SMS | {_fmt(pipeline.get('time_to_last_sms_s'))} s |",
        f"| throughput | {_fmt(pipeline.get('throughput_sms_per_s'))} SMS/s |",
        f"| bound: concurrency {pipeline.get('worker_concurrency')} ÷ "
        f"{pipeline.get('mean_delay_s')} s | {_fmt(pipeline.get('bound_sms_per_s'))} SMS/s |",
        f"| ratio to the bound | {_fmt(pipeline.get('ratio_to_bound'), 2)} |",
        f"| database errors in the logs | {pipeline.get('db_errors_in_logs')} |",
    ]
    memory = results.get("memory") or {}
    lines += [
        "",
        "| target | value | met |",
        "|---|---|---|",
    ]
    for target in results.get("targets", []):
        value = target["value"]
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        lines.append(
            f"| {target['scenario']}: {target['target']} | {_fmt(value, 2)} | "
            f"{'yes' if target['met'] else 'NO'} |"
        )
    lines += [
        "",
        f"Peak RSS of the web workers: {memory.get('web_worker_peak_rss_mb')} MB; "
        f"of the Celery worker: {memory.get('celery_worker_peak_rss_mb')} MB. "
        f"Peak connections to the benchmark database: {memory.get('peak_db_connections_bench')}"
        f" (server-wide {memory.get('peak_db_connections_server')}).",
    ]
    return "\n".join(lines)


def print_table(results: dict) -> None:
    machine = results["machine"]
    print(
        f"\n{machine['cores']} cores ({machine.get('cpu_model')}), load average "
        f"{machine['load_average_before']} before, {machine.get('load_average_after')} after\n"
    )
    print(table(results))


def write_chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = results["scenarios"]
    labels, values, references = [], [], []
    latency = {"p50": [], "p95": [], "p99": []}
    for key, label in ROWS:
        row = scenarios.get(key) or {}
        short = label.split(" `")[0] + f"\n{row.get('clients')} client(s)"
        labels.append(short)
        values.append(row.get("throughput_rps") or 0)
        references.append((row.get("reference") or {}).get("throughput_rps") or 0)
        for q in latency:
            latency[q].append(row.get(f"{q}_ms") or 0)
    pipeline = scenarios.get("pipeline") or {}
    memory = results.get("memory") or {}

    fig, axes = plt.subplots(1, 4, figsize=(19, 5.2), gridspec_kw={"width_ratios": [4, 4, 1.4, 2]})
    xs = range(len(labels))
    width = 0.38
    ax = axes[0]
    ax.bar([x - width / 2 for x in xs], values, width, label="scenario", color="#3b75af")
    ax.bar([x + width / 2 for x in xs], references, width, label="reference /livez", color="#bbb")
    for x, value, ref in zip(xs, values, references, strict=True):
        if ref:
            ax.annotate(f"{value / ref:.0%}", (x - width / 2, value), ha="center", va="bottom")
    for x, (key, _) in zip(xs, ROWS, strict=True):
        if key in TARGET_RATIO:
            ref = references[x]
            ax.hlines(ref * TARGET_RATIO[key], x - width, x, colors="#c03d3e", linestyles="--")
    ax.plot([], [], color="#c03d3e", linestyle="--", label="target: 30 % of the reference")
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylabel("2xx answers per second")
    ax.set_title("Throughput (ratio to the reference)")
    ax.legend(fontsize=8)

    ax = axes[1]
    third = 0.26
    colors = (("p50", "#3b75af"), ("p95", "#e1812c"), ("p99", "#c03d3e"))
    for offset, (q, color) in zip((-third, 0, third), colors, strict=True):
        ax.bar([x + offset for x in xs], latency[q], third, label=q, color=color)
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylabel("ms")
    ax.set_title("Latency")
    ax.legend(fontsize=8)

    ax = axes[2]
    ax.bar(
        ["measured", "bound"],
        [pipeline.get("throughput_sms_per_s") or 0, pipeline.get("bound_sms_per_s") or 0],
        color=["#3b75af", "#bbb"],
    )
    ax.set_title(f"SMS pipeline\n{pipeline.get('ratio_to_bound')} of the bound", fontsize=10)
    ax.set_ylabel("SMS per second")

    ax = axes[3]
    webs = memory.get("web_worker_peak_rss_mb") or []
    names = [f"web {i + 1}" for i in range(len(webs))] + ["celery"]
    ax.bar(names, [*webs, memory.get("celery_worker_peak_rss_mb") or 0], color="#3b75af")
    ax.axhline(120, color="#e1812c", linestyle="--", linewidth=1, label="web target 120 MB")
    ax.axhline(250, color="#c03d3e", linestyle="--", linewidth=1, label="worker target 250 MB")
    ax.set_title("Peak RSS")
    ax.set_ylabel("MB")
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7)

    machine = results["machine"]
    fig.suptitle(
        f"{results['date']}  ·  {machine['cores']} cores  ·  load average "
        f"{machine['load_average_before'][0]} before, "
        f"{(machine.get('load_average_after') or ['?'])[0]} after",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    print_table(json.loads(Path(sys.argv[1]).read_text()))
