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
from collections.abc import Iterable
from typing import BinaryIO

import pyoxigraph as ox
from rdflib.term import Node

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

    @property
    def media_type(self) -> str:
        return {
            "json": "application/sparql-results+json",
            "xml": "application/sparql-results+xml",
            "csv": "text/csv",
            "tsv": "text/tab-separated-values",
            "turtle": "text/turtle",
            "ntriples": "application/n-triples",
        }[self.value]


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
}
DUMP_FORMATS = {DumpFormat.TRIG: ox.RdfFormat.TRIG, DumpFormat.NQUADS: ox.RdfFormat.N_QUADS}


class Store(abc.ABC):
    """An RDF dataset of named graphs. Every method raises `StoreError` when the store fails."""

    location: str
    """Where the store is, fit for messages and logs (never carries credentials)."""

    @abc.abstractmethod
    def select(self, query: str) -> list[Row]:
        """Run a SELECT query over the union of the named graphs."""

    @abc.abstractmethod
    def ask(self, query: str) -> bool:
        """Run an ASK query over the union of the named graphs."""

    @abc.abstractmethod
    def query_raw(self, query: str, fmt: ResultFormat) -> bytes:
        """Run a read-only query, results in `fmt` (an RDF format for CONSTRUCT/DESCRIBE).

        Updates are refused with `UsageError`, before reaching the store.
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
