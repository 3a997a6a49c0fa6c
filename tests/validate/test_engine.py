"""The engine: media detection, verdicts, severity overrides, acceptance rule, fail-closed steps."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from nif.errors import UsageError
from nif.report import Severity, StepStatus
from nif.validate import Profile, StepSpec, detect_media, parse_overrides, validate
from nif.validate.schematron import load_schematron, split_phase

SCH = "http://purl.oclc.org/dsdl/schematron"
RULES = f"""<schema xmlns="{SCH}" queryBinding="xslt2"><pattern><rule context="/doc">
  <assert id="W" test="false()" role="warning">a warning</assert>
  <assert id="E" test="false()">an error</assert>
</rule></pattern></schema>"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.sch"
    path.write_text(RULES)
    return path


@pytest.mark.parametrize(
    ("content", "media"),
    [
        (b"<a/>", "xml"),
        (b"\xef\xbb\xbf  <?xml version='1.0'?><a/>", "xml"),
        ("<a/>".encode("utf-16"), "xml"),
        (b' \n{"a": 1}', "json"),
        (b"[1, 2]", "json"),
        (b"hello", None),
        (b"", None),
    ],
)
def test_detect_media(content: bytes, media: str | None):
    assert detect_media(content) == media


def test_neither_xml_nor_json_is_invalid():
    report = validate(b"PDF-1.4 ...", Profile(()))
    assert report.verdict == "invalid"
    assert report.findings[0].rule_id == "message.format"


def test_no_steps_means_well_formedness_only():
    assert validate(b"<a/>", Profile(())).verdict == "valid"
    assert validate(b"<a>", Profile(())).verdict == "invalid"
    assert validate(b'{"a": 1}', Profile(())).verdict == "valid"


def test_errors_make_invalid_and_overrides_change_that(rules: Path):
    profile = Profile.from_files(schematron=[rules])
    report = validate(b"<doc/>", profile)
    assert report.verdict == "invalid"
    assert report.counts == {"fatal": 0, "error": 1, "warning": 1, "info": 0}
    assert report.steps[-1].status is StepStatus.FAILED

    relaxed = Profile.from_files(schematron=[rules], severity_overrides={"E": Severity.WARNING})
    report = validate(b"<doc/>", relaxed)
    assert report.verdict == "valid"
    assert report.counts["warning"] == 2
    assert report.steps[-1].status is StepStatus.PASSED

    silenced = Profile.from_files(schematron=[rules], severity_overrides={"E": None})
    assert [f.rule_id for f in validate(b"<doc/>", silenced).findings] == ["W"]

    strict = Profile.from_files(
        schematron=[rules], severity_overrides={"E": None}, fail_on=Severity.WARNING
    )
    assert validate(b"<doc/>", strict).verdict == "invalid"


def test_a_step_that_cannot_compile_gives_error_even_when_parse_fails(tmp_path: Path):
    bad = tmp_path / "bad.sch"
    bad.write_text(f'<schema xmlns="{SCH}" queryBinding="xslt2"><pattern is-a="x"/></schema>')
    profile = Profile.from_files(schematron=[bad])
    assert validate(b"<doc/>", profile).verdict == "error"
    report = validate(b"<doc>", profile)
    assert report.verdict == "error"
    assert report.steps[0].status is StepStatus.FAILED


def test_steps_are_skipped_when_the_message_does_not_parse(rules: Path):
    report = validate(b"<doc", Profile.from_files(schematron=[rules]))
    assert report.verdict == "invalid"
    assert report.steps[-1].status is StepStatus.SKIPPED
    assert "could not be parsed" in report.steps[-1].error


def test_duplicate_keys_fail_the_parse_step_but_the_schema_still_runs(tmp_path: Path):
    schema = tmp_path / "s.json"
    schema.write_text('{"type": "object", "required": ["b"]}')
    report = validate(b'{"a": 1, "a": 2}', Profile.from_files(json_schema=schema))
    assert report.verdict == "invalid"
    assert report.steps[0].status is StepStatus.FAILED
    assert {f.rule_id for f in report.findings} == {"json.duplicate-key", "required"}


def test_report_names_artefacts_with_hashes(rules: Path):
    report = validate(b"<doc/>", Profile.from_files(schematron=[rules]))
    (artefact,) = report.steps[-1].artefacts
    assert artefact.uri == rules.resolve().as_uri()
    assert artefact.sha256 == load_schematron(rules).root.sha256
    assert len(report.sha256) == 64 and report.size == 6


def test_profiles_pickle_for_worker_processes(rules: Path):
    profile = Profile.from_files(schematron=[(rules, "#ALL")], severity_overrides={"E": None})
    assert pickle.loads(pickle.dumps(profile)) == profile


def test_profile_refuses_mixed_media(rules: Path, tmp_path: Path):
    schema = tmp_path / "s.json"
    schema.write_text("{}")
    with pytest.raises(UsageError, match="either XML or JSON"):
        Profile.from_files(schematron=[rules], json_schema=schema)
    with pytest.raises(UsageError, match="unknown step kind"):
        StepSpec("relaxng", load_schematron(rules))


def test_split_phase_and_overrides(rules: Path):
    assert split_phase(f"{rules}#codes") == (str(rules), "codes")
    assert split_phase(str(rules)) == (str(rules), None)
    assert parse_overrides(["BR-01=warning", "BR-02=off"]) == {
        "BR-01": Severity.WARNING,
        "BR-02": None,
    }
    with pytest.raises(UsageError, match="RULE=warning"):
        parse_overrides(["BR-01"])
    with pytest.raises(UsageError, match="unknown severity"):
        parse_overrides(["BR-01=loud"])
