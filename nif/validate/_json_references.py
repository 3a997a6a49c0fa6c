"""Where a JSON Schema's `$ref`s and `$schema` point, and which documents they add to its set.

A reference resolves against the base URI in force where it is written: the document's URI, or
the nearest `$id` (`id` in draft 4) around it. That is how the drafts define it, and what the
engine does when it validates. To find the document behind it offline:

1. a catalog that maps the resolved URI wins: the part keeps that URI, its bytes are the copy's;
2. else, when the schema has an `$id` and the URI resolves beside it (same scheme and host), the
   document is looked for at the same place relative to the schema file: a schema published as
   `https://example.org/schemas/person.json` that refers to `defs/address.json` means the
   `defs/address.json` next to `person.json` on disk;
3. else the resolved URI itself (a local file, or refused: nif never reads the network).

A reference that cannot be found is named as written, with the `$id` it resolved against.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlparse
from urllib.request import url2pathname

from nif.errors import CompileError, ResolutionError
from nif.validate._artefacts import Artefact, ArtefactSet, Fetcher, collect, local_fetcher
from nif.validate._catalog import Catalog
from nif.validate._json import parse_json
from nif.validate._json_drafts import SUPPORTED, draft_named, is_bundled, known, schema_of

_NOT_SCHEMAS = {"enum", "const", "examples", "default"}
"""Keywords whose values are data, where a "$ref" or "$id" key means nothing."""
_MAX_SCHEMA_BYTES = 64 * 1024 * 1024


def load_schema(artefact: Artefact) -> tuple[Any, str]:
    """The parsed schema and its text; any parse finding (even a duplicate key) is fatal."""
    parsed = parse_json(artefact.content, max_bytes=_MAX_SCHEMA_BYTES)
    for finding in parsed.findings:
        where = finding.location
        at = f" line {where.line} column {where.column}" if where.line else ""
        raise CompileError(f"{artefact.uri}{at}: not a usable JSON Schema: {finding.message}")
    assert parsed.document is not None and parsed.document.json_text is not None
    return parsed.document.json, parsed.document.json_text


def is_draft4(schema: Any, draft: str | None = None) -> bool:
    """Whether the schema identifies itself with `id`: draft 4 by `$schema`, or by choice."""
    meta = schema_of(schema)
    found = known(meta) if meta is not None else None
    return (found.name if found else None if meta else draft) == "4"


def _identifier(node: dict[str, Any], draft4: bool) -> str | None:
    ident = node.get("id" if draft4 else "$id")
    return ident if isinstance(ident, str) else None


def canonical(uri: str, schema: Any, draft: str | None = None) -> str:
    """The schema's own URI: its root `$id` resolved against where it was read, else that."""
    ident = _identifier(schema, is_draft4(schema, draft)) if isinstance(schema, dict) else None
    return urldefrag(urljoin(uri, ident)).url if ident else uri


def walk(schema: Any, base: str, draft4: bool) -> Iterator[tuple[str, str | None, str, str]]:
    """(base URI, `$id` there or None, keyword, value) for every `$ref` and `$schema`, and
    (base, `$id`, "", "") for every subschema that has neither; no recursion."""
    stack = [(schema, base)]
    while stack:
        node, base = stack.pop()
        if isinstance(node, list):
            stack.extend((item, base) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        ident = _identifier(node, draft4)
        if ident is not None:
            base = urldefrag(urljoin(base, ident)).url
        found = False
        for keyword in ("$ref", "$schema"):
            value = node.get(keyword)
            if isinstance(value, str):
                found = True
                yield base, ident, keyword, value
        if not found:
            yield base, ident, "", ""
        stack.extend((v, base) for k, v in node.items() if k not in _NOT_SCHEMAS)


def mirror(target: str, own: str, uri: str) -> str:
    """`target` as a neighbour of `uri`, when it is a neighbour of the schema's own `$id`."""
    t, c = urlparse(target), urlparse(own)
    if own == uri or (t.scheme, t.netloc) != (c.scheme, c.netloc):
        return target
    relative = posixpath.relpath(t.path or "/", posixpath.dirname(c.path) or "/")
    return urljoin(uri, relative)


@dataclasses.dataclass(frozen=True)
class Reference:
    """One `$ref` or `$schema` to another document, as written and as resolved."""

    keyword: str
    written: str
    base: str
    """The URI it resolves against: the document's, or the `$id` in force."""
    target: str
    """The document it names (no fragment)."""
    uri: str
    """Where the set finds it: `target`, or its mirror beside the schema file."""

    def unavailable(self, referrer: str) -> str:
        """Why the reference fails, named as written: never only a path the user never wrote."""
        local = urlparse(self.target).scheme == "file"
        resolved = "" if self.written == self.target else f" (resolved to {shown(self.target)})"
        if self.base != referrer and self.written != self.target:
            resolved = f" (resolved against $id {self.base} to {self.target})"
        what = "is not available"
        if self.keyword == "$schema":
            what = f"is not a draft nif knows ({SUPPORTED}) and its meta-schema is not available"
        if local:
            how = "no such file"
        elif self.uri != self.target:
            how = (
                f"nif looked for it beside the schema, at {shown(self.uri)}: give that file, or "
                f"map {self.target} to a local copy with a catalog"
            )
        else:
            how = "nif never reads the network: map it to a local copy with a catalog"
        return f"{shown(referrer)}: {self.keyword} {self.written!r}{resolved} {what}; {how}"


def shown(uri: str) -> str:
    """A URI as the user knows it: a local file as its path."""
    parsed = urlparse(uri)
    return url2pathname(parsed.path) if parsed.scheme == "file" else uri


def references(
    artefact: Artefact, draft: str | None = None, mapped: Callable[[str], object] | None = None
) -> list[Reference]:
    """The other documents this schema's `$ref`s and custom `$schema` name.

    Fragment-only references, resources the document defines itself and the drafts' own
    documents are left out. `mapped(uri)` says whether a catalog maps a URI (rule 1).
    """
    schema, _ = load_schema(artefact)
    own = canonical(artefact.uri, schema, draft)
    found = list(walk(schema, own, is_draft4(schema, draft)))
    internal = {own} | {base for base, ident, _, _ in found if ident is not None}
    result: list[Reference] = []
    for base, _, keyword, value in found:
        if not keyword or value.startswith("#"):
            continue
        target = urldefrag(urljoin(base, value)).url
        if target in internal or is_bundled(target):
            continue
        uri = target if mapped is not None and mapped(target) else mirror(target, own, artefact.uri)
        if all(r.uri != uri for r in result):
            result.append(Reference(keyword, value, base, target, uri))
    return result


def json_references(artefact: Artefact, draft: str | None = None) -> list[str]:
    """The other documents a schema's `$ref`s and custom `$schema` name, for `collect`."""
    return [_relative(reference.uri, artefact.uri) for reference in references(artefact, draft)]


def _relative(uri: str, referrer: str) -> str:
    """`uri` relative to `referrer` when it is on the same host, else as it is. `collect`
    resolves it back to `uri`, and a catalog's fetcher can read a relative reference of a
    catalog copy beside that copy."""
    u, r = urlparse(uri), urlparse(referrer)
    if (u.scheme, u.netloc) != (r.scheme, r.netloc) or u.query or not u.path.startswith("/"):
        return uri
    relative = posixpath.relpath(u.path, posixpath.dirname(r.path) or "/")
    return relative if urljoin(referrer, relative) == uri else uri


def load_json_schema(
    path: str | Path,
    *,
    draft: str | None = None,
    catalog: Catalog | None = None,
) -> ArtefactSet:
    """A schema file and every document its references reach: local files, and URIs that
    `catalog` maps to local copies; other references are refused."""
    draft = draft_named(draft) if draft is not None else None
    mapped = catalog.resolve if catalog is not None else None
    fetch: Fetcher = catalog.fetcher(local_fetcher) if catalog is not None else local_fetcher

    def found(artefact: Artefact) -> list[str]:
        listed = references(artefact, draft, mapped)
        local = urlparse(artefact.uri).scheme == "file"
        for reference in listed:
            # a catalog copy's own references are the catalog fetcher's: it reads them beside
            # the copy when they are not mapped
            if local and not _available(reference.uri, mapped):
                raise ResolutionError(reference.unavailable(artefact.uri))
        return [_relative(reference.uri, artefact.uri) for reference in listed]

    return collect(Artefact.from_path(path), found, fetch)


def _available(uri: str, mapped: Callable[[str], object] | None) -> bool:
    """Whether the document behind a reference can be read: a catalog maps it, or it is a local
    file. A missing one is then named as written, not as the fetcher saw it."""
    if mapped is not None and mapped(uri):
        return True
    parsed = urlparse(uri)
    return parsed.scheme == "file" and Path(url2pathname(parsed.path)).is_file()


def explain(artefacts: ArtefactSet, schemas: dict[str, Any], draft: str | None, uri: str) -> str:
    """Why a URI the engine asked for is not in the set, naming the reference as written."""
    wanted = urldefrag(uri).url
    for part, schema in schemas.items():
        own = canonical(part, schema, draft)
        for base, _, keyword, value in walk(schema, own, is_draft4(schema, draft)):
            if keyword and urldefrag(urljoin(base, value)).url == wanted:
                reference = Reference(keyword, value, base, wanted, wanted)
                return reference.unavailable(part)
    return (
        f"{shown(artefacts.main)}: {uri!r} is not part of the schema set: validation resolves "
        "only local files, registered schemas and catalog copies, never the network"
    )
