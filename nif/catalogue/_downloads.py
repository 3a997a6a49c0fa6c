"""Downloads: which registered file a sha256 names, so the service can serve its blob."""

from __future__ import annotations

from rdflib import Literal
from rdflib.namespace import XSD

from nif.catalogue import _reading as read
from nif.catalogue._model import Download
from nif.errors import InputError, NotFoundError
from nif.registry import sparql_prefixes
from nif.store import Store


def artefact(store: Store, sha256: str) -> Download:
    """A registered artefact, artefact part or example by its sha256, for serving its blob.

    Only files a current record registers are found: the blob store also holds record
    contents and history, which are not for download."""
    digest = sha256.strip().lower()
    if not read.SHA256.fullmatch(digest):
        raise InputError(f"{sha256!r} is not a sha256 checksum (64 hexadecimal digits)")
    value = Literal(digest, datatype=XSD.hexBinary).n3()
    # Each branch starts from the checksum, so none is evaluated over the whole registry, and
    # stops at its first match: a shared standard's bytes may be registered thousands of times.
    # A branch's facts come from one graph, so a graph cannot describe another's files.
    found = f"?c spdx:checksumValue {value} . ?n spdx:checksum ?c ; dcat:downloadURL ?url ."
    branches = {
        "artefact": "?m nif:schema|nif:rules ?n OPTIONAL { ?n dcat:mediaType ?mt }",
        "standard": "?n a dct:Standard OPTIONAL { ?n dcat:mediaType ?mt }",
        "example": "?m nif:example ?n OPTIONAL { ?n dcat:mediaType ?mt }"
        " OPTIONAL { ?n dct:title ?title }",
        "part": "?a nif:part ?n OPTIONAL { ?a dcat:mediaType ?mt }",
    }
    union = " UNION ".join(
        f"{{ SELECT ?kind ?url ?mt ?title WHERE {{ GRAPH ?g {{ {found} {pattern} }}"
        f' BIND("{kind}" AS ?kind) }} LIMIT 1 }}'
        for kind, pattern in branches.items()
    )
    rows = store.select(sparql_prefixes() + f"SELECT ?kind ?url ?mt ?title WHERE {{ {union} }}")
    if not rows:
        raise NotFoundError(f"no registered artefact or example has sha256 {digest}")
    row = min(rows, key=lambda r: list(branches).index(str(r["kind"])))
    name = read.file_name(str(row["url"]))
    if row["kind"] == Literal("example") and "title" in row:
        name = str(row["title"])
    kind = "artefact" if row["kind"] == Literal("standard") else str(row["kind"])
    return Download(
        digest, read.media_type(row.get("mt")) or "application/octet-stream", name or digest, kind
    )
