"""A report as a standalone HTML page, from the Jinja2 template `templates/report.html`."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from nif.report._display import (
    as_list,
    omitted_line,
    position,
    scenario_label,
    shown_status,
)
from nif.report._model import Finding, Report, Severity, StepResult, StepStatus, Verdict

if TYPE_CHECKING:
    import jinja2


@functools.cache
def _template() -> jinja2.Template:
    """The page's template, loaded on first use: most runs never render HTML."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("nif.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template("report.html")


@dataclasses.dataclass(frozen=True)
class _ShownFinding:
    finding: Finding
    css: str
    position: str
    path: str


@dataclasses.dataclass(frozen=True)
class _ShownStep:
    step: StepResult
    status: StepStatus
    title: str
    engine: str
    findings: list[_ShownFinding]
    omitted: str


@dataclasses.dataclass(frozen=True)
class _ShownReport:
    report: Report
    facts: list[tuple[str, str]]
    steps: list[_ShownStep]


def render_html(reports: Report | Iterable[Report]) -> str:
    """A standalone HTML page (no scripts, no external resources, everything escaped): the
    verdict, then each step with its findings and where they point (line:column, path)."""
    reports = as_list(reports)
    if len(reports) == 1:
        title = f"nif report: {reports[0].verdict} - {reports[0].source}"
        tally = ""
    else:
        title = f"nif reports: {len(reports)} messages"
        tally = ", ".join(f"{sum(1 for r in reports if r.verdict == v)} {v}" for v in Verdict)
    return _template().render(
        title=title,
        tally=tally,
        level=1 if len(reports) == 1 else 2,
        reports=[_shown(report) for report in reports],
    )


def _shown(report: Report) -> _ShownReport:
    facts = [
        ("Profile", report.profile),
        *((k.replace("_", " ").capitalize(), v) for k, v in report.context.items()),
        ("Media type", report.media_type),
        ("Size", f"{report.size:,} bytes"),
        ("SHA-256", report.sha256),
        ("Findings", ", ".join(f"{n} {name}" for name, n in report.counts.items())),
        ("Created", report.created),
        ("nif version", report.nif_version),
    ]
    steps = [
        _ShownStep(
            step,
            shown_status(report, step, findings),
            step.name
            + (f" (phase {step.phase})" if step.phase else "")
            + (f" ({scenario_label(step)})" if step.scenario else ""),
            f"{step.engine} {step.engine_version}".strip(),
            [_shown_finding(f) for f in findings],
            omitted_line(step),
        )
        for step, findings in report.findings_by_step()
    ]
    return _ShownReport(report, [(name, value) for name, value in facts if value], steps)


def _shown_finding(finding: Finding) -> _ShownFinding:
    severity = Severity(finding.severity)
    location = finding.location
    return _ShownFinding(
        finding,
        "sev-error" if severity is Severity.ERROR else str(severity),
        position(location),
        location.xpath or location.pointer or "",
    )
