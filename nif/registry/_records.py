"""Records: the unit the registry stores, one named graph each.

A record is an agency, or an interface with its versions, message types and artefacts. A
submitted document is parsed (Turtle, JSON-LD, RDF/XML, N-Triples) and split into records: each
agency or interface node starts one, and takes every node it reaches that is not itself a record.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from nif.errors import InputError, RecordSyntaxError
from nif.registry._namespaces import CV, DCAT, DCTERMS, NIF, ORG, RDF
from nif.settings import Settings
from nif.store import to_rdflib
from nif.validate import has_doctype


class RecordKind(enum.StrEnum):
    AGENCY = "agency"
    INTERFACE = "interface"


FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".nt": ox.RdfFormat.N_TRIPLES,
}
FORMAT_NAMES = {
    "turtle": ox.RdfFormat.TURTLE,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdf-xml": ox.RdfFormat.RDF_XML,
    "ntriples": ox.RdfFormat.N_TRIPLES,
}
RECORD_SUFFIXES = (".ttl", ".jsonld", ".rdf", ".nt")


@dataclasses.dataclass
class Record:
    """One record: its main node (also its graph name), kind, identifier and triples."""

    iri: str
    kind: RecordKind
    identifier: str
    graph: Graph
    source: str = "<record>"

    def ntriples(self) -> bytes:
        """The record as sorted N-Triples with content-derived blank node labels: the form
        stored, hashed and kept in history, so the same record always has the same hash."""
        return sorted_ntriples(self.graph)

    def sha256(self) -> str:
        return hashlib.sha256(self.ntriples()).hexdigest()

    @property
    def subjects(self) -> list[Node]:
        return list(dict.fromkeys(self.graph.subjects()))


def sorted_ntriples(graph: Graph, without: URIRef | None = None) -> bytes:
    """`graph` (minus `without` triples) as sorted N-Triples with content-derived blank node
    labels: the same graph always gives the same bytes, however it was parsed."""
    labels = _blank_labels(graph)
    lines = sorted(
        " ".join(labels[t] if isinstance(t, BNode) else t.n3() for t in triple) + " ."
        for triple in graph
        if without is None or triple[1] != without
    )
    return ("\n".join(lines) + "\n").encode("utf-8")


_ANCHOR_BUDGET = 100_000_000
"""Characters the anchors of blank nodes that say the same may take (about a second): a few
thousand for a record. Two alike chains (or RDF lists) cost the cube of their length, about
this much at 170 levels; deeper ones would take hours, and are refused instead."""


def _blank_labels(graph: Graph) -> dict[BNode, str]:
    """Labels from what each blank node says (recursively), numbered where two say the same
    in the order of where they hang.

    Records use blank nodes as trees (checksums, contact points, discriminators), which this
    names canonically without the cost of a full graph canonicalisation. The walks keep their
    own stacks, so any nesting depth is labelled (time linear in the triples); anchors, needed
    only for nodes that say the same, are bounded by `_ANCHOR_BUDGET` (`InputError`).
    """
    spent = [0]
    signatures: dict[BNode, str] = {}

    def signature(node: BNode, parts: list[str]) -> str:
        text = "\n".join(sorted(parts))
        signatures[node] = hashlib.sha256(text.encode()).hexdigest()[:24]
        return signatures[node]

    def anchor(_: BNode, parts: list[str]) -> str:
        text = "\n".join(sorted(parts))
        spent[0] += len(text) + 1
        if spent[0] > _ANCHOR_BUDGET:
            raise InputError(
                f"too many blank nodes say the same, nested too deep, to be labelled "
                f"canonically (over {_ANCHOR_BUDGET:,} characters of anchors); records and "
                "certificates nest blank nodes a few levels deep"
            )
        return text

    def said(p: Node, o: Node, nested: str | None) -> str:
        return f"{p.n3()} {o.n3() if nested is None else nested}"

    def hangs(p: Node, s: Node, above: str | None) -> str:
        """Where a node hangs: each (parent, predicate), a parent named by its IRI or by its
        own signature and anchor. It orders nodes that say the same (which the signature
        alone left to parse order), so their labels are canonical too."""
        if isinstance(s, BNode):
            return f"{p.n3()} {signatures[s]} {above or ''}"
        return f"{p.n3()} {s.n3()}"

    def parents(node: BNode) -> Iterator[tuple[Node, Node]]:
        return ((p, s) for s, p in graph.subject_predicates(node))

    blanks = {t for triple in graph for t in triple if isinstance(t, BNode)}
    groups: dict[str, list[BNode]] = {}
    for node in blanks:
        if node not in signatures:
            _depth_first(node, graph.predicate_objects, said, signature, signatures)
        groups.setdefault(signatures[node], []).append(node)
    labels: dict[BNode, str] = {}
    for base, nodes in groups.items():
        if len(nodes) == 1:
            labels[nodes[0]] = f"_:b{base}"
            continue
        anchors = {node: _depth_first(node, parents, hangs, anchor) for node in nodes}
        for number, node in enumerate(sorted(nodes, key=anchors.__getitem__), 1):
            labels[node] = f"_:b{base}" if number == 1 else f"_:b{base}x{number}"
    return labels


def _depth_first(
    root: BNode,
    edges: Callable[[BNode], Iterable[tuple[Node, Node]]],
    part: Callable[[Node, Node, str | None], str],
    finish: Callable[[BNode, list[str]], str],
    known: dict[BNode, str] | None = None,
) -> str:
    """`value(root)` of the recursion `value(node) = finish(node, [part(p, other, nested)
    for p, other in edges(node)])`, where `nested` is `value(other)` (or `known[other]`) for
    a blank node not on the path from `root` to `node`, else None; with a stack of its own.
    """
    on_path: Counter[BNode] = Counter({root: 1})
    frames: list[tuple[BNode, Iterator[tuple[Node, Node]], list[str], list[Node]]] = [
        (root, iter(edges(root)), [], [])
    ]
    returned = ""
    while True:
        node, pending, parts, waiting = frames[-1]
        if waiting:  # the value of the nested node this frame waited for
            p, other = waiting
            waiting.clear()
            parts.append(part(p, other, returned))
        descended = False
        for p, other in pending:
            if isinstance(other, BNode) and on_path[other] - (other == node) <= 0:
                if known is not None and other in known:
                    parts.append(part(p, other, known[other]))
                    continue
                waiting.extend((p, other))
                on_path[other] += 1
                frames.append((other, iter(edges(other)), [], []))
                descended = True
                break
            parts.append(part(p, other, None))
        if descended:
            continue
        returned = finish(node, parts)
        on_path[node] -= 1
        frames.pop()
        if not frames:
            return returned


def guess_format(name: str, fmt: str | None = None) -> ox.RdfFormat:
    if fmt:
        try:
            return FORMAT_NAMES[fmt]
        except KeyError:
            known = ", ".join(FORMAT_NAMES)
            raise InputError(f"unknown RDF format {fmt!r} (use {known})") from None
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise InputError(
            f"{name}: cannot tell the RDF format from {suffix or 'no suffix'!r} ({known})"
        )
    return FORMATS[suffix]


def parse_records(
    content: bytes,
    *,
    source: str,
    fmt: ox.RdfFormat,
    base_iri: str | None,
    settings: Settings,
) -> Graph:
    """Parse one document safely into an rdflib graph; errors say where (line, column)."""
    if len(content) > settings.registry.max_record_bytes:
        raise InputError(
            f"{source}: {len(content):,} bytes is more than the limit of "
            f"{settings.registry.max_record_bytes:,} bytes (max_record_bytes)"
        )
    if fmt is ox.RdfFormat.RDF_XML and has_doctype(content):
        raise RecordSyntaxError(f"{source}: a DOCTYPE is not allowed (no DTDs or entities)")
    graph = Graph()
    blanks: dict[str, BNode] = {}
    try:
        for quad in ox.parse(content, format=fmt, base_iri=base_iri, without_named_graphs=True):
            triple = tuple(_term(t, blanks) for t in (quad.subject, quad.predicate, quad.object))
            _check_literal(triple[2], triple, source, settings)
            graph.add(triple)  # type: ignore[arg-type]
    except SyntaxError as exc:
        raise RecordSyntaxError(f"{source}: {_syntax_message(exc)}") from None
    if not graph:
        raise RecordSyntaxError(f"{source}: no triples")
    return graph


def _term(term: object, blanks: dict[str, BNode]) -> Node:
    if isinstance(term, ox.BlankNode):
        return blanks.setdefault(term.value, BNode())
    if isinstance(term, ox.Triple):
        raise RecordSyntaxError("RDF-star quoted triples are not supported in records")
    return to_rdflib(term)  # type: ignore[arg-type]


def _check_literal(node: Node, triple: tuple[Node, ...], source: str, settings: Settings) -> None:
    if isinstance(node, Literal) and len(node) > settings.registry.max_literal_chars:
        raise InputError(
            f"{source}: the value of <{triple[1]}> on {_show(triple[0])} has {len(node):,} "
            f"characters, more than the limit of {settings.registry.max_literal_chars:,} "
            "(max_literal_chars)"
        )


def _syntax_message(exc: SyntaxError) -> str:
    text = str(exc.msg if exc.msg else exc)
    if "LoadDocumentCallback" in text or "remote context" in text.lower():
        return "a remote JSON-LD @context is not allowed; put the context inline in the document"
    if exc.lineno and "line" not in text:
        return f"line {exc.lineno}, column {exc.offset}: {text}"
    return text.replace("Parser error at ", "")


def _show(node: Node) -> str:
    return f"<{node}>" if isinstance(node, URIRef) else str(node.n3())


def kind_of(graph: Graph, node: Node) -> RecordKind | None:
    types = set(graph.objects(node, RDF.type))
    if CV.PublicOrganisation in types or ORG.Organization in types:
        return RecordKind.AGENCY
    if DCAT.DataService in types and NIF.InterfaceVersion not in types:
        return RecordKind.INTERFACE
    return None


def split(graph: Graph, source: str) -> list[Record]:
    """The records in a parsed document; every node must belong to one."""
    mains = sorted(
        {s for s in graph.subjects(RDF.type, None) if kind_of(graph, s) is not None}, key=str
    )
    if not mains:
        raise InputError(
            f"{source}: no record found: a record is an agency (cv:PublicOrganisation) or an "
            "interface (dcat:DataService that is not a nif:InterfaceVersion)"
        )
    owner: dict[Node, Node] = {}
    for main in mains:
        if not isinstance(main, URIRef):
            raise InputError(f"{source}: a record's main node needs an IRI, not a blank node")
        for node in _reachable(graph, main, set(mains)):
            owner.setdefault(node, main)
    orphans = sorted(str(s) for s in set(graph.subjects()) if s not in owner)
    if orphans:
        raise InputError(
            f"{source}: {_show_list(orphans)} not reachable from any agency or interface of the "
            "document; link them from the record they belong to"
        )
    records = []
    for main in mains:
        sub = Graph()
        for s, p, o in graph:
            if owner.get(s) == main:
                sub.add((s, p, o))
        records.append(
            Record(str(main), kind_of(graph, main), _identifier(graph, main), sub, source)  # type: ignore[arg-type]
        )
    return records


def _reachable(graph: Graph, start: Node, stop: set[Node]) -> Iterable[Node]:
    seen = {start}
    pending = [start]
    while pending:
        node = pending.pop()
        yield node
        for obj in graph.objects(node, None):
            if obj not in seen and obj not in stop and (obj, None, None) in graph:
                seen.add(obj)
                pending.append(obj)


def _identifier(graph: Graph, node: Node) -> str:
    value = graph.value(node, DCTERMS.identifier)
    return str(value) if value is not None else ""


def _show_list(items: list[str]) -> str:
    shown = ", ".join(f"<{i}>" if not i.startswith("_:") else i for i in items[:5])
    more = f" and {len(items) - 5} more" if len(items) > 5 else ""
    return f"node(s) {shown}{more} are"


def stored_record(
    iri: str, content: bytes, source: str = "<store>", *, lean: bool = False
) -> Record | None:
    """The record in the stored graph `iri`, or None when the graph is not a record (its main
    node is no agency or interface: a certificate, say). `lean`: in a store without contexts,
    about twice as fast to fill and read, for a record only read (the registry check reads
    every record)."""
    graph = Graph(store=SimpleMemory()) if lean else Graph()
    if content.strip():
        add_ntriples(graph, content)
    node = URIRef(iri)
    kind = kind_of(graph, node)
    if kind is None:
        return None
    return Record(iri, kind, _identifier(graph, node), graph, source)


_XSD_STRING = b"^^<http://www.w3.org/2001/XMLSchema#string>"


def add_ntriples(graph: Graph, content: bytes) -> list[Node]:
    """Add N-Triples to `graph` with fresh blank nodes, as rdflib's parser does, but parsed by
    Oxigraph with shared terms: a few times faster, and the registry check reads every record
    (and its context) this way. The subjects added, in order.

    rdflib keeps an explicit `^^xsd:string` that Oxigraph drops, and accepts some text
    Oxigraph refuses: such content goes to rdflib's parser, so the graph is always the same."""
    if _XSD_STRING in content:
        return _rdflib_ntriples(graph, content)
    blanks: dict[str, BNode] = {}
    subjects: dict[Node, None] = {}

    def term(node: object) -> Node:
        if isinstance(node, ox.BlankNode):
            blank = blanks.get(node.value)
            if blank is None:
                blank = blanks[node.value] = BNode()
            return blank
        if isinstance(node, ox.Triple):
            raise TypeError("an RDF-star quoted triple")
        return _shared_term(node)

    try:
        triples = [
            (term(t.subject), term(t.predicate), term(t.object))
            for t in ox.parse(content, format=ox.RdfFormat.N_TRIPLES)
        ]
    except (SyntaxError, TypeError):
        return _rdflib_ntriples(graph, content)
    graph.addN((s, p, o, graph) for s, p, o in triples)
    subjects.update((s, None) for s, _, _ in triples)
    return list(subjects)


def _rdflib_ntriples(graph: Graph, content: bytes) -> list[Node]:
    part = Graph().parse(data=content.decode("utf-8"), format="nt")
    graph += part
    return list(dict.fromkeys(part.subjects()))


@functools.lru_cache(maxsize=1 << 16)
def _shared_term(node: ox.NamedNode | ox.Literal) -> Node:
    """IRIs and literals recur across records (predicates, classes, vocabularies): built once."""
    return to_rdflib(node)


def from_ntriples(
    iri: str, content: bytes, source: str = "<store>", *, lean: bool = False
) -> Record:
    """A stored record back from its N-Triples (`lean`: see `stored_record`)."""
    record = stored_record(iri, content, source, lean=lean)
    if record is None:
        raise InputError(f"<{iri}> is not an agency or interface record")
    return record


def literal_text(node: Node | None) -> str:
    return str(node) if node is not None else ""
