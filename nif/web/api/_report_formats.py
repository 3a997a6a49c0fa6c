"""The report format of a validation answer: negotiated, then rendered off the event loop.

`?format=` wins over `Accept` so a browser link or a CI script can pick a format without
headers; an Accept naming nothing we render is a 406 rather than a JSON body nobody asked for.
A batch has no HTML rendering, so neither way may choose it for one. The KoSIT report is
chosen by `?format=kosit` only (`application/xml` already means JUnit), for one message
validated by a KoSIT configuration: it is the XML the configuration's report XSLT wrote.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from nif.errors import UsageError
from nif.report import (
    Report,
    StepStatus,
    Verdict,
    dump_json,
    render_html,
    render_json,
    render_junit,
    render_kosit,
    render_text,
)
from nif.web import _negotiation
from nif.web._errors import error_response

FORMATS = {
    "json": "application/json",
    "junit": "application/xml",
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "kosit": "application/xml",
}
ONE_MESSAGE_ONLY = ("html", "kosit")
"""Formats of one report: a batch is refused them."""
BATCH_FORMATS = [f for f in FORMATS if f not in ONE_MESSAGE_ONLY]
_OFFERS = [
    ("application/json", "json"),
    ("text/plain", "text"),
    ("application/xml", "junit"),
    ("text/xml", "junit"),
    ("application/junit+xml", "junit"),
    ("text/html", "html"),
    ("application/xhtml+xml", "html"),
]
"""The media types a report is given in, the server's preference first (so `*/*` and
`application/*` mean JSON, `text/*` plain text)."""


def negotiate(request: Request, asked: str | None, batch: bool = False) -> str:
    """`?format=` if given, else the best of the Accept header, else JSON."""
    names = {f: f for f in (BATCH_FORMATS if batch else FORMATS)}
    if batch and asked is not None and asked.strip().lower() in ONE_MESSAGE_ONLY:
        raise UsageError(
            f"format {asked.strip()!r} is one message's report: send each message to "
            f"POST /api/validate, or ask for {', '.join(BATCH_FORMATS)} (for a batch of reports)"
        )
    offers = [(media, f) for media, f in _OFFERS if f in names]
    what = "a batch of reports" if batch else "a report"
    return _negotiation.negotiate(request.headers.get("accept"), asked, offers, names, what)


INLINE_FINDINGS = 32
"""Findings of a JSON report rendered on the event loop: a few take tens of microseconds, less
than the hop to a thread and back."""


async def render(reports: Report | list[Report], fmt: str, batch: bool = False) -> Response:
    """The answer, rendered in a thread (a report with thousands of findings takes a while),
    but for a small JSON report."""
    if fmt == "kosit":
        assert isinstance(reports, Report)
        return _kosit(reports)
    if fmt == "json" and isinstance(reports, Report) and len(reports.findings) <= INLINE_FINDINGS:
        text = _text(reports, fmt, batch)
    else:
        text = await run_in_threadpool(_text, reports, fmt, batch)
    return Response(text, media_type=FORMATS[fmt])


def _kosit(report: Report) -> Response:
    """The KoSIT report as the configuration wrote it; without one (the message is not
    well-formed, a step could not run) a 422 saying why, with nif's report as its details."""
    try:
        text = render_kosit(report)
    except ValueError:
        return error_response(
            422,
            "no_kosit_report",
            f"{report.source}: no KoSIT report was produced, the verdict is {report.verdict}: "
            f"{_why(report)}",
            report.to_dict(),
        )
    return Response(text, media_type=FORMATS["kosit"])


def _why(report: Report) -> str:
    """What kept a report from a KoSIT report: the steps that could not run, else its worst
    finding (the message is not well-formed), else the steps' notes."""
    failed = [f"{s.name}: {s.error}" for s in report.steps if s.status is StepStatus.ERROR]
    if failed:
        return "; ".join(failed)
    worst = max(report.findings, key=lambda f: f.severity, default=None)
    if worst is not None:
        line = f" (line {worst.location.line})" if worst.location.line else ""
        return f"{worst.step}: {worst.message}{line}"
    return "; ".join(f"{s.name}: {s.error}" for s in report.steps if s.error) or "no step ran"


def _text(reports: Report | list[Report], fmt: str, batch: bool) -> str:
    if fmt == "json" and batch:
        assert isinstance(reports, list)
        summary = {str(v): sum(1 for r in reports if r.verdict == v) for v in Verdict}
        body = {"reports": [r.to_dict() for r in reports], "summary": summary}
        return dump_json(body)
    if fmt == "json":
        return render_json(reports)
    if fmt == "junit":
        return render_junit(reports)
    if fmt == "text":
        return render_text(reports)
    return render_html(reports)
