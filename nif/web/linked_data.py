"""Linked data: the DCAT-AP catalogue at `/catalog`, and every IRI nif mints, dereferenced.

An IRI is `base_iri` + a path, so when `base_iri` is the service's public URL each IRI is
answered here by content negotiation (`nif.web._negotiation`): a browser (HTML preferred) gets a
303 to the page about it, an RDF client its description (Turtle, JSON-LD, RDF/XML, N-Triples)
from the graph that owns it (`nif.catalogue.describe`), unknown IRIs a 404. The catalogue IRI
(`/catalogue`) sees other to `/catalog`; a file's IRI (`/files/...`) to its bytes.

Included before the pages: `/certification/run/{id}` is an IRI, not the page of an interface
named "run" (`/certification/{interface}/{version}`).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from rdflib import Graph
from starlette.concurrency import run_in_threadpool

from nif import catalogue
from nif.web import _negotiation
from nif.web._services import ServicesDep

router = APIRouter(tags=["linked data"])

RDF_TYPES: dict[str, str] = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}
"""The RDF media types offered (rdflib serializer names), the first the default."""
_OFFERS = [(media, media) for media in RDF_TYPES] + [
    ("application/x-turtle", "text/turtle"),
    ("application/json", "application/ld+json"),
    ("application/xml", "application/rdf+xml"),
    ("text/xml", "application/rdf+xml"),
    ("text/plain", "application/n-triples"),
]
FORMAT_NAMES = {
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf-xml": "application/rdf+xml",
    "xml": "application/rdf+xml",
    "ntriples": "application/n-triples",
    "nt": "application/n-triples",
}
FormatQuery = Annotated[str | None, _negotiation.format_query(FORMAT_NAMES)]
MAX_PAGE = 1_000_000
"""The highest `?page=` read (a larger one is refused before the store is asked)."""

_RDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The RDF.", "content": {media: {} for media in RDF_TYPES}},
    303: {"description": "A browser (Accept prefers text/html): see the page about it."},
    404: {"description": "Nothing nif mints is at this address."},
    406: {"description": "None of the accepted media types."},
}


def _media(request: Request, fmt: str | None, what: str) -> str:
    accept = request.headers.get("accept")
    return _negotiation.negotiate(accept, fmt, _OFFERS, FORMAT_NAMES, what)


def wants_page(request: Request, fmt: str | None) -> bool:
    """Whether the client is a browser: `Accept` rates HTML over every RDF type (a tie, and
    `*/*`, go to RDF) and no `?format=` names one."""
    offers = [*_OFFERS, ("text/html", "text/html"), ("application/xhtml+xml", "text/html")]
    accept = request.headers.get("accept")
    return fmt is None and _negotiation.best(accept, offers) == "text/html"


def rdf_response(graph: Graph, media: str, headers: dict[str, str] | None = None) -> Response:
    """`graph` serialized as `media` (one of RDF_TYPES); varies by Accept."""
    content = graph.serialize(format=RDF_TYPES[media], encoding="utf-8")
    return Response(content, media_type=media, headers={"Vary": "Accept", **(headers or {})})


@router.get(
    "/catalog",
    summary="The registry as a DCAT-AP catalogue (paged)",
    description="A `dcat:Catalog` with the registry's interfaces as `dcat:service` (their "
    "records included), their agencies as publishers (`foaf:Agent`), for harvesters. Paged "
    "with a Hydra `PartialCollectionView` (`hydra:first`, `previous`, `next`, `last`, "
    "`totalItems`); `service_catalog_page_size` interfaces a page. Turtle, JSON-LD, RDF/XML or "
    "N-Triples by `Accept` or `?format=`.",
    response_class=Response,
    responses={**_RDF_RESPONSES, 400: {"description": "A page under 1 or over 1000000."}},
)
async def catalog(
    request: Request,
    svc: ServicesDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="The page, from 1.")] = 1,
    fmt: FormatQuery = None,
) -> Response:
    media = _media(request, fmt, "the catalogue")

    def url(number: int) -> str:
        return str(request.url.replace_query_params(page=number))

    found = await run_in_threadpool(catalogue.catalogue_page, svc.registry, page, url)
    return rdf_response(found.graph, media)


@router.get(
    "/catalogue",
    summary="The catalogue's IRI",
    description="`{base_iri}catalogue` names the registry as a `dcat:Catalog`: 303 to the "
    "catalogue document (`/catalog`), or to the list of interfaces for a browser.",
    status_code=303,
    response_class=RedirectResponse,
)
async def catalogue_iri(request: Request) -> RedirectResponse:
    target = "/" if wants_page(request, None) else "/catalog"
    return RedirectResponse(target, 303, headers={"Vary": "Accept"})


@router.get(
    "/files/{path:path}",
    summary="A pinned file's IRI",
    description="`{base_iri}files/{record id}/{path}` is where a record's bundle file is "
    "served: 307 to its bytes (`/api/artefacts/{sha256}`).",
    status_code=307,
    response_class=RedirectResponse,
    responses={404: {"description": "No current record pinned a file here."}},
)
async def file_iri(request: Request, svc: ServicesDep, path: str) -> RedirectResponse:
    sha256 = await run_in_threadpool(catalogue.file_checksum, svc.registry, _raw_path(request))
    return RedirectResponse(f"/api/artefacts/{sha256}", 307)


async def _dereference(request: Request, svc: ServicesDep, fmt: str | None) -> Response:
    """The description of the IRI `base_iri` + this request's path, or 303 to its page."""
    path = _raw_path(request)
    html = wants_page(request, fmt)
    media = None if html else _media(request, fmt, "a description of an IRI")
    described = await run_in_threadpool(catalogue.describe, svc.registry, path)
    page = _page(described) if html else None
    if page is not None:
        return RedirectResponse(page, 303, headers={"Vary": "Accept"})
    return rdf_response(described.graph, media or "text/turtle")


def _raw_path(request: Request) -> str:
    """The request's path as sent (percent-encoding kept, as in the IRIs), without its `/`."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    return raw.decode("latin-1").split("?", 1)[0].removeprefix("/")


def _page(described: catalogue.Description) -> str | None:
    """The human page about a described IRI (None: there is none; the RDF is answered)."""
    parts, identifier = described.segments, described.identifier
    kind = parts[0]

    def name(text: str) -> str:
        return quote(unquote(text), safe="")

    if kind == "agency" and identifier:
        return f"/agencies/{name(identifier)}"
    if kind == "interface" and identifier:
        anchor = f"#v-{name(parts[2])}" if len(parts) > 2 else ""
        return f"/interfaces/{name(identifier)}{anchor}"
    if kind == "certificate":
        return f"/certificates/{name(parts[1])}"
    if kind == "certification" and parts[1] == "run" and len(parts) > 2:
        return f"/certification/runs/{name(parts[2])}"
    if kind in ("conformance", "compatibility") and len(parts) > 2:
        return (
            f"/certification/{name(parts[1])}/{name(parts[2])}"
            if kind == "conformance"
            else f"/interfaces/{name(parts[1])}#v-{name(parts[2])}"
        )
    return None


IRI_ROUTES = {
    "/agency/{path:path}": "An agency's IRI: its record, or 303 to its page.",
    "/interface/{path:path}": "An interface's IRI, or a version's, a message type's, an "
    "artefact's: the record or the node's description, or 303 to the interface page.",
    "/certificate/{path:path}": "A certificate's IRI (or its revocation's): its signed graph, "
    "or 303 to its page.",
    "/certification/run/{path:path}": "A certification run's IRI: its EARL results, or 303 to "
    "the run page.",
    "/certification/tool/{path:path}": "nif as the tool of runs: its description.",
    "/conformance/{path:path}": "A conformance suite's IRI (manifest, test case, message): its "
    "description, or 303 to the suite's page.",
    "/compatibility/{path:path}": "A version's compatibility assessment (or a change in it): "
    "its description, or 303 to the interface page.",
}
"""The IRIs nif mints, each dereferenced alike (`_dereference`)."""


async def dereference(
    request: Request, svc: ServicesDep, path: str, fmt: FormatQuery = None
) -> Response:
    return await _dereference(request, svc, fmt)


for _route, _summary in IRI_ROUTES.items():
    router.add_api_route(
        _route,
        dereference,
        methods=["GET"],
        summary=_summary.split(":")[0],
        description=_summary,
        response_class=Response,
        responses=_RDF_RESPONSES,
        name=f"iri_{_route.strip('/').split('/{')[0].replace('/', '_')}",
    )
