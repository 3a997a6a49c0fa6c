"""What a submission sends and a pull writes: a record file or bundle as one request body
named by its record's identifier, and a bundle zip written back as a folder.

The service takes one record per `PUT /api/records/{id}`: the identifier comes from the record
itself (`dct:identifier` of its agency or interface node), so `submit(path)` needs nothing
more than the local `nif registry submit` does.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from nif.archives import read_zip, replace_folder, write_zip
from nif.errors import InputError, UsageError

MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".nt": "application/n-triples",
}
"""A record file's media type by its suffix (the registry's record suffixes)."""
FORMAT_TYPES = {
    "turtle": "text/turtle",
    "json-ld": "application/ld+json",
    "rdf-xml": "application/rdf+xml",
    "ntriples": "application/n-triples",
}
_PARSERS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}
_RECORD_TYPES = (
    DCAT.DataService,
    URIRef("http://data.europa.eu/m8g/PublicOrganisation"),
    URIRef("http://www.w3.org/ns/org#Organization"),
)
_UNBOUNDED = sys.maxsize // 2
"""A local zip the user submits: their own file, read as the registry would."""
PULL_BYTES = 1 << 30
PULL_FILES = 10_000
"""The most a pulled bundle may unpack to: a server's zip is not trusted to be small."""


def record_body(target: Path, fmt: str | None) -> tuple[bytes, str, str]:
    """(body, media type, record identifier) of a record file, bundle folder or zip."""
    if target.is_dir():
        files = {
            str(p.relative_to(target)): p.read_bytes()
            for p in sorted(target.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(target).parts)
        }
        return write_zip(files), "application/zip", _identifier(files, str(target))
    if not target.is_file():
        raise InputError(f"{target}: no such file or folder")
    content = target.read_bytes()
    if zipfile.is_zipfile(target):
        files = dict(
            read_zip(content, max_bytes=_UNBOUNDED, max_files=_UNBOUNDED, what=str(target))
        )
        return content, "application/zip", _identifier(_top(files), str(target))
    media = FORMAT_TYPES[fmt] if fmt else MEDIA_TYPES.get(target.suffix.lower())
    if media is None:
        raise InputError(
            f"{target}: unknown record syntax (suffix {', '.join(MEDIA_TYPES)}, or --rdf-format)"
        )
    return content, media, identifier_of([(target.name, content, media)], str(target))


def _top(files: dict[str, bytes]) -> dict[str, bytes]:
    """A zip's files below its one top folder, if it has one (as the registry unpacks it)."""
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) == 1 and all("/" in name for name in files):
        (top,) = tops
        return {name[len(top) + 1 :]: data for name, data in files.items()}
    return files


def _identifier(files: dict[str, bytes], shown: str) -> str:
    records = [
        (name, data, MEDIA_TYPES[Path(name).suffix.lower()])
        for name, data in files.items()
        if "/" not in name and Path(name).suffix.lower() in MEDIA_TYPES
    ]
    if not records:
        raise InputError(
            f"{shown}: no record file ({', '.join(MEDIA_TYPES)}) at the top of the bundle"
        )
    return identifier_of(records, shown)


def identifier_of(records: list[tuple[str, bytes, str]], shown: str) -> str:
    """The `dct:identifier` of the one agency or interface the record files describe."""
    found: set[str] = set()
    for name, content, media in records:
        graph = Graph()
        try:
            graph.parse(data=content, format=_PARSERS[media], publicID=f"file:///{name}")
        except Exception as exc:  # rdflib's parsers raise many kinds
            raise InputError(f"{shown}: {name} is not well-formed RDF: {exc}") from None
        for kind in _RECORD_TYPES:
            for node in graph.subjects(RDF.type, kind):
                found.update(str(i) for i in graph.objects(node, DCTERMS.identifier))
    if len(found) != 1:
        what = "no record" if not found else f"{len(found)} records ({', '.join(sorted(found))})"
        raise UsageError(
            f"{shown}: holds {what}; through a service, submit one record (with its files) at "
            "a time"
        )
    return found.pop()


def write_bundle(content: bytes, target: Path, force: bool) -> tuple[str, int]:
    """A bundle zip written as the folder `target` (replaced whole with `force`): the record's
    kind (its top file `interface.ttl` or `agency.ttl`) and how many files were written."""
    files = read_zip(content, max_bytes=PULL_BYTES, max_files=PULL_FILES, what="the bundle")
    replace_folder(target, files, force)
    kind = "agency" if any(path == "agency.ttl" for path, _ in files) else "interface"
    return kind, len(files)
