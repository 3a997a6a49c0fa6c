"""A suite in the registry: its manifest's triples and checksum in the named graph of its IRI.

Certificates and runs name the suite they were judged on; publishing it lets SPARQL users read the
cases (titles, kinds, mandatory or not) behind an EARL assertion and compare checksums.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from nif.certify._suite import MANIFEST, Suite
from nif.registry import NIF, Registry, parse_records, sorted_ntriples, suite_base
from nif.settings import Settings
from nif.store import Store


def suite_graph(suite: Suite, settings: Settings) -> Graph:
    """The manifest's triples plus `<suite> nif:suiteChecksum "sha256"`."""
    manifest = next(f for f in suite.files if f.path == MANIFEST)
    base = suite_base(settings, suite.interface, suite.version) + MANIFEST
    graph = parse_records(
        manifest.content,
        source=f"{suite.interface}/{suite.version}/{MANIFEST}",
        fmt=ox.RdfFormat.TURTLE,
        base_iri=base,
        settings=settings,
    )
    graph.add((URIRef(suite.iri), NIF.suiteChecksum, Literal(suite.sha256)))
    return graph


def published(store: Store, suite: Suite) -> bool:
    """Whether the store holds this suite's graph already (by its checksum, which covers the
    manifest and every file)."""
    iri = URIRef(suite.iri).n3()
    return store.ask(
        f"ASK {{ GRAPH {iri} {{ {iri} {NIF.suiteChecksum.n3()} {Literal(suite.sha256).n3()} }} }}"
    )


def publish_suite(registry: Registry, suite: Suite) -> bool:
    """Store `suite`'s graph unless the registry has it already; True when it was written."""
    with registry._writing():
        if published(registry.store, suite):
            return False
        registry.store.replace_graph(
            suite.iri, sorted_ntriples(suite_graph(suite, registry.settings))
        )
        registry.changed()
    return True
