"""A stored record as the bundle it was submitted as: a zip a publisher can edit and send back.

The record file sits at the top (`interface.ttl` or `agency.ttl`, Turtle with the registry's
prefixes); every file the record pinned under its `{base_iri}files/{id}/` (artefacts, the parts
of their closures, examples) sits at its path beside it, read from the blob store, and the
record names them by relative URLs again. What pinning added (checksums, `nif:part`) is left
out, so the folder reads like `registry/interfaces/<id>/`; submitting the zip unchanged pins the
same files again and stores the same record.

Documents the record pinned from elsewhere (a schema's imports by https URL, read from the
network or through the submitted bundle's catalog) are in the bundle too, under `external/`,
with a `catalog.xml` mapping each URL to its copy: the zip registers offline, with the bytes
that were pinned, as a bundle with a catalog does (delete the catalog to fetch them again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlsplit

from lxml import etree
from rdflib import Graph, URIRef
from rdflib.term import Node

from nif.archives import write_zip
from nif.errors import NotFoundError, RegistryError
from nif.registry._blobs import Blobs
from nif.registry._bundle import CATALOG
from nif.registry._iris import files_base
from nif.registry._namespaces import PREFIXES
from nif.registry._pinning import pinned_files, unpin
from nif.registry._records import Record, RecordKind
from nif.registry._sources import IDENTIFIER, scheme
from nif.settings import Settings

RECORD_FILES = {RecordKind.INTERFACE: "interface.ttl", RecordKind.AGENCY: "agency.ttl"}
"""The name of the record file at the top of a bundle, by kind of record."""
CATALOG_NS = "urn:oasis:names:tc:entity:xmlns:xml:catalog"


def export_bundle(record: Record, blobs: Blobs, settings: Settings) -> bytes:
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
        external: dict[str, str] = {}
        for url, digest in sorted(pinned_files(graph, "").items()):
            if url.startswith(prefix):
                files[unquote(url[len(prefix) :])] = _blob(blobs, digest, url, record)
            elif scheme(url) in ("http", "https"):
                path = _external_path(url, files)
                files[path] = _blob(blobs, digest, url, record)
                external[url] = path
        if external and CATALOG not in files:
            files[CATALOG] = _catalog(external)
        unpin(graph)
        _relative(graph, prefix)
    files[RECORD_FILES[record.kind]] = _turtle(graph)
    return write_zip(files)


def _external_path(url: str, taken: Mapping[str, bytes]) -> str:
    """Where a document pinned from `url` goes in the bundle: `external/{host}/{path}`, or a
    name made from the URL when its path is no plain file path or is taken already."""
    parts = urlsplit(url)
    path = unquote(parts.path).strip("/")
    readable = f"external/{parts.hostname}/{path}"
    segments = path.split("/")
    if parts.query or not path or {"", ".", ".."} & set(segments) or readable in taken:
        name = segments[-1] if segments[-1] not in ("", ".", "..") else "document"
        return f"external/{hashlib.sha256(url.encode()).hexdigest()[:16]}/{name}"
    return readable


def _catalog(external: Mapping[str, str]) -> bytes:
    """An OASIS XML Catalog mapping each URL to its copy in the bundle."""
    root = etree.Element(f"{{{CATALOG_NS}}}catalog", nsmap={None: CATALOG_NS})
    for url, path in sorted(external.items()):
        etree.SubElement(root, f"{{{CATALOG_NS}}}uri", name=url, uri=quote(path, safe="/"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _blob(blobs: Blobs, digest: str, url: str, record: Record) -> bytes:
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
