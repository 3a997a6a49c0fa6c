"""The self-test page's side of a validation: the choice of message type, and the report as
people read it (findings grouped by step, each with the line of the message it points at).
"""

from __future__ import annotations

import base64
import dataclasses
import itertools

from nif.errors import UsageError
from nif.registry import sparql_prefixes
from nif.report import Finding, Report, StepResult, render_json, render_junit, render_kosit
from nif.store import Store

MAX_TARGETS = 500
"""Message types offered in the form's list; others are still reachable by `?interface=`."""

MAX_EDITABLE_BYTES = 256 * 1024
"""A tested message up to this size comes back in the form's text area, to edit and retest."""

MAX_LINE_CHARS = 240
"""Longest excerpt of a message line shown (a long line is cut around the finding's column)."""

_WITHDRAWN = "http://purl.org/adms/status/Withdrawn"


@dataclasses.dataclass(frozen=True)
class Target:
    """One message type of one interface version, as the form offers it."""

    interface: str
    version: str
    message_type: str

    @property
    def key(self) -> str:
        return f"{self.interface}@{self.version}/{self.message_type}"

    @classmethod
    def parse(cls, key: str) -> Target | None:
        """`INTERFACE@VERSION/MESSAGE-TYPE`, or None (detect) for an empty choice."""
        key = key.strip()
        if not key:
            return None
        interface, _, rest = key.partition("@")
        version, _, message_type = rest.partition("/")
        if not (interface and version and message_type):
            raise UsageError(
                f"message type {key!r}: expected INTERFACE@VERSION/MESSAGE-TYPE, e.g. "
                "civreg-birth@2.0.0/BirthNotification"
            )
        return cls(interface, version, message_type)


def targets(store: Store) -> list[tuple[str, list[Target]]]:
    """The message types of every version that is not withdrawn, grouped by interface, as each
    interface's own graph states them (what validation will resolve, whatever else the store
    holds)."""
    rows = store.select(
        sparql_prefixes()
        + f"""
        SELECT ?interface ?version ?type WHERE {{
          GRAPH ?g {{
            ?service dct:identifier ?interface ; dcat:hasVersion ?v .
            ?v dcat:version ?version ; nif:messageType ?m .
            ?m dct:identifier ?type .
            FILTER NOT EXISTS {{ ?v adms:status <{_WITHDRAWN}> }}
          }}
          FILTER(?service = ?g)
        }}
        ORDER BY ?interface ?version ?type
        LIMIT {MAX_TARGETS}"""
    )
    found = [Target(str(r["interface"]), str(r["version"]), str(r["type"])) for r in rows]
    return [(name, list(group)) for name, group in itertools.groupby(found, lambda t: t.interface)]


@dataclasses.dataclass(frozen=True)
class Excerpt:
    """The line a finding points at: its number and (a window of) its text."""

    number: int
    text: str
    cut_before: bool = False
    cut_after: bool = False


@dataclasses.dataclass(frozen=True)
class ShownFinding:
    finding: Finding
    excerpt: Excerpt | None


@dataclasses.dataclass(frozen=True)
class ShownStep:
    step: StepResult
    findings: list[ShownFinding]


def _lines(content: bytes) -> list[str]:
    """The message's lines as parsers count them (only LF, CRLF and CR end a line)."""
    text = content.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def excerpt(lines: list[str], line: int | None, column: int | None) -> Excerpt | None:
    """Line `line` (1-based), cut to MAX_LINE_CHARS around `column` when it is longer."""
    if line is None or not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    if len(text) <= MAX_LINE_CHARS:
        return Excerpt(line, text)
    centre = (column or 1) - 1
    start = max(0, min(centre - MAX_LINE_CHARS // 2, len(text) - MAX_LINE_CHARS))
    end = start + MAX_LINE_CHARS
    return Excerpt(line, text[start:end], start > 0, end < len(text))


def shown_steps(report: Report, content: bytes) -> list[ShownStep]:
    """The report's steps in order, each with its findings and their lines of the message."""
    lines = _lines(content)
    return [
        ShownStep(
            step,
            [ShownFinding(f, excerpt(lines, f.location.line, f.location.column)) for f in findings],
        )
        for step, findings in report.findings_by_step()
    ]


def editable(content: bytes) -> str:
    """The message as text for the form again, or "" when it is too large or not UTF-8."""
    if len(content) > MAX_EDITABLE_BYTES:
        return ""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return ""


def data_url(text: str, media_type: str) -> str:
    """A `data:` URL of `text`, so the page offers downloads without a second request."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"data:{media_type};charset=utf-8;base64,{encoded}"


def downloads(report: Report) -> dict[str, str]:
    """The report as JSON and as JUnit XML, and the KoSIT report when a KoSIT configuration
    wrote one (the worker kept it), each a data URL."""
    found = {
        "json": data_url(render_json(report), "application/json"),
        "junit": data_url(render_junit(report), "application/xml"),
    }
    if any(step.kosit_report for step in report.steps):
        found["kosit"] = data_url(render_kosit(report), "application/xml")
    return found
