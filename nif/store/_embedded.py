"""The default store: Oxigraph on disk, in this process (one process may open it at a time)."""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from nif.errors import StoreError, UsageError
from nif.store._base import (
    DUMP_FORMATS,
    DumpFormat,
    QueryLimits,
    ResultFormat,
    Row,
    Store,
    check_format,
)
from nif.store._query_workers import QueryWorkers
from nif.store._result_stream import serialize_results, stream_results


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """An Oxigraph term as the rdflib term the registry works with."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


_KEYWORDS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*"
    r"|[?$]\w+"
    r"|[\w.-]*:[\w.%:-]*"
    r"|(?P<service>\bSERVICE\b)"
    r"|(?P<dataset>\bFROM\b)",
    re.IGNORECASE,
)
"""The keywords nif looks for in a query: strings, IRIs, comments, variables and prefixed
names are matched first, so `SERVICE` or `FROM` inside them are passed over."""
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def refuse_service(query: str) -> None:
    """Refuse federated queries: Oxigraph would follow a SERVICE IRI over HTTP from this
    process (to loopback or a cloud metadata address as readily as anywhere else).

    A lexical scan (strings, IRIs, comments, variables and prefixed names skipped, codepoint
    escapes decoded first as SPARQL does) errs on the side of refusing.
    """
    if "service" in _keywords(query):
        raise UsageError("federated queries (SERVICE) are not allowed")


def names_dataset(query: str) -> bool:
    """Whether `query` chooses its graphs with FROM or FROM NAMED: then its default graph is
    what it names, not the union of the named graphs (Oxigraph ignores FROM under the union)."""
    return "dataset" in _keywords(query)


def _keywords(query: str) -> set[str]:
    """Which of `_KEYWORDS`' named groups occur in `query` (codepoint escapes decoded)."""
    text = _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)
    return {m.lastgroup for m in _KEYWORDS.finditer(text) if m.lastgroup}


def graph_node(graph: str) -> ox.NamedNode:
    """The graph name as an IRI, so it can be written into an update without injection."""
    try:
        return ox.NamedNode(graph)
    except ValueError as exc:
        raise UsageError(f"not an absolute IRI for a graph name: {graph!r} ({exc})") from None


_REMEMBERED_QUERY = 16 * 1024
"""Queries up to this length have their form remembered (`_form`): clients repeat theirs."""


def query_form(query: str) -> type:
    """The kind of result `query` gives (`ox.QuerySolutions`, `ox.QueryBoolean` or
    `ox.QueryTriples`), found without a store: anything but a read-only query is refused."""
    return _form(query) if len(query) <= _REMEMBERED_QUERY else _form.__wrapped__(query)


@functools.lru_cache(maxsize=512)
def _form(query: str) -> type:
    """`query_form`, remembered for the last queries seen (a refusal is not remembered)."""
    refuse_service(query)
    try:
        return type(_EMPTY.query(query))
    except SyntaxError as exc:
        raise UsageError(f"not a SPARQL 1.1 query: {exc}") from None


_EMPTY = ox.Store()
"""A store with nothing in it, to parse queries against (evaluated, a query finds nothing)."""


def ensure_query(query: str) -> None:
    """Refuse anything but a read-only query (an update, or text that does not parse)."""
    query_form(query)


def parse_triples(data: bytes) -> list[ox.Triple]:
    """The triples of a graph given as N-Triples (Turtle, its superset, is accepted too)."""
    try:
        return [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:
        raise UsageError(f"not valid N-Triples: {exc}") from None


def _ntriples(data: bytes) -> str:
    """`data` parsed and written out again as N-Triples, so no text of it can end an update.

    Blank nodes get fresh labels: graphs written by one INSERT DATA share its label scope, and
    `_:b0` of one graph is not `_:b0` of another.
    """
    fresh: dict[str, ox.BlankNode] = {}

    def own(term: Any) -> Any:
        return (
            fresh.setdefault(term.value, ox.BlankNode()) if isinstance(term, ox.BlankNode) else term
        )

    triples = [ox.Triple(own(t.subject), t.predicate, own(t.object)) for t in parse_triples(data)]
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()


class EmbeddedStore(Store):
    """Oxigraph on disk at `path` (created if missing); `path=None` keeps it in memory."""

    generation = 0
    """Writes made through this handle: a query snapshot older than this is stale."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.location = str(path) if path is not None else ":memory:"
        self.on_disk = path is not None
        self._read_only = False
        self._workers: QueryWorkers | None = None
        self._workers_lock = threading.Lock()
        try:
            if path is None:
                self._store = ox.Store()
            else:
                Path(path).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
                QueryWorkers.clean(self.location)  # left by a killed process; the store is ours
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreError(
                    f"the store at {self.location} is in use by another process; the embedded "
                    "store serves one process at a time: while `nif serve` runs on it, give "
                    "--server URL (or NIF_SERVER) to work through the service, or share the "
                    "registry through a SPARQL endpoint"
                ) from None
            raise StoreError(f"cannot open the store at {self.location}: {exc}") from None

    @classmethod
    def read_only(cls, path: str | Path) -> EmbeddedStore:
        """A store opened read-only, for a snapshot nobody writes (`checkpoint`): a query
        worker's; opening a store another process writes is undefined in Oxigraph."""
        store = cls.__new__(cls)
        store.location, store.on_disk, store._read_only = "a query snapshot", True, True
        store._workers, store._workers_lock = None, threading.Lock()
        try:
            store._store = ox.Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(
                f"cannot open a query snapshot of the store: {exc.strerror or exc}"
            ) from None
        return store

    def checkpoint(self, target: Path) -> None:
        """A consistent copy of the store at `target` (a new folder), made of hard links to
        its immutable files: cheap, and never written by anyone."""
        store = self.__dict__.get("_store")
        if store is None:
            raise StoreError(f"{self.location}: the store is closed")
        try:
            store.backup(str(target))
        except OSError as exc:
            raise StoreError(f"{self.location}: cannot snapshot the store: {exc}") from None

    def query_workers(self, size: int) -> QueryWorkers:
        """The worker processes that run queries people send over snapshots of this store,
        killed at their time limit; made on first use, with `size` slots (an on-disk store)."""
        with self._workers_lock:
            if self._workers is None:
                if not self.on_disk:
                    raise UsageError("an in-memory store cannot be queried from another process")
                self._workers = QueryWorkers(self, size)
            return self._workers

    def _query(self, query: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        refuse_service(query)
        try:
            union = not names_dataset(query)
            return self._store.query(query, use_default_graph_as_union=union)
        except SyntaxError as exc:
            raise UsageError(f"not a SPARQL 1.1 query: {exc}") from None
        except OSError as exc:
            raise StoreError(f"{self.location}: query failed: {exc}") from None

    def select(self, query: str) -> list[Row]:
        results = self._query(query)
        if not isinstance(results, ox.QuerySolutions):
            raise UsageError("select() needs a SELECT query")
        names = [v.value for v in results.variables]
        rows = []
        for solution in results:
            row: Row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = to_rdflib(term)
            rows.append(row)
        return rows

    def ask(self, query: str) -> bool:
        result = self._query(query)
        if not isinstance(result, ox.QueryBoolean):
            raise UsageError("ask() needs an ASK query")
        return bool(result)

    def query_raw(self, query: str, fmt: ResultFormat, limits: QueryLimits | None = None) -> bytes:
        """Evaluated lazily and written by Oxigraph as it yields, so the limits stop a query
        as soon as it writes; Oxigraph has no time limit of its own."""
        check_format(query_form(query), fmt)
        limits = limits or QueryLimits()
        results = self._query(query)
        limits.check_time()
        try:
            return serialize_results(results, fmt, limits)
        except OSError as exc:
            raise StoreError(f"{self.location}: query failed: {exc}") from None

    def query_stream(
        self, query: str, fmt: ResultFormat, limits: QueryLimits, send: Callable[[bytes], None]
    ) -> bytes:
        """As `query_raw` for a query already checked (`query_form`, `check_format`): every
        full chunk to `send` as Oxigraph writes it, the rest returned (a query worker's)."""
        results = self._query(query)
        limits.check_time()
        try:
            return stream_results(results, fmt, limits, send)
        except OSError as exc:
            raise StoreError(f"{self.location}: query failed: {exc}") from None

    def update(self, update: str) -> None:
        try:
            self._store.update(update)
        except SyntaxError as exc:
            raise UsageError(f"not a SPARQL 1.1 update: {exc}") from None
        except OSError as exc:
            raise StoreError(f"{self.location}: update failed: {exc}") from None
        finally:  # after the write: a snapshot taken during it counts as older
            self.generation += 1

    def replace_graph(self, graph: str, ntriples: bytes) -> None:
        self.replace_graphs({graph: ntriples})

    def replace_graphs(self, graphs: dict[str, bytes]) -> None:
        # One update is one transaction: a crash leaves the old graphs or the new ones.
        names = {graph: graph_node(graph) for graph in graphs}
        drops = " ;\n".join(f"DROP SILENT GRAPH {names[g]}" for g in graphs)
        inserts = "\n".join(
            f"GRAPH {names[g]} {{\n{_ntriples(nt)}\n}}" for g, nt in graphs.items() if nt.strip()
        )
        self.update(f"{drops} ;\nINSERT DATA {{\n{inserts}\n}}" if inserts else drops)

    def read_graph(self, graph: str) -> bytes:
        node = graph_node(graph)
        if not self._store.contains_named_graph(node):
            return b""
        return self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node) or b""

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {graph_node(graph)}")

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def load(self, data: bytes | BinaryIO, fmt: DumpFormat) -> None:
        try:
            self._store.bulk_load(data, format=DUMP_FORMATS[fmt])
            self._store.optimize()  # bulk-written files make scans 1.3-2x slower until compacted
        except SyntaxError as exc:
            raise UsageError(f"not valid {fmt}: {exc}") from None
        except OSError as exc:
            raise StoreError(f"{self.location}: load failed: {exc}") from None
        finally:
            self.generation += 1

    def dump(self, out: BinaryIO, fmt: DumpFormat, graphs: Iterable[str]) -> None:
        quads = (
            quad
            for graph in graphs
            for quad in self._store.quads_for_pattern(None, None, None, graph_node(graph))
        )
        buffer = io.BytesIO()
        ox.serialize(quads, buffer, format=DUMP_FORMATS[fmt])
        out.write(buffer.getvalue())

    def close(self) -> None:
        """Stop the query workers, flush and release the store's files; closing twice is
        harmless."""
        with self._workers_lock:
            workers, self._workers = self._workers, None
        if workers is not None:
            workers.close()
        store = self.__dict__.pop("_store", None)
        if store is not None and not self._read_only:
            store.flush()
