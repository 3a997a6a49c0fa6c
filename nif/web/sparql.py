"""The SPARQL 1.1 Protocol endpoint at /sparql (read-only, time and size limited).

Queries come as GET `?query=`, as a POSTed form or as a POSTed `application/sparql-query`
body; the result format is chosen by `?format=` or `Accept`. At most `sparql_max_concurrent`
queries are evaluated at once; beyond the bound queries are refused with 429.

The embedded store cannot interrupt one step of a query (a sort, an aggregate), so its queries
run in worker processes over a read-only snapshot (`nif.store.QueryWorkers`): past
`sparql_timeout` the worker is killed, the request answered with 503, and the slot is free at
once. A remote store's queries run in threads: the endpoint stops a query at the time limit
nif sends it (Virtuoso's `timeout`), and the thread keeps its slot until the endpoint answers.
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections.abc import AsyncGenerator, Callable, Generator
from concurrent.futures import Future
from typing import Annotated, Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException

from nif.errors import (
    ForbiddenError,
    TooManyRequestsError,
    UploadTooLargeError,
    UsageError,
)
from nif.store import EmbeddedStore, QueryLimits, ResultFormat, Store, query_form, query_limits
from nif.web import _negotiation
from nif.web._services import Services, ServicesDep
from nif.web._sparql_description import service_description
from nif.web._streaming import chunked_response
from nif.web.linked_data import FORMAT_NAMES, RDF_TYPES, rdf_response, wants_page

router = APIRouter(tags=["sparql"])
log = logging.getLogger("nif.web")

MAX_QUERY_BYTES = 1024 * 1024
"""A POSTed query or form larger than this is refused (413)."""

_RESULTS = [ResultFormat.JSON, ResultFormat.XML, ResultFormat.CSV, ResultFormat.TSV]
_GRAPHS = [ResultFormat.TURTLE, ResultFormat.NTRIPLES, ResultFormat.JSONLD, ResultFormat.RDFXML]
_MEDIA_TYPES: dict[bool, list[tuple[str, ResultFormat]]] = {
    False: [
        ("application/sparql-results+json", ResultFormat.JSON),
        ("application/sparql-results+xml", ResultFormat.XML),
        ("text/csv", ResultFormat.CSV),
        ("text/tab-separated-values", ResultFormat.TSV),
        ("application/json", ResultFormat.JSON),
        ("application/xml", ResultFormat.XML),
        ("text/xml", ResultFormat.XML),
    ],
    True: [
        ("text/turtle", ResultFormat.TURTLE),
        ("application/n-triples", ResultFormat.NTRIPLES),
        ("application/ld+json", ResultFormat.JSONLD),
        ("application/rdf+xml", ResultFormat.RDFXML),
        ("application/x-turtle", ResultFormat.TURTLE),
        ("application/turtle", ResultFormat.TURTLE),
        ("text/plain", ResultFormat.NTRIPLES),
        ("application/json", ResultFormat.JSONLD),
        ("application/xml", ResultFormat.RDFXML),
        ("text/xml", ResultFormat.RDFXML),
    ],
}
"""Media types offered per kind of query (True: CONSTRUCT/DESCRIBE), the server's preference
first: results' own types, then the generic ones clients also send."""
_FORMAT_NAMES: dict[bool, dict[str, ResultFormat]] = {
    False: {
        "json": ResultFormat.JSON,
        "xml": ResultFormat.XML,
        "csv": ResultFormat.CSV,
        "tsv": ResultFormat.TSV,
    },
    True: {
        "turtle": ResultFormat.TURTLE,
        "ttl": ResultFormat.TURTLE,
        "n3": ResultFormat.TURTLE,
        "ntriples": ResultFormat.NTRIPLES,
        "n-triples": ResultFormat.NTRIPLES,
        "nt": ResultFormat.NTRIPLES,
        "jsonld": ResultFormat.JSONLD,
        "json-ld": ResultFormat.JSONLD,
        "json": ResultFormat.JSONLD,
        "rdfxml": ResultFormat.RDFXML,
        "rdf+xml": ResultFormat.RDFXML,
        "rdf": ResultFormat.RDFXML,
        "xml": ResultFormat.RDFXML,
    },
}
"""`?format=` values per kind of query; SPARQLWrapper sends `format=xml` for RDF/XML and
`format=json` for JSON-LD with a CONSTRUCT."""

_PROLOGUE = re.compile(r"(?:\s+|#[^\n\r]*|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)*", re.I)
_UPDATE = re.compile(r"(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)
_SEVERAL_QUERIES = (
    "the request has several queries (`query` given more than once, or in the URL as well as "
    "the body): send one query per request"
)
_READ_ONLY = (
    "this SPARQL endpoint is read-only: updates are refused (records change through "
    "PUT /api/records/{id}, with a publisher's token)"
)


def run_query(svc: Services, query: str, fmt: ResultFormat) -> bytes:
    """Run a read-only query over the registry within the service's limits; results in `fmt`.

    Raises `UsageError` for a query that is empty, malformed, an update, federated (SERVICE)
    or asks for a format its form cannot give, `QueryTimeoutError` past `sparql_timeout`,
    `ResultTooLargeError` over `sparql_max_rows`, and `TooManyRequestsError` when
    `sparql_max_concurrent` queries are running already. Blocks: call it in a thread.
    """
    check_query(query)
    return b"".join(stream_query(svc, query, fmt))


def stream_query(svc: Services, query: str, fmt: ResultFormat) -> Generator[bytes, None, None]:
    """As `run_query` for a query `check_query` passed, the answer in chunks as the store
    writes it (a remote store's in one). Iterating blocks: do it in a thread. The query's
    slot is held until the iterator ends or is closed."""
    timeout, max_rows = query_limits(svc.settings)
    store = svc.registry.store
    size = svc.settings.sparql.max_concurrent
    if isinstance(store, EmbeddedStore) and store.on_disk:
        yield from store.query_workers(size).stream(query, fmt, QueryLimits(timeout, max_rows))
        return
    gate = _gate(store, size)
    yield gate.run(lambda: store.query_raw(query, fmt, QueryLimits(timeout, max_rows)), timeout)


def _chunks(
    svc: Services, query: str, fmt: ResultFormat
) -> AsyncGenerator[bytes, None] | Generator[bytes, None, None]:
    """As `stream_query`; the embedded store's answer waited for in the event loop, without a
    thread hop per chunk."""
    store = svc.registry.store
    if isinstance(store, EmbeddedStore) and store.on_disk:
        timeout, max_rows = query_limits(svc.settings)
        workers = store.query_workers(svc.settings.sparql.max_concurrent)
        return workers.astream(query, fmt, QueryLimits(timeout, max_rows))
    return stream_query(svc, query, fmt)


def check_query(query: str) -> bool:
    """Refuse anything but a read-only query, saying why; True for CONSTRUCT and DESCRIBE."""
    if not query.strip():
        raise UsageError("the query is empty: give a SPARQL 1.1 query in `query`")
    try:
        return query_form(query) is ox.QueryTriples
    except UsageError:
        prologue = _PROLOGUE.match(query)
        if _UPDATE.match(query, prologue.end() if prologue else 0):
            raise UsageError(f"the query is a SPARQL Update; {_READ_ONLY}") from None
        raise


class _Gate:
    """At most `size` queries evaluated at once, each in a daemon thread of its own (a remote
    store, or an embedded one in memory).

    A slot is held by the thread that evaluates a query until that thread ends, not by the
    request: a request that stopped waiting for a runaway query does not free its slot.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._slots = threading.BoundedSemaphore(size)

    def run(self, work: Callable[[], bytes], timeout: float | None) -> bytes:
        if not self._slots.acquire(blocking=False):
            raise TooManyRequestsError(
                f"{self.size} SPARQL queries are running already (sparql_max_concurrent); "
                "try again in a few seconds",
                retry_after=5,
            )
        future: Future[bytes] = Future()

        def evaluate() -> None:
            try:
                result = work()
            except BaseException as exc:  # handed to the waiting request
                self._slots.release()
                future.set_exception(_detached(exc))
            else:
                self._slots.release()
                future.set_result(result)

        try:
            threading.Thread(target=evaluate, name="nif-sparql", daemon=True).start()
        except RuntimeError:  # no thread to be had: the slot was never used
            self._slots.release()
            raise
        try:
            return future.result(timeout=timeout)
        except TimeoutError:
            raise QueryLimits(timeout).timed_out() from None


def _detached(exc: BaseException) -> BaseException:
    """`exc` without the tracebacks of its chain: their frames hold Oxigraph's query results,
    which may be dropped only in the thread that made them."""
    link: BaseException | None = exc
    while link is not None:
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
    return exc


_gates: weakref.WeakKeyDictionary[Store, _Gate] = weakref.WeakKeyDictionary()
_gates_lock = threading.Lock()


def _gate(store: Store, size: int) -> _Gate:
    """The gate of `store`: one per open store, so each app (and its settings) has its own."""
    with _gates_lock:
        gate = _gates.get(store)
        if gate is None:
            if size < 1:
                raise UsageError(f"sparql_max_concurrent must be at least 1, not {size}")
            gate = _gates[store] = _Gate(size)
        return gate


# Content negotiation


def negotiate(graph: bool, fmt: str | None, accept: str | None) -> ResultFormat:
    """The result format for a query (`graph`: CONSTRUCT/DESCRIBE) from `?format=` (a name,
    or media types like `Accept`), which wins, else `Accept` (q-values honoured; the server's
    preference breaks ties)."""
    kind = "a CONSTRUCT or DESCRIBE query" if graph else "a SELECT or ASK query"
    if fmt and "/" not in fmt:
        if fmt.strip().lower() in _FORMAT_NAMES[not graph].keys() - _FORMAT_NAMES[graph].keys():
            raise HTTPException(406, f"format {fmt!r} cannot be given for {kind}")
        return _negotiation.named(fmt, _FORMAT_NAMES[graph], kind)
    if fmt:  # media types, as SPARQLWrapper sends for JSON-LD
        accept = fmt
    return _negotiation.choose(accept, _MEDIA_TYPES[graph], kind)


# The protocol


async def _answer(
    svc: Services,
    query: str | None,
    *,
    fmt: str | None,
    accept: str | None,
    update: bool,
    dataset: bool,
) -> Response:
    """Check the request, choose the format, run the query in a thread and answer.
    `update`: an update was sent; `dataset`: default-graph-uri or named-graph-uri were."""
    if update:
        raise ForbiddenError(_READ_ONLY)
    if dataset:
        raise UsageError(
            "default-graph-uri and named-graph-uri are not supported: the default graph is the "
            "union of every record's graph; choose graphs in the query with FROM, FROM NAMED "
            "or GRAPH instead"
        )
    if query is None:
        raise UsageError("no query: give a SPARQL 1.1 query in the `query` parameter")
    result_format = negotiate(check_query(query), fmt, accept)
    return await chunked_response(
        _chunks(svc, query, result_format),
        media_type=result_format.media_type,
        headers={"Vary": "Accept"},
    )


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The results: SELECT and ASK as SPARQL JSON (default), XML, CSV or TSV; "
        "CONSTRUCT and DESCRIBE as Turtle (default), N-Triples, JSON-LD or RDF/XML.",
        "content": {fmt.media_type: {} for fmt in _RESULTS + _GRAPHS},
    },
    400: {"description": "Empty, malformed (with its line and column), federated or update query"},
    403: {"description": "An update: the endpoint is read-only"},
    406: {"description": "No format in Accept or ?format= fits the query's form"},
    413: {"description": "A POSTed query over 1 MiB"},
    415: {"description": "A POST body that is neither a form nor application/sparql-query"},
    422: {"description": "More results than sparql_max_rows"},
    429: {"description": "sparql_max_concurrent queries are running already (Retry-After)"},
    503: {"description": "The query ran past sparql_timeout (Retry-After), or the store failed"},
}
_QUERY_DOC = "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE); no SERVICE, no updates."
_FORMAT_DOC = (
    "The result format, over Accept: json, xml, csv, tsv (SELECT, ASK); turtle, ntriples, "
    "jsonld, rdfxml (CONSTRUCT, DESCRIBE); or a media type."
)


@router.get(
    "/sparql",
    summary="Query the registry with SPARQL 1.1 (GET)",
    description="The SPARQL 1.1 Protocol's query operation by GET. The default graph is the "
    "union of every record's graph (one named graph per record). Read-only; time limit "
    "`sparql_timeout`, row limit `sparql_max_rows`. Without a query: the SPARQL 1.1 service "
    "description (Turtle, or another RDF format by `Accept` or `?format=`), or a 303 to the "
    "query page (`/query`) for a browser.",
    responses=_RESPONSES,
    response_class=Response,
)
async def sparql_get(
    request: Request,
    svc: ServicesDep,
    query: Annotated[str | None, Query(description=_QUERY_DOC)] = None,
    result_format: Annotated[str | None, Query(alias="format", description=_FORMAT_DOC)] = None,
    default_graph_uri: Annotated[
        list[str] | None, Query(alias="default-graph-uri", description="Not supported (400).")
    ] = None,
    named_graph_uri: Annotated[
        list[str] | None, Query(alias="named-graph-uri", description="Not supported (400).")
    ] = None,
    update: Annotated[str | None, Query(description="Refused (403): read-only.")] = None,
) -> Response:
    if len(request.query_params.getlist("query")) > 1:
        raise UsageError(_SEVERAL_QUERIES)
    rdf_format = result_format is None or result_format.strip().lower() in FORMAT_NAMES
    if query is None and rdf_format and not request.query_params.keys() - {"format"}:
        return _describe(request, svc, result_format)
    return await _answer(
        svc,
        query,
        fmt=result_format,
        accept=request.headers.get("Accept"),
        update=update is not None,
        dataset=bool(default_graph_uri or named_graph_uri),
    )


def _describe(request: Request, svc: Services, fmt: str | None) -> Response:
    """No query: the page to write one for a browser (303), else the service description."""
    accept = request.headers.get("Accept")
    if wants_page(request, fmt):
        return RedirectResponse("/query", 303, headers={"Vary": "Accept"})
    media = _negotiation.negotiate(
        accept, fmt, [(m, m) for m in RDF_TYPES], FORMAT_NAMES, "the service description"
    )
    endpoint = str(request.url.replace(query=""))
    return rdf_response(service_description(endpoint, svc.settings), media)


_POST_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": _QUERY_DOC},
                    "format": {"type": "string", "description": _FORMAT_DOC},
                },
                "required": ["query"],
            }
        },
        "application/sparql-query": {"schema": {"type": "string", "description": _QUERY_DOC}},
    },
}


@router.post(
    "/sparql",
    summary="Query the registry with SPARQL 1.1 (POST)",
    description="The SPARQL 1.1 Protocol's query operation by POST: a form with `query` (and "
    "`format`), or the query itself as `application/sparql-query` (`format` in the URL). "
    "`application/sparql-update` and an `update` field are refused (403).",
    responses=_RESPONSES,
    response_class=Response,
    openapi_extra={"requestBody": _POST_BODY},
)
async def sparql_post(request: Request, svc: ServicesDep) -> Response:
    params = {key: request.query_params.getlist(key) for key in request.query_params}
    media_type = _negotiation.media_type(request.headers.get("Content-Type"))
    if media_type == "application/sparql-update":
        raise ForbiddenError(_READ_ONLY)
    if media_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        raise HTTPException(
            415,
            f"a SPARQL query is POSTed as application/x-www-form-urlencoded (query=...) or "
            f"as application/sparql-query, not {media_type or 'a body without Content-Type'}",
        )
    body = await _body(request)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"the request body is not UTF-8 (byte {exc.start})") from None
    if media_type == "application/sparql-query":
        if "query" in params:
            raise UsageError(_SEVERAL_QUERIES)
        query: str | None = text
    else:
        for key, value in parse_qsl(text, keep_blank_values=True):
            params.setdefault(key, []).append(value)
        queries = params.pop("query", [])
        if len(queries) > 1:
            raise UsageError(_SEVERAL_QUERIES)
        query = queries[0] if queries else None
    formats: list[str | None] = [*params.get("format", [])] or [None]
    return await _answer(
        svc,
        query,
        fmt=formats[-1],
        accept=request.headers.get("Accept"),
        update="update" in params,
        dataset=bool(params.get("default-graph-uri") or params.get("named-graph-uri")),
    )


async def _body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_QUERY_BYTES:
            raise UploadTooLargeError(
                f"the query is over {MAX_QUERY_BYTES // 1024} KiB; send a shorter query"
            )
        chunks.append(chunk)
    return b"".join(chunks)
