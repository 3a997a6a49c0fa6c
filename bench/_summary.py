"""The summary of targets `python -m bench` prints at its end: one row per target a benchmark
checks, written by the benchmark as it prints its own figures.

A benchmark calls `target(...)` once per target; when `python -m bench` runs it, the row is
appended (one JSON line) to the file `NIF_BENCH_SUMMARY` names, and the runner prints them all
as one Markdown table after the last benchmark. Run alone, a benchmark prints the row only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SUMMARY_ENV = "NIF_BENCH_SUMMARY"
COLUMNS = ("path", "now", "baseline", "target", "met")


def target(path: str, now: str, baseline: str, goal: str, met: bool) -> None:
    """Record one target: what is measured (`path`), the figure measured (`now`), what it is
    measured against in the same run (`baseline`), the target (`goal`), and whether it is met."""
    row = {"path": path, "now": now, "baseline": baseline, "target": goal, "met": met}
    print(f"  TARGET {path}: {now} (target {goal}) {'MET' if met else 'MISSED'}", flush=True)
    summary = os.environ.get(SUMMARY_ENV)
    if summary:
        with Path(summary).open("a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")


def table(summary: Path) -> str:
    """The rows recorded in `summary` as a Markdown table ("" when there are none)."""
    if not summary.is_file():
        return ""
    rows = [json.loads(line) for line in summary.read_text(encoding="utf-8").splitlines()]
    if not rows:
        return ""
    lines = ["| path | now | baseline in the same run | target | met |", "|---|---|---|---|---|"]
    for row in rows:
        met = "yes" if row["met"] else "**no**"
        lines.append(
            f"| {row['path']} | {row['now']} | {row['baseline']} | {row['target']} | {met} |"
        )
    return "\n".join(lines)
