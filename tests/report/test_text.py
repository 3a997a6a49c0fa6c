"""Text for terminals: verdict, counts, steps and findings, colour only when asked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from nif.report import Report, render_text
from nif.validate import Profile, validate
from tests.report.conftest import handmade


def test_text_shows_verdict_counts_steps_and_findings(report: Report) -> None:
    text = render_text(report, console_width=300)
    fatal = next(f for f in report.findings if f.rule_id == "BR-CO-15")
    lines = text.splitlines()
    assert lines[0].split() == ["INVALID", "bad-invoice.xml"]
    assert "1 fatal" in text
    finding_line = next(line for line in lines if "BR-CO-15" in line and "fatal" in line)
    assert f"{fatal.location.line}" in finding_line
    assert fatal.location.xpath in finding_line
    assert "[BR-CO-15]" in text, "square brackets in messages are text, not rich markup"
    assert "Saxon" in text and "ms" in text
    assert "\x1b[" not in text


def test_text_groups_findings_under_their_step() -> None:
    lines = render_text(handmade(), console_width=200).splitlines()
    xsd = next(i for i, line in enumerate(lines) if "xsd:a.xsd" in line)
    sch = next(i for i, line in enumerate(lines) if "schematron:b.sch" in line)
    cvc = next(i for i, line in enumerate(lines) if "cvc-1" in line)
    assert xsd < cvc < sch
    assert "3:7 /a" in lines[cvc]
    assert any("the rules do not compile" in line for line in lines[sch:])
    assert any("I-1" in line and "/x" in line for line in lines), "a finding of no known step"


def test_text_colour_only_when_asked(report: Report) -> None:
    assert "\x1b[" in render_text(report, color=True)


def test_text_sums_up_several_messages(report: Report) -> None:
    text = render_text([report, handmade()], console_width=200)
    assert text.rstrip().splitlines()[-1] == "2 messages: 0 valid, 1 invalid, 1 error"


def test_text_wraps_to_the_width() -> None:
    assert max(len(line) for line in render_text(handmade(), console_width=40).splitlines()) <= 40


def test_text_of_a_malformed_message_says_where(tmp_path: Path) -> None:
    message = tmp_path / "broken.xml"
    message.write_bytes(b"<a>\n<b></a>")
    report = validate(message.read_bytes(), Profile(()), source=str(message))
    text = render_text(report, console_width=200)
    assert "INVALID" in text and "xml.malformed" in text and "2:" in text


def test_text_without_a_width_wraps_nothing() -> None:
    """Written to a file, a pipe or a CI log, a long path and message stay on one line each."""
    source = "/builds/agency/ci/" + "/".join(f"folder-{n:02d}" for n in range(20)) + "/m.xml"
    long = "an element that is far too long to fit " * 8
    made = handmade(source)
    first = dataclasses.replace(made.findings[0], message=long)
    report = dataclasses.replace(made, findings=[first, *made.findings[1:]])
    lines = render_text(report).splitlines()
    assert lines[0].split() == ["ERROR", source]
    assert any(line.strip() == long.strip() for line in lines)
    assert any(line.startswith("    error") and "3:7 /a" in line for line in lines)
    wrapped = render_text(report, console_width=80).splitlines()
    assert max(len(line) for line in wrapped) <= 80
