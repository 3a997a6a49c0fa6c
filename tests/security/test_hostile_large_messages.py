"""Large messages, whose lxml tree is released before Saxon runs: the bytes read again to
locate findings are the bytes the safe parse accepted, and nothing in them reaches a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from nif.report import StepStatus
from nif.validate import Profile, _step, validate
from nif.validate.schematron._stream import element_lines

RULES = (
    '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
    '<pattern><rule context="leak"><report test="true()">leaked</report></rule>'
    '<rule context="text()[contains(., \'secret\')]"><report test="true()">text</report>'
    "</rule></pattern></schema>"
)


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(_step, "RELEASE_TREE_BYTES", 0)
    path = tmp_path / "r.sch"
    path.write_text(RULES)
    return path


def test_an_external_entity_is_refused_before_any_tree_is_released(
    rules: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.xml"
    outside.write_text("<leak>secret</leak>")
    message = f'<!DOCTYPE r [<!ENTITY x SYSTEM "{outside.as_uri()}">]><r>&x;</r>'.encode()
    report = validate(message, Profile.from_files(schematron=[rules]))
    assert report.verdict == "invalid"
    assert [f.rule_id for f in report.findings] == ["xml.doctype"]
    assert report.steps[-1].status is StepStatus.SKIPPED


def test_the_streaming_pass_expands_no_entity(tmp_path: Path) -> None:
    outside = tmp_path / "outside.xml"
    outside.write_text("<leak>secret</leak>")
    message = f'<!DOCTYPE r [<!ENTITY x SYSTEM "{outside.as_uri()}">]><r>&x;</r>'.encode()
    leak = (("r", 1), ("leak", 1))
    assert leak not in element_lines(message, [leak])


def test_a_text_finding_on_a_released_message_reads_only_the_message(rules: Path) -> None:
    """A text location makes nif parse the message again, with the same safe parser."""
    message = b"<r>\n<a>secret</a>\n<leak/>\n</r>"
    report = validate(message, Profile.from_files(schematron=[rules]))
    assert [(f.message, f.location.line) for f in report.findings] == [
        ("text", 2),
        ("leaked", 3),
    ]
