"""Message validation against registered interfaces: one message, or a batch.

The store work (which message type, which artefact pins) runs in a thread; the checks run in
the service's worker processes (`nif.web._pool`), so the event loop never waits on an engine.
A message problem is a report (200, verdict invalid); a request problem is a 4xx error body.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from nif.errors import DetectionError, InputError, UploadTooLargeError, UsageError
from nif.registry._profiles import MessageTypeRef, error_report
from nif.registry._validation import Chooser, Target, named_types, target
from nif.report import Report, Verdict, render_html, render_json, render_junit, render_text
from nif.web._errors import error_body
from nif.web._pool import Task
from nif.web._services import Services, ServicesDep
from nif.web._zip import MAX_BATCH_FILES, looks_zip, unzip

router = APIRouter(prefix="/api", tags=["validation"])

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


async def run_validation(
    svc: Services,
    content: bytes,
    *,
    source: str,
    interface: str | None = None,
    version: str | None = None,
    message_type: str | None = None,
) -> Report:
    """One message's report, against the type named (interface, version, message type) or
    detected. Raises a `NifError` for a bad request (unknown interface, no type matches, too
    many validations at once); a message with problems is a report with verdict invalid."""
    _check_message(content, svc, source)
    async with svc.pool.admitted():
        chosen = await run_in_threadpool(
            _choose, svc, content, source, interface, version, message_type
        )
        if isinstance(chosen, Report):
            return chosen
        return await svc.pool.validate(Task(content, source, chosen))


async def run_batch(
    svc: Services,
    messages: list[tuple[str, bytes]],
    *,
    interface: str | None = None,
    version: str | None = None,
    message_type: str | None = None,
) -> list[Report]:
    """A report per (source, content), in order. A message whose type cannot be detected gets a
    report with verdict error (invalid when not well-formed) rather than failing the batch."""
    for source, content in messages:
        if len(content) > svc.settings.max_message_bytes:
            _check_message(content, svc, source)
    async with svc.pool.admitted():
        chosen = await run_in_threadpool(
            _choose_each, svc, messages, interface, version, message_type
        )
        return list(
            await asyncio.gather(
                *(
                    svc.pool.validate(Task(content, source, pick))
                    if isinstance(pick, Target)
                    else _done(pick)
                    for (source, content), pick in zip(messages, chosen, strict=True)
                )
            )
        )


async def _done(report: Report) -> Report:
    return report


def _check_message(content: bytes, svc: Services, source: str) -> None:
    if not content:
        raise InputError(f"{source}: the message is empty")
    limit = svc.settings.max_message_bytes
    if len(content) > limit:
        raise UploadTooLargeError(
            f"{source}: {len(content)} bytes is more than the message limit of {limit} bytes "
            "(max_message_bytes)"
        )


def _chooser(
    svc: Services, interface: str | None, version: str | None, message_type: str | None
) -> Chooser:
    """Chooses among the types named, or all; the web's wording for a malformed interface."""
    if interface is not None:
        identifier, sep, pinned = interface.partition("@")
        if not identifier or (sep and not pinned):
            raise UsageError(f"interface {interface!r}: expected ID or ID@VERSION")
    among = named_types(svc.registry.store, interface, version, message_type)
    return Chooser(svc.registry.store, svc.settings, among)


def _choose(
    svc: Services,
    content: bytes,
    source: str,
    interface: str | None,
    version: str | None,
    message_type: str | None,
) -> Target | Report:
    """The message's target; a report when the message is not even well-formed (so has no
    type); `DetectionError` (422) when it is well-formed but no registered type matches."""
    chooser = _chooser(svc, interface, version, message_type)
    try:
        return target(svc.registry.store, chooser.choose(content))
    except DetectionError as exc:
        report = _undetected(svc, content, source, exc)
        if report.verdict is Verdict.INVALID:
            return report
        raise


def _choose_each(
    svc: Services,
    messages: list[tuple[str, bytes]],
    interface: str | None,
    version: str | None,
    message_type: str | None,
) -> list[Target | Report]:
    chooser = _chooser(svc, interface, version, message_type)
    targets: dict[MessageTypeRef, Target] = {}
    picks: list[Target | Report] = []
    for source, content in messages:
        try:
            ref = chooser.choose(content)
        except DetectionError as exc:
            picks.append(_undetected(svc, content, source, exc))
            continue
        if ref not in targets:
            targets[ref] = target(svc.registry.store, ref)
        picks.append(targets[ref])
    return picks


def _undetected(svc: Services, content: bytes, source: str, exc: DetectionError) -> Report:
    """Verdict invalid when the message is not well-formed (so it has no type), else error."""
    return error_report(
        content, source=source, stage="detect", error=str(exc), settings=svc.settings
    )


def _format(request: Request, asked: str | None, batch: bool = False) -> str:
    """`?format=` if given, else the best of the Accept header, else JSON."""
    if asked is not None:
        if asked not in FORMATS or (batch and asked == "html"):
            known = ", ".join(f for f in FORMATS if not (batch and f == "html"))
            raise UsageError(f"format {asked!r} is not one of {known}")
        return asked
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return "json"
    ranked = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in item.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, media.lower()))
    for _, _, media in sorted(ranked):
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


async def _render(reports: Report | list[Report], fmt: str, batch: bool = False) -> Response:
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


def _merged(
    form: FormData | None, **query: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """interface, version, message_type and format from the query and the form; the same
    parameter given twice with different values is a conflict (400)."""
    values: dict[str, str | None] = {}
    for name, value in query.items():
        given = form.get(name) if form is not None else None
        if isinstance(given, UploadFile):
            raise UsageError(f"form field {name} must be text, not a file")
        if given == "":
            given = None
        if value is not None and given is not None and value != given:
            raise UsageError(
                f"{name} is given twice: {value!r} in the query, {given!r} in the form"
            )
        chosen = value if value is not None else given
        values[name] = chosen.strip() if isinstance(chosen, str) and chosen.strip() else None
    return values["interface"], values["version"], values["message_type"], values["format"]


def _is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


async def _form(request: Request) -> FormData:
    try:
        return await request.form(max_files=MAX_BATCH_FILES, max_fields=100)
    except UploadTooLargeError:
        raise
    except Exception as exc:  # python-multipart and starlette raise several kinds
        raise InputError(f"the multipart body cannot be read: {exc}") from None


class ErrorBody(BaseModel):
    """Every refusal: a stable code and a message saying what is wrong and where."""

    status: int
    error: str
    message: str
    details: Any = None


def _error(status: int, code: str, message: str, description: str) -> dict[str, Any]:
    return {
        "model": ErrorBody,
        "description": description,
        "content": {"application/json": {"example": error_body(status, code, message)}},
    }


_REPORT_EXAMPLE = {
    "report_format": "1",
    "source": "valid-newborn.xml",
    "sha256": "3f0c…",
    "size": 812,
    "media_type": "application/xml",
    "profile": "civreg-birth@2.0.0/BirthNotification",
    "context": {
        "interface": "civreg-birth",
        "version": "2.0.0",
        "message_type": "BirthNotification",
    },
    "verdict": "invalid",
    "counts": {"fatal": 0, "error": 1, "warning": 0, "info": 0},
    "steps": [
        {
            "name": "schematron",
            "kind": "schematron",
            "engine": "Saxon-HE via saxonche",
            "engine_version": "12.5",
            "status": "failed",
            "artefacts": [{"uri": "https://…/birth.sch", "sha256": "9a1b…"}],
            "millis": 3.2,
        }
    ],
    "findings": [
        {
            "severity": "error",
            "step": "schematron",
            "rule_id": "BR-03",
            "message": "The mother must be born before the child.",
            "location": {"line": 14, "column": 5, "xpath": "/BirthNotification/Mother"},
        }
    ],
}

_ERRORS = {
    400: _error(
        400,
        "bad_request",
        "a version was given without an interface: name the interface too",
        "Empty body, conflicting or malformed parameters, unknown format",
    ),
    404: _error(
        404,
        "not_found",
        "no interface 'civreg-brith' in the registry; did you mean civreg-birth?",
        "The interface, version or message type named does not exist",
    ),
    413: _error(
        413,
        "too_large",
        "the upload is 60000000 bytes, over the limit of 52428800 bytes (max_upload_bytes)",
        "The upload is over max_upload_bytes",
    ),
    422: _error(
        422,
        "not_detected",
        "no registered message type matches root element {urn:x}Order",
        "No registered message type matches the message (the candidates are listed)",
    ),
    429: _error(
        429,
        "too_many_requests",
        "16 validations are running or queued, the limit of this service; retry shortly",
        "Too many validations at once, or too many requests from this client (Retry-After)",
    ),
}

_TEXT = {"schema": {"type": "string"}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_FIELDS = {
    "interface": {"type": "string", "description": "Interface ID or ID@VERSION"},
    "version": {"type": "string", "description": "Interface version"},
    "message_type": {"type": "string", "description": "Message type ID"},
    "format": {"type": "string", "enum": list(FORMATS)},
}


def _body(description: str, files: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {**files, **_FIELDS},
                        "required": list(files),
                    }
                },
                **raw,
            },
        }
    }


InterfaceQuery = Annotated[
    str | None,
    Query(
        description="The interface to validate against: `ID` (its current version) or "
        "`ID@VERSION`. Leave out to detect the message type from the message.",
        examples=["civreg-birth@2.0.0"],
    ),
]
VersionQuery = Annotated[
    str | None,
    Query(description="The interface version, when `interface` is a bare ID.", examples=["2.0.0"]),
]
MessageTypeQuery = Annotated[
    str | None,
    Query(
        description="The message type, when the version has several and detection should "
        "not choose.",
        examples=["BirthNotification"],
    ),
]


@router.post(
    "/validate",
    summary="Validate one message",
    description=(
        "Validate one XML or JSON message against a registered interface, named by "
        "`interface` (and `version`, `message_type`) or detected from the message (root "
        "element, discriminators). Send the message as the raw body or as the multipart field "
        "`file`; the parameters may also be form fields. The report comes as JSON (default), "
        "JUnit XML, text or HTML, by `Accept` or `format`. A message with problems is a 200 "
        "with verdict `invalid`; a check that could not run (e.g. over the time limit) is a "
        "200 with verdict `error`."
    ),
    responses={
        200: {
            "description": "The validation report",
            "content": {
                "application/json": {"example": _REPORT_EXAMPLE},
                "application/xml": _TEXT,
                "text/plain": _TEXT,
                "text/html": _TEXT,
            },
        },
        **_ERRORS,
    },
    openapi_extra=_body(
        "The message: raw (any media type) or the multipart field `file`.",
        {"file": {"type": "string", "format": "binary", "description": "The message"}},
        {"application/xml": _TEXT, "application/json": _TEXT, "application/octet-stream": _BINARY},
    ),
)
async def validate_message(
    request: Request,
    svc: ServicesDep,
    interface: InterfaceQuery = None,
    version: VersionQuery = None,
    message_type: MessageTypeQuery = None,
    format: Annotated[
        Literal["json", "junit", "text", "html"] | None,
        Query(description="The report format (json, junit, text or html); overrides `Accept`."),
    ] = None,
) -> Response:
    form = await _form(request) if _is_multipart(request) else None
    interface, version, message_type, fmt = _merged(
        form, interface=interface, version=version, message_type=message_type, format=format
    )
    chosen = _format(request, fmt)
    if form is not None:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InputError("the multipart body has no file field 'file' holding the message")
        content = await upload.read()
        source = upload.filename or "file"
    else:
        content = await request.body()
        source = "request body"
    report = await run_validation(
        svc,
        content,
        source=source,
        interface=interface,
        version=version,
        message_type=message_type,
    )
    return await _render(report, chosen)


@router.post(
    "/validate/batch",
    summary="Validate several messages",
    description=(
        "Validate several messages: the multipart field `files` repeated, or one zip archive "
        "(raw body with `Content-Type: application/zip`, or as the only file). Zip entries that "
        "are directories, hidden or under `__MACOSX` are ignored; an entry whose name leaves "
        f"the archive (`..`, absolute) is refused; at most {MAX_BATCH_FILES} messages and "
        "max_upload_bytes uncompressed. One report per message, in order: JSON "
        '`{"reports": [...], "summary": {"valid", "invalid", "error"}}`, JUnit XML or text. A '
        "message whose type cannot be detected gets a report with verdict `error` (`invalid` "
        "when not well-formed)."
    ),
    responses={
        200: {
            "description": "One report per message and a tally of the verdicts",
            "content": {
                "application/json": {
                    "example": {
                        "reports": [_REPORT_EXAMPLE],
                        "summary": {"valid": 0, "invalid": 1, "error": 0},
                    }
                },
                "application/xml": _TEXT,
                "text/plain": _TEXT,
            },
        },
        **_ERRORS,
    },
    openapi_extra=_body(
        "The messages: multipart field `files` (repeat it), or a zip archive.",
        {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
        {"application/zip": _BINARY},
    ),
)
async def validate_batch(
    request: Request,
    svc: ServicesDep,
    interface: InterfaceQuery = None,
    version: VersionQuery = None,
    message_type: MessageTypeQuery = None,
    format: Annotated[
        Literal["json", "junit", "text"] | None,
        Query(description="The report format (json, junit or text); overrides `Accept`."),
    ] = None,
) -> Response:
    form = await _form(request) if _is_multipart(request) else None
    interface, version, message_type, fmt = _merged(
        form, interface=interface, version=version, message_type=message_type, format=format
    )
    chosen = _format(request, fmt, batch=True)
    messages = await _messages(request, form, svc.settings.max_upload_bytes)
    reports = await run_batch(
        svc, messages, interface=interface, version=version, message_type=message_type
    )
    return await _render(reports, chosen, batch=True)


async def _messages(
    request: Request, form: FormData | None, max_bytes: int
) -> list[tuple[str, bytes]]:
    """(source, content) for each message of a batch request, in order."""
    if form is None:
        content = await request.body()
        if not content:
            raise InputError("the request body is empty: send a zip, or files as multipart")
        if not looks_zip(content, request.headers.get("content-type")):
            raise InputError(
                "a batch is several files (multipart field 'files') or one zip archive; "
                "the body is neither"
            )
        return await run_in_threadpool(unzip, content, max_bytes)
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if len(uploads) != len(form.getlist("files")):
        raise InputError("multipart field 'files' must hold files, not text")
    if not uploads:
        raise InputError("the multipart body has no file field 'files' holding the messages")
    messages = [(u.filename or f"file {i + 1}", await u.read()) for i, u in enumerate(uploads)]
    if len(messages) == 1 and looks_zip(messages[0][1], uploads[0].content_type):
        return await run_in_threadpool(unzip, messages[0][1], max_bytes)
    return messages
