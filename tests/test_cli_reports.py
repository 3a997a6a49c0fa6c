"""How `nif validate` delivers reports: one HTML page for every message, and text that wraps
only on a terminal (a real process writing to a pipe keeps long paths on one line)."""

from __future__ import annotations

import html
import os
import subprocess
import sys
from pathlib import Path

from lxml import etree

from nif import __version__
from tests.conftest import ROOT
from tests.test_cli import run


def messages(folder: Path) -> dict[str, Path]:
    """A well-formed message and one that is not (its end tag does not match)."""
    paths = {"good.xml": "<order><qty>2</qty></order>\n", "bad.xml": "<order>\n<qty></order>\n"}
    for name, content in paths.items():
        (folder / name).write_text(content, encoding="utf-8")
    return {name: folder / name for name in paths}


def test_html_is_one_page_for_every_message(tmp_path: Path) -> None:
    files = messages(tmp_path)
    out = tmp_path / "report.html"
    result = run(
        "validate", files["bad.xml"], files["good.xml"], "--well-formed", "--format", "html",
        "--output", out,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    tree = etree.HTML(page)
    assert tree.findtext(".//title") == "nif reports: 2 messages"
    shown = html.unescape(page)
    assert str(files["bad.xml"]) in shown and str(files["good.xml"]) in shown
    assert "xml.malformed" in shown and "1 valid, 1 invalid, 0 error" in shown
    assert __version__ in shown
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_html_of_one_message_to_stdout(tmp_path: Path) -> None:
    result = run("validate", messages(tmp_path)["good.xml"], "--well-formed", "--format", "html")
    assert result.exit_code == 0
    assert "<title>nif report: valid - " in result.stdout


def test_text_to_a_pipe_does_not_wrap(tmp_path: Path) -> None:
    """A message deep in a CI workspace with an error: its path and each finding stay on one
    line when stdout is a pipe, however narrow the terminal the job claims."""
    folder = tmp_path.joinpath(*(f"workspace-folder-{n:02d}" for n in range(8)))
    folder.mkdir(parents=True)
    message = folder / "a-message-with-a-long-descriptive-name.xml"
    message.write_text("<order>\n  <qty>1</qty>\n</orders>\n", encoding="utf-8")
    assert len(str(message)) > 200
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "40"}
    result = subprocess.run(
        [sys.executable, "-m", "nif", "validate", str(message), "--well-formed"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["INVALID", str(message)]
    assert [line for line in lines if str(message) in line] == [lines[0]]
    assert "\x1b[" not in result.stdout
