"""Certificates and run graphs as documents, in the RDF syntaxes nif writes, with readable
prefixes: one writer for `nif certify export` and the service's RDF answers."""

from __future__ import annotations

from rdflib import Graph

from nif.certify._namespaces import OA
from nif.registry import DQV, EARL, PREFIXES, PROV

SYNTAXES = {
    "turtle": ("turtle", "text/turtle"),
    "json-ld": ("json-ld", "application/ld+json"),
    "ntriples": ("nt", "application/n-triples"),
    "rdf-xml": ("xml", "application/rdf+xml"),
}
"""The RDF syntaxes nif writes: its names (as in `?format=` and `--format`), the first the
default, to rdflib's serializer name and the media type."""


def rdf_document(graph: Graph, syntax: str) -> bytes:
    """`graph` written in `syntax` (a key of `SYNTAXES`), UTF-8."""
    shown = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        shown.bind(prefix, namespace)
    for prefix, namespace in (("earl", EARL), ("prov", PROV), ("dqv", DQV), ("oa", OA)):
        shown.bind(prefix, namespace)
    shown += graph
    return shown.serialize(format=SYNTAXES[syntax][0], encoding="utf-8")
