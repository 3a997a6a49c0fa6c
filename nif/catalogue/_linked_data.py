"""What an IRI nif mints says about itself: its description from the graph that owns it.

An IRI is `base_iri` + a path; the path's first segments name the graph that owns it (a
record's, a certificate's, a run's, a suite's, an assessment's). An IRI that names a graph is
described by that whole graph (a record, a certificate); an IRI inside one by its concise
bounded description there (its triples, and those of its blank nodes). Only the owner graph is
read, so no other graph can add to what an IRI says of itself.
"""

from __future__ import annotations

import dataclasses
import re

from rdflib import Graph, Literal, URIRef

from nif.catalogue import _reading as read
from nif.errors import NotFoundError
from nif.registry import DCTERMS, PREFIXES, Registry, run_iri, sparql_prefixes

KINDS = ("agency", "interface", "certificate", "certification", "conformance", "compatibility")
"""The first path segments of IRIs nif describes (`catalogue` and `files` are served apart)."""

_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})+")
_MAX_PATH = 2048


@dataclasses.dataclass(frozen=True)
class Description:
    """An IRI's description; `segments` its path under `base_iri`; `identifier` the
    `dct:identifier` of the graph's own node (a record's, a certificate's), when it has one."""

    iri: str
    segments: tuple[str, ...]
    graph: Graph
    identifier: str | None


def segments(path: str) -> tuple[str, ...]:
    """The segments of an IRI path under `base_iri` (as sent, percent-encoding kept);
    `NotFoundError` for anything that cannot be an IRI nif mints (empty or dot segments,
    characters an IRI path does not take, a kind nif does not mint)."""
    parts = tuple(path.split("/"))
    if (
        len(path) > _MAX_PATH
        or len(parts) < 2
        or parts[0] not in KINDS
        or any(p in (".", "..") or not _SEGMENT.fullmatch(p) for p in parts)
    ):
        raise NotFoundError(f"nothing nif mints is at {path!r}")
    return parts


def describe(registry: Registry, path: str) -> Description:
    """The description of `base_iri` + `path`; `NotFoundError` when no graph says anything of it."""
    parts = segments(path)
    iri = registry.settings.registry.base_iri + path
    owner = _owner(registry, iri, parts)
    whole = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        whole.bind(prefix, namespace)
    if owner is not None:
        whole.parse(data=registry.store.read_graph(owner), format="nt")
    found = whole if owner == iri else whole.cbd(URIRef(iri))
    if not len(found):
        raise NotFoundError(f"nothing in the registry describes {iri}")
    for prefix, namespace in PREFIXES.items():
        found.bind(prefix, namespace)
    identifier = whole.value(URIRef(owner), DCTERMS.identifier) if owner else None
    return Description(iri, parts, found, str(identifier) if identifier is not None else None)


def _owner(registry: Registry, iri: str, parts: tuple[str, ...]) -> str | None:
    """The graph that owns `iri`: itself when it names a graph, else by its kind."""
    base = registry.settings.registry.base_iri
    if registry.store.ask(f"ASK {{ GRAPH {read.ref(iri)} {{ ?s ?p ?o }} }}"):
        return iri
    kind = parts[0]
    if kind in ("agency", "interface", "certificate"):
        return base + "/".join(parts[:2])
    if kind == "compatibility" and len(parts) >= 3:
        return base + "/".join(parts[:3])
    if kind == "conformance" and len(parts) >= 3:
        return base + "/".join(parts[:3]) + "/manifest.ttl"
    if kind == "certification" and parts[1] == "run" and len(parts) >= 3:
        return run_iri(registry.settings, parts[2])
    if kind == "certification" and parts[1] == "tool":
        # The tool of a run is described alike in every run that names it: take the first.
        runs = run_iri(registry.settings, "")
        rows = registry.store.select(
            sparql_prefixes() + f"SELECT ?g WHERE {{ GRAPH ?g {{ {read.ref(iri)} ?p ?o }}"
            f" FILTER(STRSTARTS(STR(?g), {Literal(runs).n3()})) }} ORDER BY ?g LIMIT 1"
        )
        return str(rows[0]["g"]) if rows else None
    return None


def file_checksum(registry: Registry, path: str) -> str:
    """The sha256 of the file a current record pinned at `base_iri` + `path` (`files/...`;
    only pinning writes there); `NotFoundError` when none did."""
    parts = tuple(path.split("/"))
    if (
        len(path) > _MAX_PATH
        or len(parts) < 3
        or parts[0] != "files"
        or any(p in (".", "..") or not _SEGMENT.fullmatch(p) for p in parts)
    ):
        raise NotFoundError(f"no file is served at {path!r}")
    url = read.ref(registry.settings.registry.base_iri + path)
    rows = registry.store.select(
        sparql_prefixes() + "SELECT ?v WHERE { GRAPH ?g {"
        f" ?n dcat:downloadURL {url} ; spdx:checksum ?c . ?c spdx:checksumValue ?v }}"
        " } LIMIT 1"
    )
    if not rows:
        raise NotFoundError(f"no current record serves a file at {path!r}")
    return str(rows[0]["v"]).lower()
