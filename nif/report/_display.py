"""What every renderer shows the same way: where a finding points, a step's status, the line
that says findings were cut, and text XML can hold."""

from __future__ import annotations

import re
from collections.abc import Iterable

from nif.report._model import Finding, Location, Report, Severity, StepResult, StepStatus, Verdict


def as_list(reports: Report | Iterable[Report]) -> list[Report]:
    return [reports] if isinstance(reports, Report) else list(reports)


def position(location: Location) -> str:
    """`line:column`, `line`, or "" when the finding has no line."""
    if location.line is None:
        return ""
    if location.column is None:
        return str(location.line)
    return f"{location.line}:{location.column}"


def where(location: Location) -> str:
    return " ".join(p for p in (position(location), location.xpath, location.pointer) if p)


def shown_status(report: Report, step: StepResult, findings: list[Finding]) -> StepStatus:
    """The step's status, shown as failed too when it passed but its error findings are what
    made the message invalid (the parse step reports duplicate JSON keys and goes on)."""
    status = StepStatus(step.status)
    if (
        status == StepStatus.PASSED
        and step.accepted is None
        and report.verdict == Verdict.INVALID
        and any(f.severity >= Severity.ERROR for f in findings)
    ):
        return StepStatus.FAILED
    return status


def validated_against(report: Report) -> str | None:
    """`interface civreg-birth 1.0.0, message type T (Deprecated, end of life 2025-12-31,
    successor 2.0.0)`, or None when the report names no registered interface."""
    context = report.context
    if "interface" not in context:
        return None
    line = f"interface {context['interface']}"
    if version := context.get("version"):
        line += f" {version}"
    if message_type := context.get("message_type"):
        line += f", message type {message_type}"
    lifecycle = [context["status"]] if context.get("status") else []
    if end_date := context.get("end_date"):
        lifecycle.append(f"end of life {end_date}")
    if successor := context.get("successor"):
        lifecycle.append(f"successor {successor}")
    return line + (f" ({', '.join(lifecycle)})" if lifecycle else "")


def made_by(report: Report) -> str:
    """`nif 0.1.0, 2026-03-01T09:30:00Z`: what made the report and when, as far as it says."""
    parts = [f"nif {report.nif_version}" if report.nif_version else "", report.created or ""]
    return ", ".join(p for p in parts if p)


def scenario_label(step: StepResult) -> str:
    """The KoSIT scenario a step ran and whether it accepted the message."""
    if step.accepted is None:
        return f"scenario {step.scenario}"
    return f"scenario {step.scenario}, {'accepted' if step.accepted else 'rejected'}"


def omitted_line(step: StepResult) -> str:
    """The line that says a step's findings were cut, or "" when none were."""
    count = step.findings_omitted
    if not count:
        return ""
    noun = "finding" if count == 1 else "findings"
    return f"{count:,} more {noun} not shown (the report keeps max_findings_per_step per step)"


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text XML 1.0 can hold: control characters in messages or names become U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def xml_comment(text: str) -> str:
    """The body of an XML comment saying `text` (which may not hold '--' nor end with '-')."""
    return " " + xml_text(text).replace("--", "- -").rstrip("-") + " "


def with_provenance(document: str, report: Report) -> str:
    """An engine's XML document (SVRL, KoSIT report) with a comment before its root element
    saying what made it and when, and against which version: the document itself stays the
    engine's, and readers that ignore comments read it unchanged."""
    said = "; ".join(p for p in (made_by(report), validated_against(report)) if p)
    if not said:
        return document
    comment = f"<!--{xml_comment(said)}-->\n"
    head = document.find("?>") + 2 if document.startswith("<?xml") else 0
    return document[:head] + ("\n" if head else "") + comment + document[head:].lstrip("\n")
