"""The summary table `python -m bench` prints from the targets its benchmarks record."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import _summary


def test_targets_are_collected_into_one_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "summary.jsonl"
    monkeypatch.setenv(_summary.SUMMARY_ENV, str(summary))
    _summary.target("XSD, 63 invoices", "0.97x", "bare lxml", ">= 0.95x", met=True)
    _summary.target("JSON | end to end", "0.5x", "raw jsonschema-rs", ">= 0.7x", met=False)
    assert "TARGET XSD, 63 invoices: 0.97x (target >= 0.95x) MET" in capsys.readouterr().out
    lines = _summary.table(summary).splitlines()
    assert lines[2] == "| XSD, 63 invoices | 0.97x | bare lxml | >= 0.95x | yes |"
    assert lines[3].endswith("| >= 0.7x | **no** |")
    assert len(lines) == 4


def test_a_benchmark_run_alone_only_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_summary.SUMMARY_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    _summary.target("path", "1x", "base", ">= 1x", met=True)
    assert list(tmp_path.iterdir()) == []
    assert _summary.table(tmp_path / "none.jsonl") == ""


def test_the_runner_refuses_an_unknown_benchmark() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "no_such_bench"], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "no benchmark named no_such_bench" in done.stderr
