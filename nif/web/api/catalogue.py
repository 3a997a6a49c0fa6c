"""Reading the registry: agencies, interfaces, versions, message types, examples, artefacts.

Every handler is a thin layer over `nif.catalogue` (the pages use the same functions), run in
the thread pool since store queries block, and answers with the catalogue's own dataclasses:
they are the response models of the OpenAPI document. Downloads serve only blobs a current record
registers as an artefact, an artefact part or an example: the blob store also keeps record
contents and history, which are not for download.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from nif import catalogue
from nif.catalogue import Agency, AgencySummary, Interface, InterfacePage, Status
from nif.web import _negotiation
from nif.web._services import ServicesDep
from nif.web.api._validation_openapi import ErrorBody

router = APIRouter(prefix="/api", tags=["registry"])

LANG = Query(
    pattern=r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$",
    description="Language for titles and descriptions (BCP 47, e.g. `de`); falls back to "
    "English, then to any language.",
)
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/;]')


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A parameter is malformed or out of range."},
    404: {"model": ErrorBody, "description": "No such record (the message names it)."},
}


# handlers


@router.get(
    "/agencies",
    summary="List the agencies",
    description="Every agency of the registry, by name, with how many interfaces it publishes.",
    responses=_ERRORS,
)
def list_agencies(svc: ServicesDep, lang: Annotated[str, LANG] = "en") -> list[AgencySummary]:
    return catalogue.agencies(svc.registry.store, lang=lang)


@router.get(
    "/agencies/{identifier}",
    summary="One agency, with its interfaces",
    description="The agency's names, homepage and contact points, and a page of the interfaces "
    "it publishes (`offset`, `limit`).",
    responses=_ERRORS,
)
def get_agency(
    svc: ServicesDep,
    identifier: Annotated[str, Path(description="The agency's identifier, e.g. `civreg`.")],
    offset: Annotated[int, Query(ge=0, description="Interfaces to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=catalogue.MAX_LIMIT)] = 50,
    lang: Annotated[str, LANG] = "en",
) -> Agency:
    return catalogue.agency(svc.registry.store, identifier, lang=lang, offset=offset, limit=limit)


@router.get(
    "/interfaces",
    summary="List and search the interfaces",
    description="Interfaces by identifier, a page at a time, filtered by publishing agency, "
    "status of the current version and text in the title, description or identifier "
    '(case-insensitive). A `Link` header with `rel="next"` points at the next page.',
    responses=_ERRORS,
)
def list_interfaces(
    request: Request,
    response: Response,
    svc: ServicesDep,
    agency: Annotated[
        str | None, Query(max_length=200, description="Publishing agency's identifier.")
    ] = None,
    status: Annotated[
        Status | None, Query(description="ADMS status of the current version.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the title, description or id.")
    ] = None,
    offset: Annotated[int, Query(ge=0, description="Interfaces to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=catalogue.MAX_LIMIT, description="Page size.")] = 50,
    lang: Annotated[str, LANG] = "en",
) -> InterfacePage:
    page = catalogue.interfaces(
        svc.registry.store,
        agency=agency,
        status=str(status) if status else None,
        text=q,
        offset=offset,
        limit=limit,
        lang=lang,
    )
    if page.next_offset is not None:
        after = request.url.include_query_params(offset=page.next_offset, limit=limit)
        response.headers["Link"] = f'<{after}>; rel="next"'
    return page


@router.get(
    "/interfaces/{identifier}",
    summary="One interface, with versions, message types, artefacts and examples",
    description="Everything about one interface: its versions (newest first, the current one "
    "marked), each version's message types, their schema and rule artefacts and their example "
    "messages with the verdict each must get. `download` is where this service serves the "
    "pinned bytes of an artefact, part or example.",
    responses=_ERRORS,
)
def get_interface(
    request: Request,
    svc: ServicesDep,
    identifier: Annotated[str, Path(description="The interface's identifier.")],
    lang: Annotated[str, LANG] = "en",
) -> Interface:
    def link(sha256: str) -> str:
        return str(request.url_for("download", sha256=sha256))

    return catalogue.interface(svc.registry.store, identifier, lang=lang, link=link)


@router.get(
    "/artefacts/{sha256}",
    summary="Download an artefact or example by sha256",
    description="The pinned bytes of a registered schema or rule artefact, a document an "
    "artefact imports (its part) or an example message, with its registered media type and "
    "file name. Only files a current record registers are served.",
    response_class=Response,
    responses={
        200: {
            "description": "The file.",
            "content": {
                "application/xml": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        304: {"description": "Not modified (`If-None-Match` matched the ETag)."},
        **_ERRORS,
    },
    name="download",
)
def download(
    request: Request,
    svc: ServicesDep,
    sha256: Annotated[str, Path(description="The file's sha256 checksum (64 hex digits).")],
) -> Response:
    found = catalogue.artefact(svc.registry.store, sha256)
    etag = f'"{found.sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=31536000, immutable",
        "Content-Disposition": _disposition(found.file_name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if _negotiation.not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    content = svc.registry.blobs.get(found.sha256)
    return Response(content, media_type=found.media_type, headers=headers)


def _disposition(name: str) -> str:
    """An attachment named `name`: an ASCII fallback and the exact name (RFC 6266)."""
    safe = _UNSAFE_NAME.sub("_", name) or "download"
    fallback = safe.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe, safe='')}"
