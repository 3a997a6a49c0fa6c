"""The SPARQL page's side of a query: its answer as one table.

The page runs queries through the same `run_query` as the `/sparql` endpoint (read-only, time
and size limited), as SPARQL JSON results for SELECT and ASK and as N-Triples for CONSTRUCT and
DESCRIBE, and turns either into rows of cells for one HTML table.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pyoxigraph as ox

from nif.store import ResultFormat
from nif.web import sparql
from nif.web._services import Services

MAX_SHOWN = 1000
"""Rows shown on the page; the `/sparql` endpoint gives all of them."""

_LANG_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


@dataclasses.dataclass(frozen=True)
class Cell:
    """One value: its text, its kind (iri, literal, bnode) and a literal's language or type."""

    text: str
    kind: str = "literal"
    lang: str | None = None
    datatype: str | None = None


@dataclasses.dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell | None]]
    total: int
    boolean: bool | None = None

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def _cell(term: dict[str, str]) -> Cell:
    kind = term.get("type", "literal")
    if kind == "typed-literal":
        kind = "literal"
    lang = term.get("xml:lang")
    return Cell(
        term.get("value", ""),
        "iri" if kind == "uri" else kind,
        lang if lang and _LANG_TAG.match(lang) else None,
        term.get("datatype"),
    )


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Cell:
    if isinstance(term, ox.NamedNode):
        return Cell(term.value, "iri")
    if isinstance(term, ox.BlankNode):
        return Cell(term.value, "bnode")
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.language is None else None
        return Cell(term.value, "literal", term.language, datatype)
    return Cell(str(term), "triple")


def table(data: bytes, fmt: ResultFormat) -> Table:
    """The answer `run_query` gave in `fmt`, as a table of at most MAX_SHOWN rows."""
    if fmt == ResultFormat.NTRIPLES:
        triples = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        rows: list[list[Cell | None]] = []
        total = 0
        for triple in triples:
            total += 1
            if len(rows) < MAX_SHOWN:
                rows.append([_term(triple.subject), _term(triple.predicate), _term(triple.object)])
        return Table(["subject", "predicate", "object"], rows, total)
    answer = json.loads(data)
    if "boolean" in answer:
        return Table([], [], 0, bool(answer["boolean"]))
    columns = list(answer.get("head", {}).get("vars", []))
    bindings = answer.get("results", {}).get("bindings", [])
    rows = [[_cell(b[c]) if c in b else None for c in columns] for b in bindings[:MAX_SHOWN]]
    return Table(columns, rows, len(bindings))


def answer(svc: Services, query: str) -> Table:
    """Run `query` as the endpoint would and tabulate the answer. Blocks: call it in a thread."""
    fmt = ResultFormat.NTRIPLES if sparql.check_query(query) else ResultFormat.JSON
    return table(sparql.run_query(svc, query, fmt), fmt)
