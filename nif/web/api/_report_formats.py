"""The report format of a validation answer: negotiated, then rendered off the event loop.

`?format=` wins over `Accept` so a browser link or a CI script can pick a format without
headers; an Accept naming nothing we render is a 406 rather than a JSON body nobody asked for.
A batch has no HTML rendering, so neither way may choose it for one.
"""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from nif.report import Report, Verdict, render_html, render_json, render_junit, render_text
from nif.web import _negotiation

FORMATS = {
    "json": "application/json",
    "junit": "application/xml",
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
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
    names = {f: f for f in FORMATS if not (batch and f == "html")}
    offers = [(media, f) for media, f in _OFFERS if f in names]
    what = "a batch of reports" if batch else "a report"
    return _negotiation.negotiate(request.headers.get("accept"), asked, offers, names, what)


async def render(reports: Report | list[Report], fmt: str, batch: bool = False) -> Response:
    """The answer, rendered in a thread: a report with thousands of findings takes a while."""
    text = await run_in_threadpool(_text, reports, fmt, batch)
    return Response(text, media_type=FORMATS[fmt])


def _text(reports: Report | list[Report], fmt: str, batch: bool) -> str:
    if fmt == "json" and batch:
        assert isinstance(reports, list)
        summary = {str(v): sum(1 for r in reports if r.verdict == v) for v in Verdict}
        body = {"reports": [r.to_dict() for r in reports], "summary": summary}
        return json.dumps(body, indent=2, ensure_ascii=False)
    if fmt == "json":
        return render_json(reports)
    if fmt == "junit":
        return render_junit(reports)
    if fmt == "text":
        return render_text(reports)
    return render_html(reports)
