"""Message validation against registered interfaces: one message, or a batch.

The store work (which message type, which artefact pins) runs in a thread; the checks run in
the service's worker processes (`nif.web._pool`), so the event loop never waits on an engine.
A message problem is a report (200, verdict invalid); a request problem is a 4xx error body.
Reading the request is `_validation_request`; negotiating and rendering the answer,
`_report_formats`. The raw KoSIT report leaves the worker only for a client that asks for it
(`?format=kosit`, or the self-test page on a KoSIT version): reports stay small otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from nif.errors import DetectionError, InputError, UploadTooLargeError, UsageError
from nif.registry import (
    NIF_TECHNIQUE,
    Chooser,
    Target,
    error_report,
    named_types,
    with_finding,
)
from nif.report import Finding, Report, Verdict
from nif.web._pool import Task
from nif.web._services import Services, ServicesDep, services
from nif.web._zip import MAX_BATCH_FILES
from nif.web.api._report_formats import BATCH_FORMATS, FORMATS, negotiate, render
from nif.web.api._validation_openapi import BINARY, ERRORS, REPORT_EXAMPLE, TEXT, request_body
from nif.web.api._validation_request import (
    batch_messages,
    is_multipart,
    merged,
    one_message,
    request_form,
)

router = APIRouter(prefix="/api", tags=["validation"])

KositReport = Literal["drop", "keep", "require"]
"""What becomes of the KoSIT report: dropped in the worker (the default); kept when the message
type is a KoSIT configuration's (the self-test page); kept, and any other type refused (406)."""
_KOSIT = str(NIF_TECHNIQUE.KoSITConfiguration)
Picked = tuple[Target, Finding | None]
"""A message's target, and the finding that the message is another version's (if it is)."""
AT_ONCE_BYTES = 256 * 1024
"""Messages up to this size may have their type chosen on the event loop (reading a root
start tag as long as the message holds it back for at most a millisecond or two)."""


async def run_validation(
    svc: Services,
    content: bytes,
    *,
    source: str,
    interface: str | None = None,
    version: str | None = None,
    message_type: str | None = None,
    kosit_report: KositReport = "drop",
) -> Report:
    """One message's report, against the type named (interface, version, message type) or
    detected. Raises a `NifError` for a bad request (unknown interface, no type matches, too
    many validations at once); a message with problems is a report with verdict invalid."""
    _check_message(content, svc, source)
    async with svc.pool.admitted():
        chosen: Picked | Report | None = _chosen_at_once(
            svc, content, interface, version, message_type
        )
        if chosen is None:
            chosen = await run_in_threadpool(
                _choose, svc, content, source, interface, version, message_type
            )
        if isinstance(chosen, Report):
            return chosen
        target, note = chosen
        keep = kosit_report != "drop" and is_kosit(target)
        if kosit_report == "require" and not keep:
            raise HTTPException(
                406,
                f"{source}: {target.ref.name} is not validated by a KoSIT configuration, so "
                "there is no KoSIT report (format kosit); ask for json, junit, text or html",
            )
        report = await svc.pool.validate(Task(content, source, target, keep_kosit_report=keep))
        return with_finding(report, note) if note is not None else report


def is_kosit(target: Target) -> bool:
    """Whether the target's message type is a KoSIT configuration's scenario."""
    return any(record.technique == _KOSIT for record in target.records)


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
        if len(content) > svc.settings.validation.max_message_bytes:
            _check_message(content, svc, source)
    async with svc.pool.admitted():
        chosen = await run_in_threadpool(
            _choose_each, svc, messages, interface, version, message_type
        )
        return list(
            await asyncio.gather(
                *(
                    _noted(svc.pool.validate(Task(content, source, pick[0]), "batch"), pick[1])
                    if isinstance(pick, tuple)
                    else _done(pick)
                    for (source, content), pick in zip(messages, chosen, strict=True)
                )
            )
        )


async def _done(report: Report) -> Report:
    return report


async def _noted(validating: Awaitable[Report], note: Finding | None) -> Report:
    """The report, with the finding that the message is another version's (`other_version`)."""
    report = await validating
    return with_finding(report, note) if note is not None else report


def _check_message(content: bytes, svc: Services, source: str) -> None:
    if not content:
        raise InputError(f"{source}: the message is empty")
    limit = svc.settings.validation.max_message_bytes
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
    return svc.targets.chooser(
        (interface, version, message_type),
        lambda: Chooser(
            svc.registry.store,
            svc.settings,
            named_types(svc.registry.store, interface, version, message_type),
        ),
    )


def _chosen_at_once(
    svc: Services,
    content: bytes,
    interface: str | None,
    version: str | None,
    message_type: str | None,
) -> Picked | None:
    """`_choose`'s answer on the event loop, when it is remembered and needs no wait (a
    thread hop costs more CPU than a check of a small message); None: ask `_choose`."""
    if len(content) > AT_ONCE_BYTES:
        return None
    target = svc.targets.at_once((interface, version, message_type), content)
    return (target, None) if target is not None else None


def _choose(
    svc: Services,
    content: bytes,
    source: str,
    interface: str | None,
    version: str | None,
    message_type: str | None,
) -> Picked | Report:
    """The message's target (and the finding that the message is another version's, if it
    is); a report when the message is not even well-formed (so has no type);
    `DetectionError` (422) when it is well-formed but no registered type matches."""
    chooser = _chooser(svc, interface, version, message_type)
    try:
        target = svc.targets.target(chooser.choose(content))
    except DetectionError as exc:
        report = _undetected(svc, content, source, exc)
        if report.verdict is Verdict.INVALID:
            return report
        raise
    return target, chooser.other_version(content)


def _choose_each(
    svc: Services,
    messages: list[tuple[str, bytes]],
    interface: str | None,
    version: str | None,
    message_type: str | None,
) -> list[Picked | Report]:
    chooser = _chooser(svc, interface, version, message_type)
    picks: list[Picked | Report] = []
    for source, content in messages:
        try:
            ref = chooser.choose(content)
        except DetectionError as exc:
            picks.append(_undetected(svc, content, source, exc))
            continue
        picks.append((svc.targets.target(ref), chooser.other_version(content)))
    return picks


def _undetected(svc: Services, content: bytes, source: str, exc: DetectionError) -> Report:
    """Verdict invalid when the message is not well-formed (so it has no type), else error."""
    return error_report(
        content, source=source, stage="detect", error=str(exc), settings=svc.settings
    )


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


async def _target_query(
    interface: InterfaceQuery = None,
    version: VersionQuery = None,
    message_type: MessageTypeQuery = None,
) -> dict[str, str | None]:
    """The target's query parameters, declared once for both validation routes (async: FastAPI
    runs a plain function in a thread, a hop per request)."""
    return {"interface": interface, "version": version, "message_type": message_type}


TargetQueryDep = Annotated[dict[str, str | None], Depends(_target_query)]
ReportFormat = Literal["json", "junit", "text", "html", "kosit"]
_PLAIN_QUERY = frozenset({"interface", "version", "message_type", "format"})


class RawBodyRoute(APIRoute):
    """`POST /api/validate` as FastAPI declares it (its OpenAPI document, its handler for any
    unusual request), with a fast path in front for the common one: a raw body and a query of
    only the route's own parameters, each at most once, `format` one of its names. That request
    skips FastAPI's dependency solving and parameter models, most of the service's own CPU per
    small message (`bench service`); it still passes the same middleware (limits, metrics),
    negotiation, validation, rendering and error handlers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        declared = super().get_route_handler()

        async def handler(request: Request) -> Response:
            query = _plain_query(request)
            if query is None:
                return await declared(request)
            svc = await services(request)
            format = query.pop("format")
            report, chosen = await _validated(request, svc, None, query, format)
            return await render(report, chosen)

        return handler


def _plain_query(request: Request) -> dict[str, str | None] | None:
    """The query of a raw-body request the fast path takes, else None (FastAPI's handler then
    validates it and answers any problem as it always has)."""
    if is_multipart(request):
        return None
    items = request.query_params.multi_items()
    given = dict(items)
    if len(given) != len(items) or not given.keys() <= _PLAIN_QUERY:
        return None
    if given.get("format", "json") not in get_args(ReportFormat):
        return None
    return {name: given.get(name) for name in _PLAIN_QUERY}


async def _validated(
    request: Request,
    svc: Services,
    form: FormData | None,
    target: dict[str, str | None],
    format: str | None,
) -> tuple[Report, str]:
    """One message's report and the format it is answered in: the route's work, whichever
    path the request took."""
    interface, version, message_type, fmt = merged(form, **target, format=format)
    chosen = negotiate(request, fmt)
    source, content = await one_message(request, form)
    report = await run_validation(
        svc,
        content,
        source=source,
        interface=interface,
        version=version,
        message_type=message_type,
        kosit_report="require" if chosen == "kosit" else "drop",
    )
    return report, chosen


async def validate_message(
    request: Request,
    svc: ServicesDep,
    target: TargetQueryDep,
    format: Annotated[
        ReportFormat | None,
        Query(
            description="The report format (json, junit, text, html, or kosit: the KoSIT report "
            "of a KoSIT configuration's message type); overrides `Accept`."
        ),
    ] = None,
) -> Response:
    async with request_form(request) as form:
        report, chosen = await _validated(request, svc, form, target, format)
    return await render(report, chosen)


router.add_api_route(
    "/validate",
    validate_message,
    methods=["POST"],
    route_class_override=RawBodyRoute,
    summary="Validate one message",
    description=(
        "Validate one XML or JSON message against a registered interface, named by "
        "`interface` (and `version`, `message_type`) or detected from the message (root "
        "element, discriminators). Send the message as the raw body or as the multipart field "
        "`file`; the parameters may also be form fields. The report comes as JSON (default), "
        "JUnit XML, text or HTML, by `Accept` or `format`. A message with problems is a 200 "
        "with verdict `invalid`; a check that could not run (e.g. over the time limit) is a "
        "200 with verdict `error`. `format=kosit` (never chosen by `Accept`) gives, for a "
        "message type imported from a KoSIT configuration, the KoSIT report "
        "(`http://www.xoev.de/de/validator/varl/1`) the configuration's report XSLT wrote; "
        "406 for another message type, 422 `no_kosit_report` (nif's report in `details`) when "
        "none was written (the message is not well-formed, a step could not run)."
    ),
    responses={
        200: {
            "description": "The validation report",
            "content": {
                "application/json": {"example": REPORT_EXAMPLE},
                "application/xml": TEXT,
                "text/plain": TEXT,
                "text/html": TEXT,
            },
        },
        **ERRORS,
    },
    openapi_extra=request_body(
        "The message: raw (any media type) or the multipart field `file`.",
        {"file": {"type": "string", "format": "binary", "description": "The message"}},
        {"application/xml": TEXT, "application/json": TEXT, "application/octet-stream": BINARY},
        list(FORMATS),
    ),
)


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
                        "reports": [REPORT_EXAMPLE],
                        "summary": {"valid": 0, "invalid": 1, "error": 0},
                    }
                },
                "application/xml": TEXT,
                "text/plain": TEXT,
            },
        },
        **ERRORS,
    },
    openapi_extra=request_body(
        "The messages: multipart field `files` (repeat it), or a zip archive.",
        {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
        {"application/zip": BINARY},
        BATCH_FORMATS,
    ),
)
async def validate_batch(
    request: Request,
    svc: ServicesDep,
    target: TargetQueryDep,
    format: Annotated[
        str | None,
        Query(
            description="The report format (json, junit or text); overrides `Accept`. html and "
            "kosit are one message's (400).",
            json_schema_extra={"enum": BATCH_FORMATS},
        ),
    ] = None,
) -> Response:
    async with request_form(request) as form:
        interface, version, message_type, fmt = merged(form, **target, format=format)
        chosen = negotiate(request, fmt, batch=True)
        messages = await batch_messages(request, form, svc.settings.service.max_upload_bytes)
        reports = await run_batch(
            svc, messages, interface=interface, version=version, message_type=message_type
        )
    return await render(reports, chosen, batch=True)
