"""Reading the registry: agencies, interfaces, versions, message types, examples, artefacts.

Every handler is a thin layer over `nif.registry._catalogue` (the pages use the same functions),
run in the thread pool since store queries block. Downloads serve only blobs a current record
registers as an artefact, an artefact part or an example: the blob store also keeps record
contents and history, which are not for download.
"""

from __future__ import annotations

import enum
import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from nif.registry import _catalogue as catalogue
from nif.web._services import ServicesDep

router = APIRouter(prefix="/api", tags=["registry"])

LANG = Query(
    pattern=r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$",
    description="Language for titles and descriptions (BCP 47, e.g. `de`); falls back to "
    "English, then to any language.",
)
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/;]')


Status = enum.StrEnum("Status", {name: name for name in catalogue.STATUSES})  # type: ignore[misc]
"""The ADMS statuses of an interface version (the catalogue's, as an OpenAPI enum)."""


# response models (the OpenAPI schema; handlers answer with the catalogue's to_dict())


class AgencySummary(BaseModel):
    iri: str
    identifier: str = Field(description="The agency's registry identifier, e.g. `civreg`.")
    name: str
    homepage: str | None
    interfaces: int = Field(description="How many interfaces the agency publishes.")


class InterfaceSummary(BaseModel):
    iri: str
    identifier: str = Field(description="The interface's identifier, e.g. `civreg-birth`.")
    title: str
    description: str | None
    agency: str | None = Field(description="The publishing agency's identifier.")
    agency_name: str | None
    status: Status | None = Field(description="The ADMS status of the current version.")
    status_label: str | None
    version: str | None = Field(description="The current version, e.g. `2.0.0`.")


class InterfacePage(BaseModel):
    items: list[InterfaceSummary]
    total: int = Field(description="How many interfaces match, on all pages.")
    offset: int
    limit: int


class Contact(BaseModel):
    name: str | None
    email: str | None
    phone: str | None
    url: str | None


class Agency(BaseModel):
    iri: str
    identifier: str
    name: str
    homepage: str | None
    contacts: list[Contact]
    interfaces: InterfacePage


class Part(BaseModel):
    url: str
    file_name: str
    sha256: str | None
    download: str | None = Field(description="Where this service serves the pinned bytes.")


class Artefact(BaseModel):
    iri: str
    title: str | None
    role: str = Field(description="`schema` (XML Schema or JSON Schema) or `rules` (Schematron).")
    technique: str | None = Field(description="`XMLSchema`, `Schematron` or `JSONSchema`.")
    media_type: str | None
    url: str | None = Field(description="The artefact's registered download URL.")
    file_name: str | None
    sha256: str | None
    download: str | None = Field(description="Where this service serves the pinned bytes.")
    parts: list[Part] = Field(description="Documents the artefact imports or includes.")


class Example(BaseModel):
    iri: str
    name: str = Field(description="The example's file name.")
    expected: str | None = Field(description="The verdict validation must give: valid|invalid.")
    media_type: str | None
    url: str | None
    file_name: str | None
    sha256: str | None
    download: str | None = Field(description="Where this service serves the pinned bytes.")


class MessageType(BaseModel):
    iri: str
    identifier: str
    title: str | None
    direction: str | None = Field(description="`request`, `response` or `notification`.")
    media_type: str | None
    root_namespace: str | None
    root_name: str | None
    artefacts: list[Artefact]
    examples: list[Example]


class Version(BaseModel):
    iri: str
    version: str
    title: str | None
    status: Status | None
    status_label: str | None
    notes: str | None
    endpoint: str | None
    current: bool = Field(description="Whether this is the interface's current version.")
    message_types: list[MessageType]


class Interface(BaseModel):
    iri: str
    identifier: str
    title: str
    description: str | None
    agency: str | None
    agency_name: str | None
    endpoint: str | None
    transport: str | None
    status: Status | None
    status_label: str | None
    current_version: str | None
    versions: list[Version] = Field(description="Newest first.")


class Error(BaseModel):
    status: int
    error: str
    message: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "A parameter is malformed or out of range."},
    404: {"model": Error, "description": "No such record (the message names it)."},
}


# handlers


@router.get(
    "/agencies",
    summary="List the agencies",
    description="Every agency of the registry, by name, with how many interfaces it publishes.",
    response_model=list[AgencySummary],
    responses=_ERRORS,
)
def list_agencies(svc: ServicesDep, lang: Annotated[str, LANG] = "en") -> JSONResponse:
    found = catalogue.agencies(svc.registry.store, lang=lang)
    return JSONResponse([a.to_dict() for a in found])


@router.get(
    "/agencies/{identifier}",
    summary="One agency, with its interfaces",
    description="The agency's names, homepage and contact points, and a page of the interfaces "
    "it publishes (`offset`, `limit`).",
    response_model=Agency,
    responses=_ERRORS,
)
def get_agency(
    svc: ServicesDep,
    identifier: Annotated[str, Path(description="The agency's identifier, e.g. `civreg`.")],
    offset: Annotated[int, Query(ge=0, description="Interfaces to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=catalogue.MAX_LIMIT)] = 50,
    lang: Annotated[str, LANG] = "en",
) -> JSONResponse:
    found = catalogue.agency(svc.registry.store, identifier, lang=lang, offset=offset, limit=limit)
    return JSONResponse(found.to_dict())


@router.get(
    "/interfaces",
    summary="List and search the interfaces",
    description="Interfaces by identifier, a page at a time, filtered by publishing agency, "
    "status of the current version and text in the title, description or identifier "
    '(case-insensitive). A `Link` header with `rel="next"` points at the next page.',
    response_model=InterfacePage,
    responses=_ERRORS,
)
def list_interfaces(
    request: Request,
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
) -> JSONResponse:
    page = catalogue.interfaces(
        svc.registry.store,
        agency=agency,
        status=str(status) if status else None,
        text=q,
        offset=offset,
        limit=limit,
        lang=lang,
    )
    headers = {}
    if page.next_offset is not None:
        after = request.url.include_query_params(offset=page.next_offset, limit=limit)
        headers["Link"] = f'<{after}>; rel="next"'
    return JSONResponse(page.to_dict(), headers=headers)


@router.get(
    "/interfaces/{identifier}",
    summary="One interface, with versions, message types, artefacts and examples",
    description="Everything about one interface: its versions (newest first, the current one "
    "marked), each version's message types, their schema and rule artefacts and their example "
    "messages with the verdict each must get. `download` is where this service serves the "
    "pinned bytes of an artefact, part or example.",
    response_model=Interface,
    responses=_ERRORS,
)
def get_interface(
    request: Request,
    svc: ServicesDep,
    identifier: Annotated[str, Path(description="The interface's identifier.")],
    lang: Annotated[str, LANG] = "en",
) -> JSONResponse:
    body = catalogue.interface(svc.registry.store, identifier, lang=lang).to_dict()
    for version in body["versions"]:
        for mt in version["message_types"]:
            for item in [*mt["artefacts"], *mt["examples"]]:
                item["download"] = _download(request, item["sha256"])
                for part in item.get("parts", []):
                    part["download"] = _download(request, part["sha256"])
    return JSONResponse(body)


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
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    content = svc.registry.blobs.get(found.sha256)
    return Response(content, media_type=found.media_type, headers=headers)


def _download(request: Request, sha256: str | None) -> str | None:
    return str(request.url_for("download", sha256=sha256)) if sha256 else None


def _etags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def _disposition(name: str) -> str:
    """An attachment named `name`: an ASCII fallback and the exact name (RFC 6266)."""
    safe = _UNSAFE_NAME.sub("_", name) or "download"
    fallback = safe.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe, safe='')}"
