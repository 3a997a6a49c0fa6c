"""Two versions of a record compared triple by triple, grouped for people to read.

Blank nodes are matched by content (`rdflib.compare`), so an unchanged discriminator or checksum
is not shown as removed and added again. What was added or removed is grouped by subject, with
prefixed names, the label of each node (its title or name) and blank nodes nested where they
hang, never as `_:b12`: the same structure for the JSON of the API, the pages and the CLI text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from nif.registry._namespaces import (
    DCTERMS,
    FOAF,
    MEDIA,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
    STATUS,
    TECHNIQUE,
    VCARD,
)

_NAMES = {
    **{p: str(ns) for p, ns in PREFIXES.items()},
    "status": str(STATUS),
    "technique": str(TECHNIQUE),
    "media": str(MEDIA),
}
_LABELS = (DCTERMS.title, SKOS.prefLabel, RDFS.label, FOAF.name, VCARD.fn)
_MAX_DEPTH = 8


@dataclasses.dataclass
class Term:
    """A node as shown: `text` (a prefixed name, `<iri>`, a literal in Turtle, or `[ ]` for a
    blank node), its IRI and label when it has them, and a blank node's own statements."""

    text: str
    iri: str | None = None
    label: str | None = None
    nested: list[Statement] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Statement:
    predicate: str
    predicate_iri: str
    objects: list[Term]


@dataclasses.dataclass
class Group:
    """The statements about one subject that were added (or removed)."""

    subject: Term
    statements: list[Statement]


@dataclasses.dataclass
class RecordDiff:
    added: list[Group]
    removed: list[Group]
    added_triples: int
    removed_triples: int

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    def text(self) -> str:
        """The diff as indented Turtle-like lines, `+` for added and `-` for removed groups."""
        lines: list[str] = []
        for sign, groups in (("-", self.removed), ("+", self.added)):
            for group in groups:
                lines.append(f"{sign} {_shown(group.subject)}")
                _statement_lines(group.statements, f"{sign}     ", lines)
        return "\n".join(lines)


def record_diff(old: Graph | None, new: Graph, lang: str = "en") -> RecordDiff:
    """What `new` adds to `old` and removes from it (`old` None: a record new to the
    registry); labels in `lang` where the record has them."""
    before, after = to_canonical_graph(old or Graph()), to_canonical_graph(new)
    removed, added = before - after, after - before
    names = _Namer(before + after, lang)
    return RecordDiff(
        _groups(added, names, after), _groups(removed, names, before), len(added), len(removed)
    )


def _groups(diff: Graph, names: _Namer, context: Graph) -> list[Group]:
    """One group per subject of `diff`; a blank node's statements nest under the triple of
    `diff` that reaches it, or else under the path from the IRI it hangs from in `context`."""
    referenced = {o for o in diff.objects() if isinstance(o, BNode)}
    found: dict[Node, list[Statement]] = {}
    linked: set[Node] = set()
    for subject in dict.fromkeys(diff.subjects()):
        if subject in referenced:
            continue
        found.setdefault(subject, []).extend(_statements(subject, diff, names, context, 0, set()))
        node = subject
        while isinstance(node, BNode) and node not in linked:
            parent = next(iter(context.subject_predicates(node)), None)
            if parent is None:
                break
            linked.add(node)
            above, predicate = parent
            term = Term("[ ]", nested=found[node])
            found.setdefault(above, []).append(
                Statement(names.text(predicate), str(predicate), [term])
            )
            node = above
    roots = sorted(
        (s for s in found if s not in linked), key=lambda s: (isinstance(s, BNode), names.text(s))
    )
    return [Group(names.term(s, context, _MAX_DEPTH, set()), found[s]) for s in roots]


def _statements(
    subject: Node, graph: Graph, names: _Namer, context: Graph, depth: int, seen: set[Node]
) -> list[Statement]:
    by_predicate: dict[Node, list[Node]] = {}
    for p, o in graph.predicate_objects(subject):
        by_predicate.setdefault(p, []).append(o)
    order = sorted(by_predicate, key=lambda p: (p != RDF.type, names.text(p)))
    return [
        Statement(
            "a" if p == RDF.type else names.text(p),
            str(p),
            sorted(
                (names.term(o, context, depth + 1, seen) for o in by_predicate[p]),
                key=lambda t: t.text + (t.label or ""),
            ),
        )
        for p in order
    ]


class _Namer:
    """Prefixed names and labels of the nodes of both versions."""

    def __init__(self, graph: Graph, lang: str) -> None:
        self.graph = graph
        self.lang = lang

    def text(self, node: Node) -> str:
        if isinstance(node, BNode):
            return "[ ]"
        if isinstance(node, Literal):
            datatype = f"^^{self.text(node.datatype)}" if node.datatype else ""
            language = f"@{node.language}" if node.language else ""
            return f'"{node}"{language}{datatype}'
        iri = str(node)
        for prefix, namespace in sorted(_NAMES.items(), key=lambda kv: -len(kv[1])):
            local = iri.removeprefix(namespace)
            if local != iri and local and all(c.isalnum() or c in "_-." for c in local):
                return f"{prefix}:{local}"
        return f"<{iri}>"

    def label(self, node: Node) -> str | None:
        found: list[Literal] = [
            o for p in _LABELS for o in self.graph.objects(node, p) if isinstance(o, Literal)
        ]
        for wanted in (self.lang, None, "en"):
            for literal in found:
                if literal.language == wanted:
                    return str(literal)
        return str(found[0]) if found else None

    def term(self, node: Node, context: Graph, depth: int, seen: set[Node]) -> Term:
        if isinstance(node, BNode):
            nested: list[Statement] = []
            if node not in seen and depth < _MAX_DEPTH:
                nested = _statements(node, context, self, context, depth, seen | {node})
            return Term("[ ]", nested=nested)
        if isinstance(node, URIRef):
            return Term(self.text(node), str(node), self.label(node))
        return Term(self.text(node))


def _shown(term: Term) -> str:
    return term.text + (f"  ({term.label})" if term.label else "")


def _statement_lines(statements: Iterable[Statement], indent: str, lines: list[str]) -> None:
    for statement in statements:
        for term in statement.objects:
            lines.append(f"{indent}{statement.predicate} {_shown(term)}")
            if term.nested:
                _statement_lines(term.nested, indent + "    ", lines)
