"""Reports for people at a terminal, laid out by rich (imported only when text is rendered)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from nif.report._display import (
    as_list,
    made_by,
    omitted_line,
    scenario_label,
    shown_status,
    validated_against,
    where,
)
from nif.report._model import Report, Severity, StepStatus, Verdict

if TYPE_CHECKING:
    from rich.console import Console

_SEVERITY_STYLE = {
    Severity.FATAL: "bold red",
    Severity.ERROR: "red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
}
_VERDICT_STYLE = {
    Verdict.VALID: "bold green",
    Verdict.INVALID: "bold red",
    Verdict.ERROR: "bold magenta",
}
_STATUS_STYLE = {
    StepStatus.PASSED: "green",
    StepStatus.FAILED: "red",
    StepStatus.ERROR: "magenta",
    StepStatus.SKIPPED: "dim",
}


def text_console(
    buffer: io.StringIO, width: int, *, color: bool, soft_wrap: bool = False
) -> Console:
    """A rich console writing plain text (or ANSI styles with `color`) into `buffer`: no
    markup, highlighting or emoji read into what nif prints, so names print as they are."""
    from rich.console import Console

    return Console(
        file=buffer,
        width=width,
        soft_wrap=soft_wrap,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
    )


def render_text(
    reports: Report | Iterable[Report], console_width: int | None = None, *, color: bool = False
) -> str:
    """Reports for people at a terminal: verdict, counts, then each step with its findings.

    `color` adds ANSI styles (the CLI sets it when writing to a terminal). `console_width`
    wraps lines to a terminal's width; None wraps nothing, so that output written to files,
    pipes and CI logs keeps every path and message on one line (for grep).
    """
    from rich.text import Text

    reports = as_list(reports)
    buffer = io.StringIO()
    console = text_console(
        buffer, console_width or 200, color=color, soft_wrap=console_width is None
    )
    for number, report in enumerate(reports):
        if number:
            console.print()
        _print_report(console, report)
    if len(reports) > 1:
        console.print()
        tally = {v: sum(1 for r in reports if r.verdict == v) for v in Verdict}
        summary = Text(f"{len(reports)} messages: ", style="bold")
        for i, (verdict, count) in enumerate(tally.items()):
            summary.append(f"{', ' if i else ''}{count} {verdict}", style=_VERDICT_STYLE[verdict])
        console.print(summary)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _print_report(console: Console, report: Report) -> None:
    from rich.padding import Padding
    from rich.text import Text

    def indent(text: Text, level: int) -> None:
        """`text` indented; wrapped under the indent only when the console wraps at all."""
        if console.soft_wrap:
            console.print(Text.assemble(" " * level, text))
        else:
            console.print(Padding(text, (0, 0, 0, level)))

    verdict = Verdict(report.verdict)
    console.print(
        Text.assemble((verdict.upper(), _VERDICT_STYLE[verdict]), "  ", (report.source, "bold"))
    )
    details = [report.media_type, f"{report.size:,} bytes", f"sha256 {report.sha256[:16]}"]
    if report.profile:
        details.insert(0, f"profile {report.profile}")
    indent(Text(", ".join(details), style="dim"), 2)
    if (against := validated_against(report)) is not None:
        indent(Text(against), 2)
    if made := made_by(report):
        indent(Text(made, style="dim"), 2)
    counts = Text("findings: ")
    for i, (name, count) in enumerate(report.counts.items()):
        style = _SEVERITY_STYLE[Severity.parse(name)] if count else "dim"
        counts.append(f"{', ' if i else ''}{count} {name}", style=style)
    indent(counts, 2)
    for step, findings in report.findings_by_step():
        status = shown_status(report, step, findings)
        head = Text.assemble((f"{status:<7}", _STATUS_STYLE[status]), "  ", (step.name, "bold"))
        if step.phase:
            head.append(f" (phase {step.phase})")
        if step.scenario:
            head.append(f" ({scenario_label(step)})")
        if step.engine:
            head.append(f"  {step.engine} {step.engine_version}".rstrip(), style="dim")
        head.append(f"  {step.millis:.1f} ms", style="dim")
        indent(head, 2)
        if step.error:
            indent(Text(step.error, style=_STATUS_STYLE[status]), 11)
        for finding in findings:
            severity = Severity(finding.severity)
            line = Text.assemble(
                (f"{severity!s:<7}", _SEVERITY_STYLE[severity]),
                "  ",
                (finding.rule_id or "-", "bold"),
            )
            at = where(finding.location)
            if at:
                line.append(f"  {at}", style="cyan")
            indent(line, 4)
            indent(Text(finding.message), 13)
        if step.findings_omitted:
            indent(Text(omitted_line(step), style="bold"), 4)
