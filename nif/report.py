"""The one validation report model and its renderers (json, text, junit, svrl, html).

Every validation, whether from the CLI, the service or a certification run, ends in a `Report`.
The JSON form is stable: see "Report format" in the README.
"""

from __future__ import annotations

import dataclasses
import enum
import html
import io
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

REPORT_FORMAT_VERSION = "1"


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that `max()` gives the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3
    FATAL = 4

    def __str__(self) -> str:
        return _SEVERITY_NAMES[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Map Schematron flags/roles and user input ('warn', 'information', ...) to a severity."""
        key = text.strip().lower()
        aliases = {
            "fatal": cls.FATAL,
            "error": cls.ERROR,
            "err": cls.ERROR,
            "warning": cls.WARNING,
            "warn": cls.WARNING,
            "info": cls.INFO,
            "information": cls.INFO,
            "informational": cls.INFO,
            "note": cls.INFO,
        }
        if key not in aliases:
            raise ValueError(f"unknown severity {text!r} (use fatal, error, warning or info)")
        return aliases[key]


_SEVERITY_NAMES = {s: s.name.lower() for s in Severity}
"""Looked up, not computed: every finding of every report is written with its severity."""
_WORST_FIRST = tuple(_SEVERITY_NAMES[s] for s in sorted(Severity, reverse=True))


class Verdict(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    ERROR = "error"


@dataclasses.dataclass(frozen=True)
class Location:
    """Where a finding points: line/column in the message, and an XPath or a JSON Pointer."""

    line: int | None = None
    column: int | None = None
    xpath: str | None = None
    pointer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies, and every finding of every report comes here.
        fields = (
            ("line", self.line),
            ("column", self.column),
            ("xpath", self.xpath),
            ("pointer", self.pointer),
        )
        return {k: v for k, v in fields if v is not None}


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem or remark about the message."""

    severity: Severity
    step: str
    message: str
    rule_id: str | None = None
    location: Location = Location()
    schema_location: str | None = None
    test: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": str(self.severity),
            "step": self.step,
            "rule_id": self.rule_id,
            "message": self.message,
            "location": self.location.to_dict(),
        }
        if self.schema_location is not None:
            out["schema_location"] = self.schema_location
        if self.test is not None:
            out["test"] = self.test
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """A finding back from `to_dict()`."""
        return cls(
            severity=Severity.parse(data["severity"]),
            step=data.get("step", ""),
            message=data.get("message", ""),
            rule_id=data.get("rule_id"),
            location=Location(**data.get("location", {})),
            schema_location=data.get("schema_location"),
            test=data.get("test"),
        )


@dataclasses.dataclass(frozen=True)
class ArtefactRef:
    """An artefact a step used, identified by its content hash."""

    uri: str
    sha256: str

    def to_dict(self) -> dict[str, str]:
        return {"uri": self.uri, "sha256": self.sha256}


class StepStatus(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclasses.dataclass
class StepResult:
    """What one step of a profile did: engine, artefacts, time, and why it could not run."""

    name: str
    kind: str
    engine: str
    engine_version: str
    status: StepStatus = StepStatus.PASSED
    artefacts: list[ArtefactRef] = dataclasses.field(default_factory=list)
    millis: float = 0.0
    error: str | None = None
    phase: str | None = None
    svrl: str | None = None
    findings_omitted: int = 0
    """Findings of this step left out of the report by the `max_findings_per_step` cap."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "status": str(self.status),
            "artefacts": [a.to_dict() for a in self.artefacts],
            "millis": round(self.millis, 3),
        }
        if self.phase is not None:
            out["phase"] = self.phase
        if self.error is not None:
            out["error"] = self.error
        if self.findings_omitted:
            out["findings_omitted"] = self.findings_omitted
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepResult:
        """A step back from `to_dict()` (without its SVRL, which that leaves out)."""
        return cls(
            name=data["name"],
            kind=data.get("kind", data["name"]),
            engine=data.get("engine", ""),
            engine_version=data.get("engine_version", ""),
            status=StepStatus(data.get("status", "passed")),
            artefacts=[ArtefactRef(a["uri"], a["sha256"]) for a in data.get("artefacts", ())],
            millis=float(data.get("millis", 0.0)),
            error=data.get("error"),
            phase=data.get("phase"),
            findings_omitted=int(data.get("findings_omitted", 0)),
        )


@dataclasses.dataclass
class Report:
    """The outcome of validating one message against one profile."""

    source: str
    sha256: str
    size: int
    media_type: str
    verdict: Verdict
    findings: list[Finding]
    steps: list[StepResult]
    profile: str | None = None
    context: dict[str, str] = dataclasses.field(default_factory=dict)
    omitted: dict[str, int] = dataclasses.field(default_factory=dict)
    """Findings left out of `findings` by the per-step cap, by severity name; `counts` holds
    them, so the counts stay exact however many findings were kept."""

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(_WORST_FIRST, 0)
        for finding in self.findings:
            counts[_SEVERITY_NAMES[finding.severity]] += 1
        for name, count in self.omitted.items():
            counts[name] += count
        return counts

    @property
    def truncated(self) -> bool:
        """Whether some findings were left out (see each step's `findings_omitted`)."""
        return any(self.omitted.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_format": REPORT_FORMAT_VERSION,
            "source": self.source,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "profile": self.profile,
            "context": dict(self.context),
            "verdict": str(self.verdict),
            "counts": self.counts,
            "truncated": self.truncated,
            "steps": [s.to_dict() for s in self.steps],
            "findings": [f.to_dict() for f in self.findings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """A report back from `to_dict()`: how certification runs keep the reports behind
        their cases."""
        report = cls(
            source=str(data.get("source", "")),
            sha256=str(data.get("sha256", "")),
            size=int(data.get("size", 0)),
            media_type=str(data.get("media_type", "")),
            verdict=Verdict(data.get("verdict", "error")),
            findings=[Finding.from_dict(f) for f in data.get("findings", ())],
            steps=[StepResult.from_dict(s) for s in data.get("steps", ())],
            profile=data.get("profile"),
            context=dict(data.get("context", {})),
        )
        if data.get("truncated"):
            kept = report.counts
            report.omitted = {
                name: int(count) - kept[name]
                for name, count in data.get("counts", {}).items()
                if name in kept and int(count) > kept[name]
            }
        return report

    def findings_by_step(self) -> list[tuple[StepResult, list[Finding]]]:
        """Each step with its findings, in step order.

        A finding belongs to the first step whose name, or else whose kind, its `step` names;
        a finding naming no step gets a step of its own so that no renderer drops it.
        """
        groups: list[tuple[StepResult, list[Finding]]] = [(s, []) for s in self.steps]
        by_name: dict[str, list[Finding]] = {}
        by_kind: dict[str, list[Finding]] = {}
        for step, findings in groups:
            by_name.setdefault(step.name, findings)
            by_kind.setdefault(step.kind, findings)
        orphans: dict[str, list[Finding]] = {}
        for finding in self.findings:
            target = by_name.get(finding.step)
            if target is None:
                target = by_kind.get(finding.step)
            if target is None:
                target = orphans.setdefault(finding.step, [])
            target.append(finding)
        for name, findings in orphans.items():
            failed = any(f.severity >= Severity.ERROR for f in findings)
            status = StepStatus.FAILED if failed else StepStatus.PASSED
            groups.append((StepResult(name, name, "", "", status), findings))
        return groups


def render_json(reports: Report | Iterable[Report], indent: int | None = 2) -> str:
    """One report as an object, several as an array in the order given."""
    if isinstance(reports, Report):
        return json.dumps(reports.to_dict(), indent=indent, ensure_ascii=False)
    return json.dumps([r.to_dict() for r in reports], indent=indent, ensure_ascii=False)


def _as_list(reports: Report | Iterable[Report]) -> list[Report]:
    return [reports] if isinstance(reports, Report) else list(reports)


def _position(location: Location) -> str:
    if location.line is None:
        return ""
    if location.column is None:
        return str(location.line)
    return f"{location.line}:{location.column}"


def _where(location: Location) -> str:
    return " ".join(p for p in (_position(location), location.xpath, location.pointer) if p)


def _status(report: Report, step: StepResult, findings: list[Finding]) -> StepStatus:
    """The step's status, shown as failed too when it passed but its error findings are what
    made the message invalid (the parse step reports duplicate JSON keys and goes on)."""
    status = StepStatus(step.status)
    if (
        status == StepStatus.PASSED
        and report.verdict == Verdict.INVALID
        and any(f.severity >= Severity.ERROR for f in findings)
    ):
        return StepStatus.FAILED
    return status


def _more(step: StepResult) -> str:
    """The line that says a step's findings were cut, or "" when none were."""
    count = step.findings_omitted
    if not count:
        return ""
    noun = "finding" if count == 1 else "findings"
    return f"{count:,} more {noun} not shown (the report keeps max_findings_per_step per step)"


def _finding_line(finding: Finding) -> str:
    """One finding on one line, for JUnit bodies."""
    rule = f" [{finding.rule_id}]" if finding.rule_id else ""
    where = _where(finding.location)
    return (
        f"{str(finding.severity).upper()}{rule}{' at ' + where if where else ''}: {finding.message}"
    )


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


def render_text(
    reports: Report | Iterable[Report], console_width: int | None = None, *, color: bool = False
) -> str:
    """Reports for people at a terminal: verdict, counts, then each step with its findings.

    `color` adds ANSI styles (the CLI sets it when writing to a terminal); the width defaults
    to 100 columns so that output written to files does not depend on the terminal.
    """
    from rich.console import Console
    from rich.padding import Padding
    from rich.text import Text

    reports = _as_list(reports)
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=console_width or 100,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
    )

    def indent(text: Text, level: int) -> None:
        console.print(Padding(text, (0, 0, 0, level)))

    for number, report in enumerate(reports):
        if number:
            console.print()
        verdict = Verdict(report.verdict)
        console.print(
            Text.assemble((verdict.upper(), _VERDICT_STYLE[verdict]), "  ", (report.source, "bold"))
        )
        details = [report.media_type, f"{report.size:,} bytes", f"sha256 {report.sha256[:16]}"]
        if report.profile:
            details.insert(0, f"profile {report.profile}")
        indent(Text(", ".join(details), style="dim"), 2)
        counts = Text("findings: ")
        for i, (name, count) in enumerate(report.counts.items()):
            style = _SEVERITY_STYLE[Severity.parse(name)] if count else "dim"
            counts.append(f"{', ' if i else ''}{count} {name}", style=style)
        indent(counts, 2)
        for step, findings in report.findings_by_step():
            status = _status(report, step, findings)
            head = Text.assemble((f"{status:<7}", _STATUS_STYLE[status]), "  ", (step.name, "bold"))
            if step.phase:
                head.append(f" (phase {step.phase})")
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
                where = _where(finding.location)
                if where:
                    line.append(f"  {where}", style="cyan")
                indent(line, 4)
                indent(Text(finding.message), 13)
            if step.findings_omitted:
                indent(Text(_more(step), style="bold"), 4)
    if len(reports) > 1:
        console.print()
        tally = {v: sum(1 for r in reports if r.verdict == v) for v in Verdict}
        summary = Text(f"{len(reports)} messages: ", style="bold")
        for i, (verdict, count) in enumerate(tally.items()):
            summary.append(f"{', ' if i else ''}{count} {verdict}", style=_VERDICT_STYLE[verdict])
        console.print(summary)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can hold: control characters in messages or names become U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def _failure_message(findings: list[Finding]) -> str:
    rules = sorted({f.rule_id for f in findings if f.rule_id})
    noun = "finding" if len(findings) == 1 else "findings"
    listed = ", ".join(rules[:10]) + (", ..." if len(rules) > 10 else "")
    return f"{len(findings)} {noun}" + (f": {listed}" if listed else "")


def render_junit(reports: Report | Iterable[Report]) -> str:
    """JUnit XML for CI: one testsuite per message, one testcase per step.

    A step that failed the profile's acceptance rule has one `<failure>` listing its error and
    fatal findings (or, when the rule was lowered to warnings, every finding); a step that could
    not run has an `<error>`, a skipped step `<skipped>`. Remaining findings go to `<system-out>`.
    """
    root = etree.Element("testsuites", name="nif")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    total_time = 0.0
    for report in _as_list(reports):
        suite = etree.SubElement(root, "testsuite", name=_xml_text(report.source))
        properties = etree.SubElement(suite, "properties")
        for name, value in (
            ("verdict", str(report.verdict)),
            ("sha256", report.sha256),
            ("size", str(report.size)),
            ("media_type", report.media_type),
            ("profile", report.profile),
        ):
            if value:
                etree.SubElement(properties, "property", name=name, value=_xml_text(value))
        counts = dict.fromkeys(totals, 0)
        suite_time = 0.0
        for step, findings in report.findings_by_step():
            counts["tests"] += 1
            suite_time += step.millis / 1000
            case = etree.SubElement(
                suite,
                "testcase",
                name=_xml_text(step.name),
                classname=_xml_text(report.source),
                time=f"{step.millis / 1000:.3f}",
            )
            reported: list[Finding] = []
            status = _status(report, step, findings)
            if status == StepStatus.ERROR:
                counts["errors"] += 1
                reason = _xml_text(step.error or "the step could not run")
                etree.SubElement(case, "error", message=reason, type="error").text = reason
            elif status == StepStatus.SKIPPED:
                counts["skipped"] += 1
                etree.SubElement(case, "skipped", message=_xml_text(step.error or "not run"))
            elif status == StepStatus.FAILED:
                counts["failures"] += 1
                reported = [f for f in findings if f.severity >= Severity.ERROR] or findings
                worst = max((f.severity for f in reported), default=Severity.ERROR)
                failure = etree.SubElement(
                    case, "failure", message=_failure_message(reported), type=str(worst)
                )
                lines = [_finding_line(f) for f in reported]
                failure.text = _xml_text("\n".join(filter(None, [*lines, _more(step)])))
            listed = {id(f) for f in reported}
            rest = [_finding_line(f) for f in findings if id(f) not in listed]
            if status != StepStatus.FAILED and step.findings_omitted:
                rest.append(_more(step))
            if rest:
                out = etree.SubElement(case, "system-out")
                out.text = _xml_text("\n".join(rest))
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{suite_time:.3f}")
        total_time += suite_time
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{total_time:.3f}")
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True).decode()


_HTML_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:62rem;padding:0 1rem;
color:#1a1a1a;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-top:1px solid #ccc;
padding-top:1rem}h3{font-size:1rem;margin:1.2rem 0 .4rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}code{font-family:ui-monospace,monospace;overflow-wrap:anywhere}
.verdict{display:inline-block;padding:.1rem .6rem;border-radius:.3rem;color:#fff}
.valid{background:#1e6b30}.invalid{background:#a4161a}.error{background:#6a1b9a}
.fatal,.sev-error{color:#a4161a;font-weight:600}.warning{color:#7a4d00}.info{color:#0b5394}
.status{font-weight:600}.problem{color:#6a1b9a}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _html_location(location: Location) -> tuple[str, str]:
    position = _position(location)
    path = location.xpath or location.pointer or ""
    return position, path


def _html_report(report: Report, level: int, number: int) -> list[str]:
    verdict = Verdict(report.verdict)
    h, sub = f"h{level}", f"h{level + 1}"
    out = [
        f'<section aria-labelledby="report-{number}">',
        f'<{h} id="report-{number}">'
        f'<span class="verdict {verdict}">{_e(verdict.upper())}</span> {_e(report.source)}</{h}>',
        "<dl>",
    ]
    facts = [
        ("Profile", report.profile),
        *((k.replace("_", " ").capitalize(), v) for k, v in report.context.items()),
        ("Media type", report.media_type),
        ("Size", f"{report.size:,} bytes"),
        ("SHA-256", report.sha256),
        ("Findings", ", ".join(f"{n} {name}" for name, n in report.counts.items())),
    ]
    for name, value in facts:
        if value:
            out.append(f"<dt>{_e(name)}</dt><dd>{_e(value)}</dd>")
    out.append("</dl>")
    for step, findings in report.findings_by_step():
        status = _status(report, step, findings)
        title = step.name + (f" (phase {step.phase})" if step.phase else "")
        engine = f"{step.engine} {step.engine_version}".strip()
        out.append(
            f'<{sub}>{_e(title)}: <span class="status">{_e(status)}</span></{sub}>'
            f"<p>{_e(engine) + ', ' if engine else ''}{step.millis:.1f} ms</p>"
        )
        if step.error:
            out.append(f'<p class="problem">{_e(step.error)}</p>')
        if not findings:
            continue
        out.append(
            "<table><thead><tr><th scope=col>Severity</th><th scope=col>Rule</th>"
            "<th scope=col>Line:column</th><th scope=col>Path</th><th scope=col>Message</th>"
            "</tr></thead><tbody>"
        )
        for finding in findings:
            severity = Severity(finding.severity)
            css = "sev-error" if severity is Severity.ERROR else str(severity)
            position, path = _html_location(finding.location)
            out.append(
                f'<tr><td class="{css}">{_e(severity)}</td><td><code>{_e(finding.rule_id or "")}'
                f"</code></td><td>{_e(position)}</td><td><code>{_e(path)}</code></td>"
                f"<td>{_e(finding.message)}</td></tr>"
            )
        out.append("</tbody></table>")
        if step.findings_omitted:
            out.append(f'<p class="problem">{_e(_more(step))}</p>')
    out.append("</section>")
    return out


def render_html(reports: Report | Iterable[Report]) -> str:
    """A standalone HTML page (no scripts, no external resources, everything escaped): the
    verdict, then each step with its findings and where they point (line:column, path)."""
    reports = _as_list(reports)
    if len(reports) == 1:
        title = f"nif report: {reports[0].verdict} - {reports[0].source}"
        body = _html_report(reports[0], 1, 1)
    else:
        tally = ", ".join(f"{sum(1 for r in reports if r.verdict == v)} {v}" for v in Verdict)
        title = f"nif reports: {len(reports)} messages"
        body = [f"<h1>{_e(title)}</h1>", f"<p>{_e(tally)}</p>"]
        for number, report in enumerate(reports, 1):
            body.extend(_html_report(report, 2, number))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title><style>{_HTML_STYLE}</style></head>",
            "<body><main>",
            *body,
            "</main></body></html>",
            "",
        ]
    )


SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
_SVRL_HEAD = {f"{{{SVRL_NS}}}text", f"{{{SVRL_NS}}}ns-prefix-in-attribute-values"}


def render_svrl(report: Report) -> str:
    """The SVRL of the report's Schematron steps, as one document.

    With one Schematron step this is its SVRL unchanged. With several, their outputs are merged
    into one `svrl:schematron-output`: its attributes come from the first step, the
    `svrl:text` and `svrl:ns-prefix-in-attribute-values` children of all steps come first
    (namespace declarations once each), then each step's patterns and results in step order,
    each run introduced by a comment naming the step. Steps that did not run are named in a
    comment too. Raises ValueError when no Schematron step produced SVRL.
    """
    steps = [s for s in report.steps if s.kind == "schematron"]
    produced = [s for s in steps if s.svrl]
    if not produced:
        reasons = "; ".join(f"{s.name}: {s.error or s.status}" for s in steps)
        raise ValueError(
            f"{report.source}: no Schematron step produced SVRL"
            + (f" ({reasons})" if reasons else " (the profile has no Schematron step)")
        )
    if len(steps) == 1:
        return produced[0].svrl or ""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    outputs = [(s, etree.fromstring(s.svrl.encode("utf-8"), parser)) for s in produced if s.svrl]
    first = outputs[0][1]
    nsmap: dict[str | None, str] = {}
    for _, output in outputs:
        for prefix, uri in output.nsmap.items():
            nsmap.setdefault(prefix, uri)
    merged = etree.Element(first.tag, dict(first.attrib), nsmap=nsmap)
    seen: set[tuple[str | None, str | None]] = set()
    bodies: list[etree._Element] = []
    for step, output in outputs:
        bodies.append(etree.Comment(_comment(f"nif step {step.name}" + _phase(step))))
        for child in output:
            if child.tag == f"{{{SVRL_NS}}}ns-prefix-in-attribute-values":
                key = (child.get("prefix"), child.get("uri"))
                if key not in seen:
                    seen.add(key)
                    merged.append(child)
            elif child.tag in _SVRL_HEAD:
                merged.append(child)
            else:
                bodies.append(child)
    for step in steps:
        if not step.svrl:
            reason = step.error or str(step.status)
            bodies.append(etree.Comment(_comment(f"nif step {step.name} gave no SVRL: {reason}")))
    merged.extend(bodies)
    return etree.tostring(merged, encoding="unicode", pretty_print=False)


def _phase(step: StepResult) -> str:
    return f" (phase {step.phase})" if step.phase else ""


def _comment(text: str) -> str:
    """XML comments may not hold '--' nor end with '-'."""
    return " " + _xml_text(text).replace("--", "- -").rstrip("-") + " "
