"""JUnit XML for CI: one testsuite per message, one testcase per step."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from nif.report._display import as_list, omitted_line, shown_status, where, xml_text
from nif.report._model import Finding, Report, Severity, StepResult, StepStatus


def _failure_message(findings: list[Finding]) -> str:
    rules = sorted({f.rule_id for f in findings if f.rule_id})
    noun = "finding" if len(findings) == 1 else "findings"
    listed = ", ".join(rules[:10]) + (", ..." if len(rules) > 10 else "")
    return f"{len(findings)} {noun}" + (f": {listed}" if listed else "")


def _finding_line(finding: Finding) -> str:
    """One finding on one line, for JUnit bodies."""
    rule = f" [{finding.rule_id}]" if finding.rule_id else ""
    at = where(finding.location)
    return f"{str(finding.severity).upper()}{rule}{' at ' + at if at else ''}: {finding.message}"


_COUNTS = ("tests", "failures", "errors", "skipped")


def render_junit(reports: Report | Iterable[Report]) -> str:
    """JUnit XML for CI: one testsuite per message, one testcase per step.

    A step that failed the profile's acceptance rule has one `<failure>` listing its error and
    fatal findings (or, when the rule was lowered to warnings, every finding); a step that could
    not run has an `<error>`, a skipped step `<skipped>`. Remaining findings go to `<system-out>`.
    """
    root = etree.Element("testsuites", name="nif")
    totals = dict.fromkeys(_COUNTS, 0)
    total_time = 0.0
    for report in as_list(reports):
        counts, seconds = _suite(root, report)
        for key, count in counts.items():
            totals[key] += count
        total_time += seconds
    for key, count in totals.items():
        root.set(key, str(count))
    root.set("time", f"{total_time:.3f}")
    xml: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return xml.decode()


def _suite(root: etree._Element, report: Report) -> tuple[dict[str, int], float]:
    """The report's testsuite, with its counts and its time in seconds."""
    suite = etree.SubElement(root, "testsuite", name=xml_text(report.source))
    if report.created:  # JUnit's timestamp is local ISO 8601 without a zone: here, UTC
        suite.set("timestamp", report.created.removesuffix("Z"))
    properties = etree.SubElement(suite, "properties")
    for name, value in (
        ("verdict", str(report.verdict)),
        ("sha256", report.sha256),
        ("size", str(report.size)),
        ("media_type", report.media_type),
        ("profile", report.profile),
        *report.context.items(),
        ("created", report.created),
        ("nif_version", report.nif_version),
        *((f"engine.{s.name}", f"{s.engine} {s.engine_version}".strip()) for s in report.steps),
    ):
        if value:
            etree.SubElement(properties, "property", name=name, value=xml_text(value))
    counts = dict.fromkeys(_COUNTS, 0)
    seconds = 0.0
    for step, findings in report.findings_by_step():
        counts["tests"] += 1
        seconds += step.millis / 1000
        counted = _case(suite, report, step, findings)
        if counted:
            counts[counted] += 1
    for key, count in counts.items():
        suite.set(key, str(count))
    suite.set("time", f"{seconds:.3f}")
    return counts, seconds


def _case(suite: etree._Element, report: Report, step: StepResult, findings: list[Finding]) -> str:
    """The step's testcase; what it counts as ("failures", "errors", "skipped") or ""."""
    case = etree.SubElement(
        suite,
        "testcase",
        name=xml_text(step.name),
        classname=xml_text(report.source),
        time=f"{step.millis / 1000:.3f}",
    )
    counted = ""
    reported: list[Finding] = []
    status = shown_status(report, step, findings)
    if status == StepStatus.ERROR:
        counted = "errors"
        reason = xml_text(step.error or "the step could not run")
        etree.SubElement(case, "error", message=reason, type="error").text = reason
    elif status == StepStatus.SKIPPED:
        counted = "skipped"
        etree.SubElement(case, "skipped", message=xml_text(step.error or "not run"))
    elif status == StepStatus.FAILED:
        counted = "failures"
        reported = [f for f in findings if f.severity >= Severity.ERROR] or findings
        worst = max((f.severity for f in reported), default=Severity.ERROR)
        failure = etree.SubElement(
            case, "failure", message=_failure_message(reported), type=str(worst)
        )
        lines = [_finding_line(f) for f in reported]
        failure.text = xml_text("\n".join(filter(None, [*lines, omitted_line(step)])))
    listed = {id(f) for f in reported}
    rest = [_finding_line(f) for f in findings if id(f) not in listed]
    if status != StepStatus.FAILED and step.findings_omitted:
        rest.append(omitted_line(step))
    if rest:
        etree.SubElement(case, "system-out").text = xml_text("\n".join(rest))
    return counted
