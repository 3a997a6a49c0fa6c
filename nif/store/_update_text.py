"""SPARQL Update text that writes whole graphs, shaped for what endpoints can take.

Virtuoso's SPARQL compiler refuses an operation of more than about 1,500 triples and blank
nodes in `INSERT DATA`, and it takes at most 10 MB of update text per request: triples go in
operations of `_CHUNK`, those with blank nodes as `INSERT {...} WHERE {}` with each blank node's
triples kept in one operation, and the most common namespaces become prefixes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

_CHUNK = 1000
"""Triples per `INSERT DATA` operation: Virtuoso's compiler gives up at about 1,500."""
_BNODE_CHUNK = 100
"""Triples per `INSERT {...} WHERE {}` operation: templates compile slowly on Virtuoso."""
_PREFIXES = 50
"""Namespaces written as prefixes in an update."""


def update_text(contents: dict[ox.NamedNode, list[ox.Triple]], *, replace: bool) -> str:
    """One update request writing `contents` (dropping each graph first if `replace`).

    Triples go in operations small enough for Virtuoso's compiler, and common namespaces
    become prefixes, as Virtuoso also takes at most 10 MB of text per request.
    """
    names = _Prefixes(t for triples in contents.values() for t in triples)
    operations = [f"DROP SILENT GRAPH {graph}" for graph in contents] if replace else []
    for graph, triples in contents.items():
        ground = [t for t in triples if not _blank_nodes(t)]
        operations += [
            f"INSERT DATA {{ GRAPH {graph} {{\n{names.triples(ground[i : i + _CHUNK])}}} }}"
            for i in range(0, len(ground), _CHUNK)
        ]
        operations += [
            f"INSERT {{ GRAPH {graph} {{\n{names.triples(chunk, graph.value)}}} }} WHERE {{}}"
            for chunk in _by_blank_node(t for t in triples if _blank_nodes(t))
        ]
    return names.prologue() + " ;\n".join(operations)


class _Prefixes:
    """Terms written for an update: the most common namespaces as prefixes (only for local
    names that need no escape, which Virtuoso cannot read), blank nodes relabelled plainly."""

    _SPLIT = re.compile(r"(.*[/#])([A-Za-z_][A-Za-z0-9_-]*)")

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        counts = Counter(
            match.group(1)
            for triple in triples
            for term in (triple.subject, triple.predicate, triple.object)
            if isinstance(term, ox.NamedNode) and (match := self._SPLIT.fullmatch(term.value))
        )
        self._names = {
            namespace: f"n{i}"
            for i, (namespace, uses) in enumerate(counts.most_common(_PREFIXES))
            if uses > 1
        }
        self._blank: dict[tuple[str, str], int] = {}

    def prologue(self) -> str:
        return "".join(f"PREFIX {name}: <{ns}>\n" for ns, name in self._names.items())

    def term(
        self, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, scope: str = ""
    ) -> str:
        """`term` as SPARQL; blank nodes are told apart by `scope` (their graph) and label."""
        if isinstance(term, ox.NamedNode):
            match = self._SPLIT.fullmatch(term.value)
            if match and match.group(1) in self._names:
                return f"{self._names[match.group(1)]}:{match.group(2)}"
        if isinstance(term, ox.BlankNode):
            return f"_:b{self._blank.setdefault((scope, term.value), len(self._blank))}"
        return str(term)

    def triples(self, triples: Iterable[ox.Triple], scope: str = "") -> str:
        lines = (
            (self.term(t.subject, scope), self.term(t.predicate), self.term(t.object, scope))
            for t in triples
        )
        return "".join(f"{s} {p} {o} .\n" for s, p, o in lines)


def _by_blank_node(triples: Iterable[ox.Triple]) -> Iterator[list[ox.Triple]]:
    """Batches of at most `_BNODE_CHUNK` triples (more only for one large component) in which
    all triples sharing a blank node, directly or through others, sit together: a blank node
    label means one node within an operation only."""
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    triples = list(triples)
    for triple in triples:
        first, *others = _blank_nodes(triple)
        for other in others:
            parent[root(other)] = root(first)
    components: dict[str, list[ox.Triple]] = {}
    for triple in triples:
        components.setdefault(root(_blank_nodes(triple)[0]), []).append(triple)
    batch: list[ox.Triple] = []
    for component in components.values():
        if batch and len(batch) + len(component) > _BNODE_CHUNK:
            yield batch
            batch = []
        batch += component
    if batch:
        yield batch


def _blank_nodes(triple: ox.Triple) -> list[str]:
    return [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
