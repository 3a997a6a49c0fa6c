"""A stored record as the bundle it was submitted as: a zip a publisher can edit and send back.

The record file sits at the top (`interface.ttl` or `agency.ttl`, Turtle with the registry's
prefixes); every file the record pinned under its `{base_iri}files/{id}/` (artefacts, the parts
of their closures, examples) sits at its path beside it, read from the blob store, and the
record names them by relative URLs again. What pinning added (checksums, `nif:part`) is left
out, so the folder reads like `registry/interfaces/<id>/`; submitting the zip unchanged pins the
same files again and stores the same record.
"""

from __future__ import annotations

from urllib.parse import unquote

from rdflib import Graph, URIRef
from rdflib.term import Node

from nif.archives import write_zip
from nif.errors import NotFoundError, RegistryError
from nif.registry._blobs import BlobStore
from nif.registry._iris import files_base
from nif.registry._namespaces import PREFIXES
from nif.registry._pinning import pinned_files, unpin
from nif.registry._records import Record, RecordKind
from nif.registry._sources import IDENTIFIER
from nif.settings import Settings

RECORD_FILES = {RecordKind.INTERFACE: "interface.ttl", RecordKind.AGENCY: "agency.ttl"}
"""The name of the record file at the top of a bundle, by kind of record."""


def export_bundle(record: Record, blobs: BlobStore, settings: Settings) -> bytes:
    """The zip of `record` (a stored record) and its files: see the module docstring."""
    graph = Graph()
    graph += record.graph
    prefix = (
        files_base(settings, record.identifier)
        if IDENTIFIER.fullmatch(record.identifier or "")
        else None
    )
    files: dict[str, bytes] = {}
    if prefix is not None:
        for url, digest in sorted(pinned_files(graph, prefix).items()):
            files[unquote(url[len(prefix) :])] = _blob(blobs, digest, url, record)
        unpin(graph)
        _relative(graph, prefix)
    files[RECORD_FILES[record.kind]] = _turtle(graph)
    return write_zip(files)


def _blob(blobs: BlobStore, digest: str, url: str, record: Record) -> bytes:
    try:
        return blobs.get(digest)
    except NotFoundError:
        raise RegistryError(
            f"{record.identifier}: its file {url} (sha256 {digest}) is missing from the blob "
            "store; an operator must restore the blobs (nif registry import --blobs)"
        ) from None


def _relative(graph: Graph, prefix: str) -> None:
    """Every IRI under the record's files as a URL relative to the record file, which sits at
    the top of the bundle (`<./>` for the folder itself)."""

    def local(node: Node) -> Node:
        if isinstance(node, URIRef) and str(node).startswith(prefix):
            return URIRef(str(node)[len(prefix) :] or "./")
        return node

    for s, p, o in list(graph):
        moved = (local(s), p, local(o))
        if moved != (s, p, o):
            graph.remove((s, p, o))
            graph.add(moved)


def _turtle(graph: Graph) -> bytes:
    out = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace)
    out += graph
    return out.serialize(format="turtle", encoding="utf-8")
