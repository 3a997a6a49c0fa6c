"""The report renderers: stable JSON, text for terminals, JUnit XML for CI, SVRL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from nif.report import (
    SVRL_NS,
    Finding,
    Location,
    Report,
    Severity,
    StepResult,
    StepStatus,
    Verdict,
    render_json,
    render_junit,
    render_svrl,
    render_text,
)
from nif.validate import Profile, validate
from tests.conftest import EN16931, UBL_INVOICE_XSD

EXAMPLE = EN16931 / "ubl/examples/ubl-tc434-example1.xml"
EN16931_UBL = EN16931 / "ubl/schematron/EN16931-UBL-validation.sch"
CURRENCY = b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"

LOCAL_RULES = """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">
  <ns prefix="cbc" uri="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"/>
  <ns prefix="t" uri="urn:example:nif-test"/>
  <pattern id="local">
    <rule context="cbc:DocumentCurrencyCode">
      <assert id="LOCAL-1" flag="warning" test=". = 'EUR'">Currency is <value-of select="."/></assert>
    </rule>
  </pattern>
</schema>
"""


def bad_invoice() -> bytes:
    """EN16931 example 1 in a currency its totals are not given in: BR-CO-15 fires as fatal."""
    content = EXAMPLE.read_bytes()
    assert CURRENCY in content
    return content.replace(CURRENCY, CURRENCY.replace(b"EUR", b"USD"))


@pytest.fixture(scope="module")
def report() -> Report:
    profile = Profile.from_files(xsd=UBL_INVOICE_XSD, schematron=[EN16931_UBL])
    return validate(bad_invoice(), profile, source="bad-invoice.xml")


@pytest.fixture(scope="module")
def two_rule_sets(tmp_path_factory: pytest.TempPathFactory) -> Report:
    local = tmp_path_factory.mktemp("rules") / "local.sch"
    local.write_text(LOCAL_RULES, encoding="utf-8")
    profile = Profile.from_files(schematron=[EN16931_UBL, local])
    return validate(bad_invoice(), profile, source="bad-invoice.xml")


def handmade(source: str = "m.xml") -> Report:
    """A report exercising every step status, with a message holding control characters."""
    return Report(
        source=source,
        sha256="ab" * 32,
        size=10,
        media_type="application/xml",
        verdict=Verdict.ERROR,
        findings=[
            Finding(Severity.ERROR, "xsd:a.xsd", "bad \x01 element", "cvc-1", Location(3, 7, "/a")),
            Finding(Severity.WARNING, "xsd:a.xsd", "odd element", "W-1", Location(4, None, "/a/b")),
            Finding(Severity.INFO, "codelists", "noted", "I-1", Location(pointer="/x")),
        ],
        steps=[
            StepResult("parse", "parse", "lxml", "6"),
            StepResult("xsd:a.xsd", "xsd", "libxml2", "2", StepStatus.FAILED, millis=12.5),
            StepResult("schematron:b.sch", "schematron", "saxon", "13", StepStatus.ERROR,
                       error="the rules do not compile: line 3"),
            StepResult("schematron:c.sch", "schematron", "saxon", "13", StepStatus.SKIPPED,
                       error="not run"),
        ],
    )  # fmt: skip


def test_the_fixture_report_is_a_real_en16931_failure(report: Report) -> None:
    assert report.verdict == Verdict.INVALID
    assert any(f.rule_id == "BR-CO-15" and f.severity == Severity.FATAL for f in report.findings)


def test_json_field_names_are_stable(report: Report) -> None:
    data = json.loads(render_json(report))
    assert {"verdict", "findings", "steps", "source", "sha256", "counts"} <= set(data)
    assert data["verdict"] == "invalid"
    assert data["source"] == "bad-invoice.xml"
    assert data["counts"]["fatal"] >= 1
    finding = next(f for f in data["findings"] if f["rule_id"] == "BR-CO-15")
    assert {"severity", "rule_id", "message", "location", "step"} <= set(finding)
    assert finding["severity"] == "fatal"
    assert {"line", "xpath"} <= set(finding["location"])
    step = data["steps"][-1]
    assert {"name", "kind", "engine", "engine_version", "status", "artefacts", "millis"} <= set(
        step
    )
    assert all(len(a["sha256"]) == 64 for a in step["artefacts"])
    assert "svrl" not in step


def test_a_report_comes_back_from_its_json(report: Report) -> None:
    data = json.loads(json.dumps(report.to_dict()))
    assert Report.from_dict(data).to_dict() == data


def test_json_of_several_reports_is_an_array_in_the_order_given(report: Report) -> None:
    other = handmade("first.xml")
    data = json.loads(render_json([other, report]))
    assert [d["source"] for d in data] == ["first.xml", "bad-invoice.xml"]


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


def test_junit_parses_and_counts(report: Report) -> None:
    root = etree.fromstring(render_junit([report, handmade()]).encode())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["bad-invoice.xml", "m.xml"]
    first, second = suites
    assert [c.get("name") for c in first.findall("testcase")] == [s.name for s in report.steps]
    failure = first.find("testcase/failure")
    assert failure is not None and "BR-CO-15" in failure.get("message")
    assert "BR-CO-15" in failure.text
    assert first.get("failures") == "1" and first.get("errors") == "0"
    assert (second.get("tests"), second.get("failures"), second.get("errors")) == ("5", "1", "1")
    assert second.get("skipped") == "1"
    assert root.get("tests") == str(len(report.steps) + 5)
    assert root.get("failures") == "2"
    for suite in suites:
        assert suite.find("properties/property[@name='sha256']") is not None
        for case in suite.findall("testcase"):
            float(case.get("time"))
            assert len(case.findall("failure")) + len(case.findall("error")) <= 1


def test_junit_puts_warnings_in_system_out_and_errors_in_the_failure() -> None:
    root = etree.fromstring(render_junit(handmade()).encode())
    case = root.find("testsuite/testcase[@name='xsd:a.xsd']")
    failure = case.find("failure")
    assert failure.get("type") == "error"
    assert "cvc-1" in failure.text and "3:7" in failure.text and "W-1" not in failure.text
    assert "W-1" in case.find("system-out").text
    assert "\ufffd" in failure.text, "control characters are replaced, not dropped silently"
    error = root.find("testsuite/testcase[@name='schematron:b.sch']/error")
    assert "do not compile" in error.get("message")


def test_junit_fails_a_step_on_warnings_when_the_acceptance_rule_says_so() -> None:
    report = handmade()
    report.findings = [f for f in report.findings if f.severity < Severity.ERROR]
    root = etree.fromstring(render_junit(report).encode())
    failure = root.find("testsuite/testcase[@name='xsd:a.xsd']/failure")
    assert failure.get("type") == "warning" and "W-1" in failure.text


def test_svrl_of_one_schematron_step_is_its_own(report: Report) -> None:
    step = next(s for s in report.steps if s.kind == "schematron")
    assert render_svrl(report) == step.svrl
    root = etree.fromstring(render_svrl(report).encode())
    assert root.find(f"{{{SVRL_NS}}}failed-assert[@id='BR-CO-15']") is not None


def test_svrl_of_several_steps_is_one_document_in_step_order(two_rule_sets: Report) -> None:
    root = etree.fromstring(render_svrl(two_rule_sets).encode())
    assert root.tag == f"{{{SVRL_NS}}}schematron-output"
    children = [c for c in root if isinstance(c.tag, str)]
    names = [etree.QName(c).localname for c in children]
    first_pattern = names.index("active-pattern")
    assert "ns-prefix-in-attribute-values" not in names[first_pattern:]
    prefixes = [(c.get("prefix"), c.get("uri")) for c in children[:first_pattern]]
    assert len(prefixes) == len(set(prefixes))
    assert ("t", "urn:example:nif-test") in prefixes
    asserts = [c.get("id") for c in children if names[children.index(c)] == "failed-assert"]
    assert asserts.index("BR-CO-15") < asserts.index("LOCAL-1")
    comments = [c.text for c in root if isinstance(c, etree._Comment)]
    assert any("EN16931-UBL-validation.sch" in c for c in comments)
    assert any("local.sch" in c for c in comments)


def test_svrl_needs_a_schematron_step() -> None:
    report = handmade()
    report.steps = report.steps[:2]
    with pytest.raises(ValueError, match="no Schematron step"):
        render_svrl(report)


def test_findings_by_step_matches_names_then_kinds() -> None:
    report = handmade()
    report.findings.append(Finding(Severity.ERROR, "schematron", "by kind", "K-1"))
    groups = {step.name: [f.rule_id for f in found] for step, found in report.findings_by_step()}
    assert groups["xsd:a.xsd"] == ["cvc-1", "W-1"]
    assert groups["schematron:b.sch"] == ["K-1"]
    assert groups["codelists"] == ["I-1"]
    assert list(groups)[: len(report.steps)] == [s.name for s in report.steps]


def test_text_of_a_malformed_message_says_where(tmp_path: Path) -> None:
    message = tmp_path / "broken.xml"
    message.write_bytes(b"<a>\n<b></a>")
    report = validate(message.read_bytes(), Profile(()), source=str(message))
    text = render_text(report, console_width=200)
    assert "INVALID" in text and "xml.malformed" in text and "2:" in text


def test_a_step_whose_errors_make_the_message_invalid_shows_as_failed() -> None:
    """Duplicate JSON keys leave the parse step passed, yet make the message invalid."""
    report = validate(b'{\n  "a": 1,\n  "a": 2\n}', Profile(()), source="dup.json")
    assert report.verdict == Verdict.INVALID
    root = etree.fromstring(render_junit(report).encode())
    failure = root.find("testsuite/testcase[@name='parse']/failure")
    assert failure is not None and "json.duplicate-key" in failure.text
    assert "failed   parse" in render_text(report, console_width=200)
