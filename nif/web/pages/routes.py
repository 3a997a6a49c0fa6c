"""The page routes: catalogue, agency, interface, self-test, SPARQL query page, static files.

Catalogue pages are plain functions (FastAPI runs them in its thread pool, as store reads
block); the self-test and query pages are async because they await the validation pool and a
thread. Errors of the catalogue pages reach the app's handlers, which answer browsers with the
HTML error page; the self-test and query pages show a refusal beside the form they came from.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from nif import catalogue, errors
from nif.web._errors import status_of
from nif.web._services import ServicesDep
from nif.web._zip import looks_zip, unzip
from nif.web.api.validate import run_batch, run_validation
from nif.web.pages import _evolution, _examples, _query, _selftest
from nif.web.pages._render import page, translator

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
ARTEFACT_URL = "/api/artefacts/{sha256}"
"""Where the API serves a registered file by its sha256 (schemas, parts, examples)."""

STATIC = resources.files("nif.web.pages").joinpath("static")
STATIC_TYPES = {".css": "text/css; charset=utf-8"}


def _language(request: Request) -> str:
    return translator(request).lang


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The pages' own static files (a stylesheet), cached for a day."""
    suffix = name[name.rfind(".") :] if "." in name else ""
    item = STATIC.joinpath(name)
    if "/" in name or suffix not in STATIC_TYPES or not item.is_file():
        raise errors.NotFoundError(f"no static file {name!r}")
    return Response(
        item.read_bytes(),
        media_type=STATIC_TYPES[suffix],
        headers={"Cache-Control": "public, max-age=86400"},
    )


# catalogue


@router.get("/", response_class=HTMLResponse)
def catalogue_page(
    request: Request,
    svc: ServicesDep,
    q: str = "",
    agency: str = "",
    status: str = "",
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> HTMLResponse:
    """The interface catalogue: text search, agency and status filters, pages of `limit`."""
    lang = _language(request)
    store = svc.registry.store
    found = catalogue.interfaces(
        store,
        agency=agency or None,
        status=status or None,
        text=q or None,
        offset=max(offset, 0),
        limit=limit,
        lang=lang,
    )
    return page(
        request,
        "catalogue.html",
        title=translator(request)("catalogue.title"),
        found=found,
        agencies=catalogue.agencies(store, lang=lang),
        statuses=list(catalogue.STATUSES),
        q=q,
        agency=agency,
        status_filter=status,
        params=[
            (key, value)
            for key, value in (("q", q), ("agency", agency), ("status", status))
            if value
        ]
        + ([("limit", str(limit))] if limit != PAGE_SIZE else []),
    )


@router.get("/agencies", response_class=HTMLResponse)
def agencies_page(request: Request, svc: ServicesDep) -> HTMLResponse:
    lang = _language(request)
    return page(
        request,
        "agencies.html",
        title=translator(request)("agencies.title"),
        agencies=catalogue.agencies(svc.registry.store, lang=lang),
    )


@router.get("/agencies/{identifier}", response_class=HTMLResponse)
def agency_page(
    request: Request, svc: ServicesDep, identifier: str, offset: int = 0
) -> HTMLResponse:
    lang = _language(request)
    store = svc.registry.store
    found = catalogue.agency(store, identifier, lang=lang, offset=max(offset, 0), limit=PAGE_SIZE)
    consumed = catalogue.consumed(store, found.iri, lang=lang)
    return page(
        request,
        "agency.html",
        title=found.name,
        agency=found,
        page_size=PAGE_SIZE,
        consumed=consumed,
        broken_by=_evolution.broken_by(svc.registry, consumed, lang=lang),
    )


@router.get("/interfaces/{identifier}", response_class=HTMLResponse)
def interface_page(request: Request, svc: ServicesDep, identifier: str) -> HTMLResponse:
    """An interface with its versions: message types, files, certificates, what changed in
    each and who consumes it."""
    lang = _language(request)
    found = catalogue.interface(svc.registry.store, identifier, lang=lang)
    return page(
        request,
        "interface.html",
        title=found.title,
        interface=found,
        artefact_url=ARTEFACT_URL,
        evolution=_evolution.interface_evolution(svc.registry, found, lang=lang),
    )


# self-test


def _self_test_page(
    request: Request,
    svc: ServicesDep,
    *,
    target: str,
    message: str = "",
    status: int = 200,
    **context: object,
) -> HTMLResponse:
    context.setdefault("report", None)
    context.setdefault("batch", None)
    context.setdefault("error", None)
    context.setdefault("error_lang", "en")  # nif's own messages are English
    return page(
        request,
        "self_test.html",
        status=status,
        title=translator(request)("self_test.title"),
        targets=_selftest.targets(svc.registry.store),
        target=target,
        message=message,
        max_upload=svc.settings.service.max_upload_bytes,
        **context,
    )


@router.get("/self-test", response_class=HTMLResponse)
async def self_test_form(
    request: Request,
    svc: ServicesDep,
    interface: str = "",
    version: str = "",
    message_type: str = "",
) -> HTMLResponse:
    """The form, prefilled with a message type when the interface page links here."""
    target = ""
    if interface and version and message_type:
        target = _selftest.Target(interface, version, message_type).key
    return await run_in_threadpool(_self_test_page, request, svc, target=target)


@router.post("/self-test", response_class=HTMLResponse)
async def self_test(
    request: Request,
    svc: ServicesDep,
    target: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Validate an uploaded file (or else the pasted message) and show the report; a zip's
    messages each get theirs."""
    content, source = b"", "pasted message"
    if file is not None and file.filename:
        content = await file.read()
        source = file.filename
        if looks_zip(content, file.content_type):
            return await _self_test_zip(request, svc, target, source, content)
    elif message.strip():
        content = message.encode("utf-8")
    if not content:
        t = translator(request)
        return await run_in_threadpool(
            _self_test_page,
            request,
            svc,
            target=target,
            status=400,
            error=t("self_test.empty"),
            error_lang=t.lang,
        )
    try:
        chosen = _selftest.Target.parse(target)
        report = await run_validation(
            svc,
            content,
            source=source,
            interface=chosen.interface if chosen else None,
            version=chosen.version if chosen else None,
            message_type=chosen.message_type if chosen else None,
            kosit_report="keep",
        )
    except errors.NifError as exc:
        return await run_in_threadpool(
            _self_test_page,
            request,
            svc,
            target=target,
            message=message,
            status=status_of(exc)[0],
            error=str(exc),
        )
    return await run_in_threadpool(
        _self_test_page,
        request,
        svc,
        target=target,
        message=_selftest.editable(content),
        report=report,
        steps=_selftest.shown_steps(report, content),
        downloads=_selftest.downloads(report),
    )


async def _self_test_zip(
    request: Request, svc: ServicesDep, target: str, source: str, content: bytes
) -> HTMLResponse:
    """Every message of the zip (read as the batch API reads one) against the chosen type or
    its own detected one, each with its report."""
    try:
        chosen = _selftest.Target.parse(target)
        limit = svc.settings.service.max_upload_bytes
        messages = await run_in_threadpool(unzip, content, limit)
        reports = await run_batch(
            svc,
            messages,
            interface=chosen.interface if chosen else None,
            version=chosen.version if chosen else None,
            message_type=chosen.message_type if chosen else None,
        )
    except errors.NifError as exc:
        status, message = status_of(exc)[0], f"{source}: {exc}"
        return await run_in_threadpool(
            lambda: _self_test_page(request, svc, target=target, status=status, error=message)
        )
    shown = await run_in_threadpool(_selftest.batch, source, messages, reports)
    return await run_in_threadpool(
        lambda: _self_test_page(request, svc, target=target, batch=shown)
    )


# SPARQL


async def _query_page(request: Request, svc: ServicesDep, query: str, example: str) -> HTMLResponse:
    t = translator(request)
    result, error, status = None, None, 200
    if query.strip():
        try:
            result = await run_in_threadpool(_query.answer, svc, query)
        except errors.NifError as exc:
            status, error = status_of(exc)[0], str(exc)
    return page(
        request,
        "query.html",
        status=status,
        title=t("query.title"),
        query=query,
        examples=_examples.EXAMPLES,
        example=example,
        result=result,
        error=error,
        max_shown=_query.MAX_SHOWN,
    )


@router.get("/query", response_class=HTMLResponse)
async def query_form(
    request: Request, svc: ServicesDep, query: str = "", example: str = ""
) -> HTMLResponse:
    """The query page; `?example=ID` fills in and runs an example, `?query=` runs a query."""
    if example and not query:
        chosen = _examples.BY_ID.get(example)
        if chosen is None:
            raise errors.NotFoundError(f"no example query {example!r}")
        query = chosen.query
    return await _query_page(request, svc, query, example)


@router.post("/query", response_class=HTMLResponse)
async def query_run(
    request: Request, svc: ServicesDep, query: Annotated[str, Form()] = ""
) -> HTMLResponse:
    return await _query_page(request, svc, query, "")
