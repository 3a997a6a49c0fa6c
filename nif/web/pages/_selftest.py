"""The self-test page's side of a validation: the choice of message type, and the report as
people read it (findings grouped by step, each with the line of the message it points at).
"""

from __future__ import annotations

import base64
import dataclasses
import itertools
import re
from collections.abc import Callable, Iterable
from typing import Any

from rdflib import URIRef

from nif.errors import UsageError
from nif.registry import sparql_prefixes, utc_today
from nif.report import (
    Finding,
    Report,
    StepResult,
    Verdict,
    render_html,
    render_json,
    render_junit,
    render_kosit,
    render_text,
)
from nif.store import Store

MAX_TARGETS = 500
"""Message types offered in the form's list; others are still reachable by `?interface=`."""

MAX_EDITABLE_BYTES = 256 * 1024
"""A tested message up to this size comes back in the form's text area, to edit and retest."""

MAX_LINE_CHARS = 240
"""Longest excerpt of a message line shown (a long line is cut around the finding's column)."""

_WITHDRAWN = "http://purl.org/adms/status/Withdrawn"
_DEPRECATED = "http://purl.org/adms/status/Deprecated"


@dataclasses.dataclass(frozen=True)
class Target:
    """One message type of one interface version, as the form offers it."""

    interface: str
    version: str
    message_type: str
    status: str | None = None
    """The version's ADMS status IRI, as the list reads it."""
    current: bool = False
    end_date: str | None = None

    @property
    def key(self) -> str:
        return f"{self.interface}@{self.version}/{self.message_type}"

    @property
    def lifecycle(self) -> str | None:
        """How the list marks the version (a `lifecycle.option_*` key): `retired` past its
        end date (today, UTC), `deprecated`, `current`, or None."""
        if self.end_date is not None and self.end_date[:10] < utc_today().isoformat():
            return "retired"
        if self.status == _DEPRECATED:
            return "deprecated"
        return "current" if self.current else None

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
    holds), with each version's status, end date and whether it is the current one."""
    rows = store.select(
        sparql_prefixes()
        + f"""
        SELECT ?interface ?version ?type ?v WHERE {{
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
    facts = _lifecycles(store, sorted({str(r["v"]) for r in rows}))
    found = [
        Target(str(r["interface"]), str(r["version"]), str(r["type"]), *facts[str(r["v"])])
        for r in rows
    ]
    return [(name, list(group)) for name, group in itertools.groupby(found, lambda t: t.interface)]


def _lifecycles(
    store: Store, versions: list[str]
) -> dict[str, tuple[str | None, bool, str | None]]:
    """(status, current, end date) of each version, from its interface's own graph: one query
    of plain branches, each limited to these versions (no OPTIONAL, which some stores evaluate
    over the whole registry first)."""
    facts: dict[str, tuple[str | None, bool, str | None]] = dict.fromkeys(
        versions, (None, False, None)
    )
    if not versions:
        return facts
    listed = " ".join(URIRef(v).n3() for v in versions)
    rows = store.select(
        sparql_prefixes()
        + f"""
        SELECT ?v ?status ?end ?current WHERE {{
          {{ VALUES ?v {{ {listed} }} GRAPH ?g {{ ?s dcat:hasVersion ?v . ?v adms:status ?status }}
             FILTER(?s = ?g) }}
          UNION
          {{ VALUES ?v {{ {listed} }} GRAPH ?g {{ ?s dcat:hasVersion ?v .
               ?v dct:temporal ?period . ?period dcat:endDate ?end }} FILTER(?s = ?g) }}
          UNION
          {{ VALUES ?v {{ {listed} }}
             GRAPH ?g {{ ?s dcat:hasCurrentVersion ?v ; dct:identifier ?current }}
             FILTER(?s = ?g) }}
        }}"""
    )
    for row in rows:
        status, current, end = facts[str(row["v"])]
        facts[str(row["v"])] = (
            str(row["status"]) if "status" in row else status,
            current or "current" in row,
            str(row["end"]) if "end" in row else end,
        )
    return facts


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


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_FORMATS: dict[str, tuple[str, str, Callable[[Any], str]]] = {
    "json": (".json", "application/json", render_json),
    "junit": (".junit.xml", "application/xml", render_junit),
    "html": (".html", "text/html", render_html),
    "text": (".txt", "text/plain", render_text),
    "kosit": (".kosit.xml", "application/xml", render_kosit),
}
FORMATS = ("json", "junit", "html", "text")
"""The formats a tested message's report downloads in (and kosit when one was written)."""


@dataclasses.dataclass(frozen=True)
class Download:
    """A report offered for download: its format (the page names it), a data URL, the file
    name and the media type."""

    format: str
    href: str
    filename: str
    media_type: str


def stem(source: str) -> str:
    """The name a report file takes after its message: `birth-2` for `dir/birth-2.xml`, only
    letters, digits, `.`, `_` and `-` (anything else becomes `_`), at most 100 characters;
    `message` for a pasted one or a name with nothing left."""
    base = source.replace("\\", "/").rsplit("/", 1)[-1]
    base = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    cleaned = _UNSAFE.sub("_", base).strip("._")[:100]
    return cleaned or "message"


def _offer(reports: Report | list[Report], fmt: str, source: str) -> Download:
    """`reports` in `fmt`, named after `source`: `stem` + the format's suffix, with `.report`
    before it when that would be the message's own name (a JSON message's JSON report)."""
    suffix, media, render = _FORMATS[fmt]
    name = stem(source) + suffix
    if name == source.replace("\\", "/").rsplit("/", 1)[-1]:
        name = f"{stem(source)}.report{suffix}"
    return Download(fmt, data_url(render(reports), media), name, media)


def downloads(report: Report, formats: Iterable[str] = FORMATS) -> list[Download]:
    """The report in `formats`, and the KoSIT report when a KoSIT configuration wrote one
    (the worker kept it): data URLs named after the message."""
    kosit = ("kosit",) if any(step.kosit_report for step in report.steps) else ()
    return [_offer(report, fmt, report.source) for fmt in (*formats, *kosit)]


BATCH_ITEM_FORMATS = ("json", "html")
"""The formats of each message's report in a zip's results (the page stays a sane size; the
whole batch downloads in every format)."""


@dataclasses.dataclass(frozen=True)
class BatchItem:
    """One message of a zip with its report, as the page shows it."""

    number: int
    report: Report
    steps: list[ShownStep]
    downloads: list[Download]


@dataclasses.dataclass(frozen=True)
class Batch:
    """A zip's results: each message's, the tally of verdicts and the whole batch's reports
    (JSON array, JUnit XML, text) named after the zip."""

    source: str
    items: list[BatchItem]
    tally: dict[str, int]
    downloads: list[Download]


def batch(source: str, messages: list[tuple[str, bytes]], reports: list[Report]) -> Batch:
    """The results of the messages of zip `source`, in archive order."""
    items = [
        BatchItem(n, report, shown_steps(report, content), downloads(report, BATCH_ITEM_FORMATS))
        for n, ((_, content), report) in enumerate(zip(messages, reports, strict=True), 1)
    ]
    tally = {str(v): sum(1 for r in reports if r.verdict == v) for v in Verdict}
    whole = [_offer(reports, fmt, source) for fmt in ("json", "junit", "text")]
    return Batch(source, items, tally, whole)
