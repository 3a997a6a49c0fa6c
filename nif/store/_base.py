"""The one small interface the registry needs from an RDF store.

Two implementations: `EmbeddedStore` (Oxigraph on disk, the default) and `RemoteStore` (any
SPARQL 1.1 endpoint speaking the Query, Update and Graph Store protocols). The registry keeps one
named graph per record; a query's default graph is the union of the named graphs.

Terms cross this interface as rdflib terms (`URIRef`, `Literal`, `BNode`), and graph contents as
N-Triples bytes, so the registry never sees which store it talks to.
"""

from __future__ import annotations

import abc
import enum
import functools
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO, TypeVar

import pyoxigraph as ox
from rdflib.term import Node

from nif.errors import QueryTimeoutError, ResultTooLargeError, UsageError
from nif.settings import Settings

Row = dict[str, Node]
"""One solution of a SELECT: variable name to term; unbound variables are absent."""


class ResultFormat(enum.StrEnum):
    """Serializations `Store.query_raw` can return (SPARQL results, or RDF for CONSTRUCT)."""

    JSON = "json"
    XML = "xml"
    CSV = "csv"
    TSV = "tsv"
    TURTLE = "turtle"
    NTRIPLES = "ntriples"
    JSONLD = "jsonld"
    RDFXML = "rdfxml"

    @property
    def media_type(self) -> str:
        return {
            "json": "application/sparql-results+json",
            "xml": "application/sparql-results+xml",
            "csv": "text/csv",
            "tsv": "text/tab-separated-values",
            "turtle": "text/turtle",
            "ntriples": "application/n-triples",
            "jsonld": "application/ld+json",
            "rdfxml": "application/rdf+xml",
        }[self.value]

    @property
    def is_rdf(self) -> bool:
        """Whether this is an RDF format (for CONSTRUCT and DESCRIBE), not a results format."""
        return self in RDF_FORMATS


class DumpFormat(enum.StrEnum):
    """Quad formats for a full backup."""

    TRIG = "trig"
    NQUADS = "nquads"

    @property
    def media_type(self) -> str:
        return {"trig": "application/trig", "nquads": "application/n-quads"}[self.value]


RESULT_FORMATS = {
    ResultFormat.JSON: ox.QueryResultsFormat.JSON,
    ResultFormat.XML: ox.QueryResultsFormat.XML,
    ResultFormat.CSV: ox.QueryResultsFormat.CSV,
    ResultFormat.TSV: ox.QueryResultsFormat.TSV,
}
"""How each store writes SELECT and ASK results (both write them with Oxigraph)."""
RDF_FORMATS = {
    ResultFormat.TURTLE: ox.RdfFormat.TURTLE,
    ResultFormat.NTRIPLES: ox.RdfFormat.N_TRIPLES,
    ResultFormat.JSONLD: ox.RdfFormat.JSON_LD,
    ResultFormat.RDFXML: ox.RdfFormat.RDF_XML,
}
DUMP_FORMATS = {DumpFormat.TRIG: ox.RdfFormat.TRIG, DumpFormat.NQUADS: ox.RdfFormat.N_QUADS}

_T = TypeVar("_T")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"


def check_format(form: type, fmt: ResultFormat) -> None:
    """Refuse `fmt` when it does not fit the query's form (`QueryTriples` needs RDF)."""
    if form is ox.QueryTriples and not fmt.is_rdf:
        raise UsageError(
            f"a CONSTRUCT or DESCRIBE query gives RDF: use turtle, ntriples, jsonld or rdfxml, "
            f"not {fmt}"
        )
    if form is not ox.QueryTriples and fmt.is_rdf:
        raise UsageError(
            f"a SELECT or ASK query gives results: use json, xml, csv or tsv, not {fmt}"
        )


class QueryLimits:
    """A query's time and size limits, checked between the rows or triples a store reads.

    A store cannot interrupt one step of its evaluation (a sort, an aggregate, a join that finds
    nothing for long): the deadline is checked as soon as that step yields.
    """

    def __init__(self, timeout: float | None = None, max_rows: int | None = None) -> None:
        if timeout is not None and timeout <= 0:
            raise UsageError(f"a query time limit must be over 0 seconds, not {timeout:g}")
        if max_rows is not None and max_rows < 0:
            raise UsageError(f"a query row limit cannot be negative ({max_rows})")
        self.timeout, self.max_rows = timeout, max_rows
        self._deadline = None if timeout is None else time.monotonic() + timeout

    def restarted(self) -> QueryLimits:
        """The same limits with the clock started now: for a query that waited on nif's own
        work (a worker starting), which is not the query's time."""
        return QueryLimits(self.timeout, self.max_rows)

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no time limit)."""
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def check_time(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise self.timed_out()

    def timed_out(self) -> QueryTimeoutError:
        return QueryTimeoutError(
            f"the query ran past its time limit of {self.timeout:g} s (sparql_timeout); narrow "
            "it: more specific patterns, bound subjects or predicates, a LIMIT, and no ORDER BY "
            "or aggregate over a large join"
        )

    def too_large(self, what: str) -> ResultTooLargeError:
        return ResultTooLargeError(
            f"the query gives more than {self.max_rows:,} {what}, the limit (sparql_max_rows); "
            "add a LIMIT (and OFFSET to page through the results) or narrow its patterns"
        )

    def take(self, items: Iterable[_T], what: str) -> list[_T]:
        """Read `items` (rows or triples) up to the row limit and the deadline."""
        taken: list[_T] = []
        for item in items:
            taken.append(item)
            if self.max_rows is not None and len(taken) > self.max_rows:
                raise self.too_large(what)
            self.check_time()
        self.check_time()
        return taken


def query_limits(settings: Settings) -> tuple[float | None, int | None]:
    """The time limit and row limit for queries people send (`sparql_timeout`,
    `sparql_max_rows`; 0 turns one off), for `Store.query_raw`."""
    return settings.sparql.timeout or None, settings.sparql.max_rows or None


def write_results(
    results: ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple],
    fmt: ResultFormat,
    limits: QueryLimits,
) -> bytes:
    """A query's answer in `fmt`, its rows or triples read within `limits`: both stores write
    what they read this way, so their results are byte for byte alike."""
    if isinstance(results, ox.QueryBoolean):
        return results.serialize(format=RESULT_FORMATS[fmt]) or b""
    if isinstance(results, ox.QuerySolutions):
        return write_solutions(results.variables, limits.take(results, "rows"), fmt)
    return write_triples(limits.take(results, "triples"), fmt)


def write_triples(triples: Iterable[ox.Triple], fmt: ResultFormat) -> bytes:
    """CONSTRUCT or DESCRIBE results in `fmt`.

    Oxigraph's RDF/XML writer leaves carriage returns in literals raw, which every XML parser
    reads as line feeds: they are written as character references (its markup has none).
    """
    data = ox.serialize(triples, format=RDF_FORMATS[fmt]) or b""
    return data.replace(b"\r", b"&#13;") if fmt is ResultFormat.RDFXML else data


def write_solutions(
    variables: Iterable[ox.Variable], rows: Iterable[ox.QuerySolution], fmt: ResultFormat
) -> bytes:
    """SELECT results read row by row, written in `fmt` by Oxigraph's writers.

    Oxigraph writes only results it reads itself, so the rows go through its JSON reader.
    """
    names = [variable.value for variable in variables]
    bindings = [
        {name: _json_term(row[name]) for name in names if row[name] is not None} for row in rows
    ]
    text = json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}})
    results = ox.parse_query_results(text.encode(), format=ox.QueryResultsFormat.JSON)
    return results.serialize(format=RESULT_FORMATS[fmt]) or b""


def _json_term(term: Any) -> dict[str, Any]:
    """A term in the SPARQL 1.1 (and 1.2, for triple terms and directions) JSON results."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        return {"type": "triple", "value": {k: _json_term(v) for k, v in parts.items()}}
    value: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        value["xml:lang"] = term.language
        if term.direction is not None:
            value["its:dir"] = str(term.direction)
    elif term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING, _RDF_DIR_LANG_STRING):
        value["datatype"] = term.datatype.value
    return value


StoreObserver = Callable[[str, float], None]
"""Told the operation (`select`, `update` or `graph`) and the seconds of each store call."""

TIMED = {
    "select": "select",
    "ask": "select",
    "query_raw": "select",
    "graphs": "select",
    "update": "update",
    "replace_graph": "graph",
    "replace_graphs": "graph",
    "read_graph": "graph",
    "drop_graph": "graph",
    "load": "graph",
    "dump": "graph",
}
"""The calls `Store.observe` times, by the operation they count as."""


def _timed(method: Callable[..., Any], operation: str) -> Callable[..., Any]:
    @functools.wraps(method)
    def timed(self: Store, *args: Any, **kwargs: Any) -> Any:
        observer = self._observer
        if observer is None or getattr(calls := self._timing, "busy", False):
            return method(self, *args, **kwargs)  # not observed, or inside an outer timed call
        calls.busy = True
        started = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            calls.busy = False
            observer(operation, time.perf_counter() - started)

    return timed


class Store(abc.ABC):
    """An RDF dataset of named graphs. Every method raises `StoreError` when the store fails."""

    location: str
    """Where the store is, fit for messages and logs (never carries credentials)."""
    _observer: StoreObserver | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Time every back end's calls in one place, so none can forget to (`/metrics`)."""
        super().__init_subclass__(**kwargs)
        for name, operation in TIMED.items():
            if name in vars(cls):
                setattr(cls, name, _timed(vars(cls)[name], operation))

    _timing: threading.local
    """Whether this thread is inside a timed call (a call made by another counts once)."""

    def observe(self, observer: StoreObserver | None) -> None:
        """Tell `observer` how long each call takes (None: stop); one observer at a time."""
        self._timing = threading.local()
        self._observer = observer

    @abc.abstractmethod
    def select(self, query: str) -> list[Row]:
        """Run a SELECT query over the union of the named graphs."""

    @abc.abstractmethod
    def ask(self, query: str) -> bool:
        """Run an ASK query over the union of the named graphs."""

    @abc.abstractmethod
    def query_raw(self, query: str, fmt: ResultFormat, limits: QueryLimits | None = None) -> bytes:
        """Run a read-only query, results in `fmt` (an RDF format for CONSTRUCT/DESCRIBE).

        Updates are refused with `UsageError`, before reaching the store. Past the `limits`'
        time limit the query fails with `QueryTimeoutError`, and with `ResultTooLargeError`
        when it gives more than their `max_rows` rows (or triples); none by default. The
        embedded store notices its deadline only between rows: a caller that must answer in
        time waits in another thread.
        """

    @abc.abstractmethod
    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 Update in one transaction."""

    @abc.abstractmethod
    def replace_graph(self, graph: str, ntriples: bytes) -> None:
        """Replace named graph `graph` atomically: readers see old or new, never half."""

    def replace_graphs(self, graphs: dict[str, bytes]) -> None:
        """Replace several graphs; a store that can do it in one transaction overrides this."""
        for graph, ntriples in graphs.items():
            self.replace_graph(graph, ntriples)

    @abc.abstractmethod
    def read_graph(self, graph: str) -> bytes:
        """The triples of `graph` as N-Triples (empty when the graph does not exist)."""

    @abc.abstractmethod
    def drop_graph(self, graph: str) -> None:
        """Remove `graph`; no error when it does not exist."""

    @abc.abstractmethod
    def graphs(self) -> list[str]:
        """Every named graph in the store (a remote store may hold graphs that are not records)."""

    @abc.abstractmethod
    def load(self, data: bytes | BinaryIO, fmt: DumpFormat) -> None:
        """Add quads in bulk (restore, registry load). Not atomic: for fresh or replaced graphs."""

    @abc.abstractmethod
    def dump(self, out: BinaryIO, fmt: DumpFormat, graphs: Iterable[str]) -> None:
        """Write the quads of `graphs` to `out`."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release files or connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
