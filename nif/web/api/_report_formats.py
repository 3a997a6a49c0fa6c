"""The report format of a validation answer: negotiated, then rendered off the event loop.

`?format=` wins over `Accept` so a browser link or a CI script can pick a format without
headers; an Accept naming nothing we render is a 406 rather than a JSON body nobody asked for.
A batch has no HTML rendering, so neither way may choose it for one.
"""

from __future__ import annotations

import json

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from nif.errors import UsageError
from nif.report import Report, Verdict, render_html, render_json, render_junit, render_text
from nif.web._negotiation import preferred

FORMATS = {
    "json": "application/json",
    "junit": "application/xml",
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
_ACCEPTED = {
    "application/json": "json",
    "application/*": "json",
    "*/*": "json",
    "application/xml": "junit",
    "text/xml": "junit",
    "application/junit+xml": "junit",
    "text/plain": "text",
    "text/*": "text",
    "text/html": "html",
    "application/xhtml+xml": "html",
}


def negotiate(request: Request, asked: str | None, batch: bool = False) -> str:
    """`?format=` if given, else the best of the Accept header, else JSON."""
    if asked is not None:
        if asked not in FORMATS or (batch and asked == "html"):
            known = ", ".join(f for f in FORMATS if not (batch and f == "html"))
            raise UsageError(f"format {asked!r} is not one of {known}")
        return asked
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return "json"
    for media in preferred(accept):
        fmt = _ACCEPTED.get(media)
        if fmt is not None and not (batch and fmt == "html"):
            return fmt
    raise _not_acceptable(accept)


def _not_acceptable(accept: str) -> HTTPException:
    return HTTPException(
        406,
        f"cannot answer in any type of Accept: {accept}; use application/json, "
        "application/xml (JUnit), text/plain or text/html, or ?format=",
    )


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
