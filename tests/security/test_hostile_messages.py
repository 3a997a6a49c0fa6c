"""Hostile messages get a clear answer: huge numbers, floods of findings, runaway patterns.

Each test reproduces a finding of issue 11 §4 and fails on the code before it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from nif.report import (
    Report,
    Severity,
    Verdict,
    render_html,
    render_json,
    render_junit,
    render_text,
)
from nif.settings import Settings
from nif.validate import Profile, validate
from tests.conftest import ROOT
from tests.test_cli import nif_process
from tests.web import conftest as web
from tests.web.conftest import LiveServer

demo_home, make_server = web.demo_home, web.make_server  # the fixtures, for this module
ADDRESS = ROOT / "registry/interfaces/civreg-address/examples/1.0.0/AddressLookupRequest"

XSD11_PATTERN = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1">
  <xs:element name="m">
    <xs:simpleType>
      <xs:restriction base="xs:string"><xs:pattern value="(a|aa)+b"/></xs:restriction>
    </xs:simpleType>
  </xs:element>
</xs:schema>
"""
NO_ATTRIBUTES = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="m"><xs:complexType/></xs:element>
</xs:schema>
"""
BACKTRACKING = "(a|aa)+(?=b)b|c$"
"""The lookahead makes jsonschema-rs use fancy-regex, which backtracks on the first
alternative until its limit before the second one could match."""


def json_profile(tmp_path: Path, schema: dict) -> Profile:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    return Profile.from_files(json_schema=path)


# --- numbers Python's int and float cannot hold -------------------------------------------------


def test_an_integer_of_5000_digits_is_validated_not_a_crash(tmp_path: Path) -> None:
    properties = {"n": {"type": "integer", "maximum": 5}, "s": {"type": "string"}}
    profile = json_profile(tmp_path, {"type": "object", "properties": properties})
    huge = b"9" * 5000
    report = validate(b'{"n": ' + huge + b',\n "s": 1}', profile)
    assert report.verdict == Verdict.INVALID
    number, after = report.findings
    assert number.location.pointer == "/n" and "maximum of 5" in number.message
    assert (number.location.line, number.location.column) == (1, 7)
    assert (after.location.line, after.location.column) == (2, 7), "located past the number"
    assert validate(b'{"n": -' + huge + b"}", profile).verdict == Verdict.VALID


def test_numbers_past_a_float_keep_their_value(tmp_path: Path) -> None:
    """1e400 used to become infinity, which jsonschema-rs saw as null ("not a number")."""
    profile = json_profile(tmp_path, {"type": "number", "exclusiveMinimum": 0})
    assert validate(b"1e400", profile).verdict == Verdict.VALID
    assert validate(b"1e-400", profile).verdict == Verdict.VALID, "not rounded to 0"
    assert validate(b"-1e400", profile).verdict == Verdict.INVALID


@pytest.mark.slow
def test_the_cli_answers_a_huge_integer_with_a_report(tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text('{"type": "integer", "minimum": 0}', encoding="utf-8")
    message = tmp_path / "big.json"
    message.write_bytes(b"-" + b"1" * 4301)
    done = nif_process("validate", "--json-schema", schema, "--format", "json", message)
    assert "Traceback" not in done.stderr and done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "invalid"
    assert "less than the minimum of 0" in report["findings"][0]["message"]


def test_the_service_answers_a_huge_integer_with_a_report(
    make_server: Callable[..., LiveServer],
) -> None:
    """The worker used to die on it (and be respawned): the report said only that."""
    request = json.loads((ADDRESS / "valid-tax-assessment.json").read_text(encoding="utf-8"))
    text = json.dumps({**request, "extra": 1}).replace(": 1}", ": " + "7" * 4400 + "}")
    live = make_server(validation_workers=1)
    with live.client() as client:
        answer = client.post(
            "/api/validate", content=text, headers={"Content-Type": "application/json"}
        )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["verdict"] == "invalid", report["steps"]
    (finding,) = report["findings"]
    assert "'extra'" in finding["message"] and finding["location"]["line"] == 1


# --- fail closed when the regular expression engine gives up -------------------------------------


def test_a_pattern_past_the_backtracking_limit_is_an_error_not_invalid(tmp_path: Path) -> None:
    profile = json_profile(tmp_path, {"type": "string", "pattern": BACKTRACKING})
    report = validate(json.dumps("a" * 60 + "c").encode(), profile)
    assert report.verdict == Verdict.ERROR, "the string matches: invalid would be false"
    step = report.steps[-1]
    assert step.status == "error" and "backtracking limit" in (step.error or "")
    assert "/pattern" in (step.error or "")
    assert validate(b'"x"', profile).verdict == Verdict.INVALID, "a plain mismatch still decides"


@pytest.mark.parametrize(
    "schema",
    [
        {"not": {"pattern": BACKTRACKING}},
        {"anyOf": [{"pattern": BACKTRACKING}, {"type": "number"}]},
        {"propertyNames": {"pattern": BACKTRACKING}},
    ],
    ids=["not", "anyOf", "propertyNames"],
)
def test_the_backtracking_limit_is_an_error_under_any_keyword(tmp_path: Path, schema: dict) -> None:
    value = "a" * 60 + "c"
    instance = {value: 1} if "propertyNames" in schema else value
    report = validate(json.dumps(instance).encode(), json_profile(tmp_path, schema))
    assert report.verdict == Verdict.ERROR


# --- reports are bounded --------------------------------------------------------------------------


def duplicated_keys(count: int) -> bytes:
    return b"{" + b",".join(b'"k": 1' for _ in range(count)) + b"}"


@pytest.mark.slow
def test_a_flood_of_duplicate_keys_makes_a_bounded_report() -> None:
    content = duplicated_keys(180_000)  # 1.2 MB: a 61 MB report before
    assert len(content) > 1_200_000
    report = validate(content, Profile(()), settings=Settings(max_findings_per_step=100))
    assert report.verdict == Verdict.INVALID
    assert report.counts["error"] == 179_999, "counts stay exact"
    assert len(report.findings) == 100 and report.truncated
    assert report.steps[0].findings_omitted == 179_899
    text = render_json(report)
    assert len(text) < 100 * 1000, "about a kilobyte per kept finding"
    data = json.loads(text)
    assert data["truncated"] is True and data["counts"]["error"] == 179_999
    assert data["steps"][0]["findings_omitted"] == 179_899
    assert Report.from_dict(data).counts == report.counts
    for render in (render_text, render_junit, render_html):
        assert "179,899 more findings not shown" in render(report), render.__name__


@pytest.mark.slow
def test_a_flood_of_xml_attributes_makes_a_bounded_report(tmp_path: Path) -> None:
    schema = tmp_path / "m.xsd"
    schema.write_text(NO_ATTRIBUTES, encoding="utf-8")
    attributes = b" ".join(b'a%d="1"' % i for i in range(200_000))
    content = b"<m " + attributes + b"/>"  # 2.3 MB: a 60 MB report before
    assert len(content) > 2_250_000
    report = validate(content, Profile.from_files(xsd=schema))
    assert report.verdict == Verdict.INVALID
    assert report.counts["error"] == 200_000
    assert len(report.findings) == Settings().validation.max_findings_per_step == 1000
    assert report.steps[1].findings_omitted == 199_000
    assert len(render_json(report)) < 1000 * 1000


def test_the_cap_does_not_change_the_verdict(tmp_path: Path) -> None:
    """The step fails on its whole list: a warning kept does not hide the error cut after it."""
    schema = tmp_path / "schema.json"
    schema.write_text('{"properties": {"a": {"type": "string"}, "b": {"minimum": 5}}}')
    profile = Profile.from_files(json_schema=schema, severity_overrides={"type": Severity.WARNING})
    message = b'{"a": 1, "b": 1}'
    whole = validate(message, profile)
    cut = validate(message, profile, settings=Settings(max_findings_per_step=1))
    assert [f.severity for f in whole.findings] == [Severity.WARNING, Severity.ERROR]
    assert [f.severity for f in cut.findings] == [Severity.WARNING]
    assert cut.verdict == whole.verdict == Verdict.INVALID
    assert cut.counts == whole.counts and cut.truncated and not whole.truncated
    unlimited = Settings(max_findings_per_step=0)
    assert not validate(duplicated_keys(2000), Profile(()), settings=unlimited).truncated


# --- the CLI stops a runaway step at its time limit -----------------------------------------------


@pytest.mark.slow
def test_the_cli_kills_a_step_past_its_time_limit(tmp_path: Path) -> None:
    """`(a|aa)+b` took 13.8 s on 41 characters; on 60 it would run for days. The check is
    killed at --timeout (plus a margin), and the messages after it, the next one in the same
    chunk of files included, are still checked by a new worker. The subprocess timeout only
    keeps the old code from hanging the suite."""
    schema = tmp_path / "pattern.xsd"
    schema.write_text(XSD11_PATTERN, encoding="utf-8")
    runaway = tmp_path / "runaway.xml"
    runaway.write_text(f"<m>{'a' * 60}</m>", encoding="utf-8")
    fine = []
    for number in range(33):  # 34 files on one worker go two by two
        fine.append(tmp_path / f"fine{number}.xml")
        fine[-1].write_text("<m>aab</m>", encoding="utf-8")
    done = nif_process(
        "validate",
        "--xsd",
        schema,
        "--timeout",
        "1",
        "-j",
        "1",
        "--format",
        "json",
        runaway,
        *fine,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    stopped, *checked = json.loads(done.stdout)
    assert stopped["verdict"] == "error" and stopped["source"] == str(runaway)
    assert [r["verdict"] for r in checked] == ["valid"] * 33
    assert [r["source"] for r in checked] == [str(p) for p in fine]
    (step,) = stopped["steps"]
    assert step["name"] == "xsd:pattern.xsd" and step["status"] == "error"
    assert "time limit of 1 s" in step["error"] and "killed" in step["error"]


def test_the_self_test_page_says_findings_were_cut(make_server: Callable[..., LiveServer]) -> None:
    """The page lists the kept findings and says how many more the report left out."""
    live = make_server(validation_workers=1, max_findings_per_step=2)
    request = (ADDRESS / "valid-tax-assessment.json").read_bytes()
    flood = b'{"k": 1, "k": 2, "k": 3, "k": 4, "k": 5, ' + request.lstrip()[1:]
    with live.client() as client:
        answer = client.post(
            "/self-test",
            data={"target": "civreg-address@1.0.0/AddressLookupRequest"},
            files={"file": ("flood.json", flood, "application/json")},
        )
    assert answer.status_code == 200, answer.text
    parse = answer.text.split("<h3>Reading the message ")[1].split("<h3>")[0]
    assert parse.count('class="finding ') == 2, "four duplicate keys, two shown"
    assert "2 more findings not shown" in parse
