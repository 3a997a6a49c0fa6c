"""Reading records for people: a record's graph, literals by language, names of concepts.

Records are found as the registry stores them: a record's subject is its graph's name. Virtuoso
does not join a graph variable with a subject inside it, so queries bind both and compare
(`GRAPH ?g { ?r ... } FILTER(?r = ?g)`), as `Registry` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import unquote, urlsplit

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, SKOS
from rdflib.term import Node

from nif.errors import InputError, NotFoundError
from nif.registry import DCTERMS, MEDIA, SPDX, sparql_prefixes
from nif.store import Row, Store

SHA256 = re.compile(r"[0-9a-f]{64}")
_IRI = re.compile(r"[^\s<>\"{}|\\^`]+")


def agency_iri(store: Store, identifier: str) -> str:
    """The IRI of the agency record with identifier `identifier`; `NotFoundError`."""
    rows = store.select(
        sparql_prefixes() + "SELECT ?r WHERE {"
        f" GRAPH ?g {{ ?r a org:Organization ; dct:identifier {Literal(identifier).n3()} }}"
        " FILTER(?r = ?g) } LIMIT 1"
    )
    if not rows:
        raise NotFoundError(f"no agency with identifier {identifier!r} in the registry")
    return str(rows[0]["r"])


def read_graph(store: Store, iri: str) -> Graph:
    """The record graph named `iri`, parsed."""
    graph = Graph()
    graph.parse(data=store.read_graph(iri), format="nt")
    return graph


def by_subject(rows: Iterable[Row]) -> dict[str, dict[Node, list[Node]]]:
    """Rows of ?r ?p ?o as {subject: {predicate: [objects]}}, in first-seen order."""
    found: dict[str, dict[Node, list[Node]]] = {}
    for row in rows:
        props = found.setdefault(str(row["r"]), {})
        values = props.setdefault(row["p"], [])
        if row["o"] not in values:
            values.append(row["o"])
    return found


def text(values: Sequence[Node] | None, lang: str) -> str | None:
    """The literal in `lang` (or its primary language: "de" for "de-CH", and the other way),
    else English, else without a language, else the first by text."""
    literals = sorted((v for v in values or () if isinstance(v, Literal)), key=str)
    wanted = lang.lower()
    for primary in (wanted, wanted.split("-")[0], "en", None):
        for value in literals:
            tag = value.language.lower() if value.language else None
            if tag == primary or (primary and tag and tag.split("-")[0] == primary):
                return str(value)
    return str(literals[0]) if literals else None


def agency_name(props: dict[Node, list[Node]], lang: str) -> str:
    """An agency's preferred label, else its name, else its identifier."""
    return (
        text(props.get(SKOS.prefLabel), lang)
        or text(props.get(FOAF.name), lang)
        or text(props.get(DCTERMS.identifier), lang)
        or ""
    )


def first(values: Sequence[Node] | None) -> Node | None:
    """The first of `values` by text: the same one whatever order the store answers in."""
    return sorted(values, key=str)[0] if values else None


def iri(values: Sequence[Node] | None) -> str | None:
    """The first IRI among `values`, by text."""
    iris = sorted(str(v) for v in values or () if isinstance(v, URIRef))
    return iris[0] if iris else None


def local(node: Node | None, *prefixes: str) -> str | None:
    """A concept's name: the IRI after a known prefix, else after its last / or #."""
    if node is None:
        return None
    name = str(node)
    for prefix in prefixes:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return re.split(r"[/#]", name.rstrip("/#"))[-1] or name


def media_type(node: Node | None) -> str | None:
    """A media type from its IANA IRI (or as written)."""
    if node is None:
        return None
    return str(node).removeprefix(str(MEDIA))


def mailto(url: str | None) -> str | None:
    return url.removeprefix("mailto:") if url else None


def file_name(url: str) -> str:
    """The last segment of a URL's path, decoded."""
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])


def sha256(graph: Graph, node: Node) -> str | None:
    """The sha256 `spdx:checksum` of `node`, None when it has none."""
    for checksum in graph.objects(node, SPDX.checksum):
        value = graph.value(checksum, SPDX.checksumValue)
        if value is not None and SHA256.fullmatch(str(value).lower()):
            return str(value).lower()
    return None


def ref(iri: str) -> str:
    """An IRI from the store, written into a query; anything that could break out is refused."""
    if not _IRI.fullmatch(iri):
        raise InputError(f"{iri!r} is not an IRI nif can query")
    return f"<{iri}>"
