"""The table (Markdown, as in benchmarks/README.md) and the chart (PNG) of a results file.

python benchmarks/report.py benchmarks/results/<date>.json [--chart]   # the table again
                                                              # (and the chart, redrawn)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _turns(values: list) -> str:
    return " / ".join(_fmt(v) for v in values)


def table(results: dict) -> str:
    versions = results["versions"]
    ab = "B" in versions
    lines = [f"A = {versions['A']}"]
    if ab:
        lines.append(f"B = {versions['B']}")
    machine = results["machine"]
    lines += [
        f"order of the turns: {results['config']['order']}; "
        f"load average {machine['load_average_before']} before, "
        f"{machine['load_average_after']} after (1, 5, 15 min); "
        f"{machine['bench_wall_s']} s in all",
        "",
    ]
    if ab:
        lines += [
            "| figure | A | B | A/B | A turns | B turns |",
            "|---|---:|---:|---:|---|---|",
        ]
    else:
        lines += ["| figure | value | turns |", "|---|---:|---|"]
    for row in results["figures"]:
        unit = row["unit"]
        label = f"{row['label']} ({unit}, {row['better']} is better)"
        if ab:
            lines.append(
                f"| {label} | {_fmt(row['A'])} | {_fmt(row['B'])} | "
                f"**{_fmt(row.get('ratio_a_b'))}** | {_turns(row['A_turns'])} | "
                f"{_turns(row['B_turns'])} |"
            )
        else:
            lines.append(f"| {label} | {_fmt(row['A'])} | {_turns(row['A_turns'])} |")
    lines += ["", "| target (version A) | value | met |", "|---|---:|---|"]
    for target in results["targets"]:
        met = {True: "yes", False: "NO", None: "-"}[target["met"]]
        lines.append(f"| {target['label']} {target['target']} | {_fmt(target['value'])} | {met} |")
    lines += ["", "| turn | not 2xx | SMS sent / failed or stale | DB errors in logs |"]
    lines.append("|---|---|---|---|")
    for turns in results["turns"].values():
        for turn in turns:
            c = turn["checks"]
            bad = {k: v for k, v in c["not_2xx"].items() if v} or "none"
            lines.append(
                f"| {turn['label']} | {bad} | {c['sms_sent']} / {c['sms_failed_or_stale']} | "
                f"{c['db_errors_in_logs']} |"
            )
    return "\n".join(lines)


def print_table(results: dict) -> None:
    print()
    print(table(results))
    print()


CHART_FIGURES = [
    ("code_16_web_cpu_ms", "code request\nweb CPU ms"),
    ("login_web_cpu_ms", "login\nweb CPU ms"),
    ("sms_worker_cpu_ms", "SMS\nworker CPU ms"),
    ("code_16_p50_ms", "code request\np50 ms (16)"),
    ("code_16_rps", "code request\nreq/s (16)"),
    ("web_rss_mb", "web worker\nRSS MB"),
    ("worker_rss_mb", "Celery worker\nRSS MB"),
]


def write_chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = {row["figure"]: row for row in results["figures"]}
    targets = {t["figure"]: t for t in results["targets"]}
    versions = results["versions"]
    fig, axes = plt.subplots(1, len(CHART_FIGURES), figsize=(2.2 * len(CHART_FIGURES), 3.6))
    for ax, (key, title) in zip(axes, CHART_FIGURES, strict=True):
        row = rows[key]
        sides = [s for s in ("B", "A") if s in versions]  # before, then after
        values = [row[s] or 0 for s in sides]
        bars = ax.bar(sides, values, color=["#999999", "#2a7ab9"][-len(sides) :])
        for bar, value in zip(bars, values, strict=True):
            ax.annotate(f"{value:.1f}", (bar.get_x() + bar.get_width() / 2, value),
                        ha="center", va="bottom", fontsize=8)  # fmt: skip
        target = targets.get(key)
        top = max([*values, 1])
        if target is not None:
            goal = float(target["target"].split()[1].rstrip("/s"))
            ax.axhline(goal, color="#c0392b", linestyle="--", linewidth=1)
            top = max(top, goal)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.set_ylim(0, top * 1.25)
    names = "; ".join(f"{side} = {ref}" for side, ref in versions.items())
    fig.suptitle(f"{names}\n(dashed: target)", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    path = Path(sys.argv[1])
    print_table(json.loads(path.read_text()))
    if "--chart" in sys.argv[2:]:
        write_chart(json.loads(path.read_text()), path.with_suffix(".png"))
