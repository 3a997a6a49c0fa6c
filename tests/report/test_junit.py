"""JUnit XML for CI: one testsuite per message, one testcase per step."""

from __future__ import annotations

from lxml import etree

from nif.report import Report, Severity, Verdict, render_junit, render_text
from nif.validate import Profile, validate
from tests.report.conftest import handmade


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


def test_a_step_whose_errors_make_the_message_invalid_shows_as_failed() -> None:
    """Duplicate JSON keys leave the parse step passed, yet make the message invalid."""
    report = validate(b'{\n  "a": 1,\n  "a": 2\n}', Profile(()), source="dup.json")
    assert report.verdict == Verdict.INVALID
    root = etree.fromstring(render_junit(report).encode())
    failure = root.find("testsuite/testcase[@name='parse']/failure")
    assert failure is not None and "json.duplicate-key" in failure.text
    assert "failed   parse" in render_text(report, console_width=200)
