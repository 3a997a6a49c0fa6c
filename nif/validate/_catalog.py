"""OASIS XML Catalogs 1.1: URIs and system identifiers mapped to local copies.

A catalog lets a schema that imports `https://...` (or a rule set that includes it) be collected
offline: the part keeps the URI as written, its bytes are the local copy's. A catalog can never
make nif read the network or a file outside the folders of the catalogs it was given: every
target is checked when the catalog is loaded, and again after a rewrite.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlparse
from urllib.request import url2pathname

from lxml import etree

from nif.errors import CompileError, InputError, ResolutionError
from nif.validate._artefacts import Fetcher, local_fetcher
from nif.validate._xml import Resolver, safe_parser

NS = "urn:oasis:names:tc:entity:xmlns:xml:catalog"
_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_CATALOG_DTDS = frozenset(
    {"-//OASIS//DTD XML Catalogs V1.1//EN", "-//OASIS//DTD Entity Resolution XML Catalog V1.0//EN"}
)
"""The DOCTYPEs catalogs are published with: their DTD is answered with nothing, never read."""
_MAX_CATALOGS = 64
"""How many catalog files (nextCatalog and delegate* included) one load may read."""

# element -> (kind, what it matches, the match attribute, the target attribute)
_ENTRIES = {
    "uri": ("uri", "exact", "name", "uri"),
    "rewriteURI": ("uri", "prefix", "uriStartString", "rewritePrefix"),
    "uriSuffix": ("uri", "suffix", "uriSuffix", "uri"),
    "delegateURI": ("uri", "delegate", "uriStartString", "catalog"),
    "system": ("system", "exact", "systemId", "uri"),
    "rewriteSystem": ("system", "prefix", "systemIdStartString", "rewritePrefix"),
    "systemSuffix": ("system", "suffix", "systemIdSuffix", "uri"),
    "delegateSystem": ("system", "delegate", "systemIdStartString", "catalog"),
    "public": ("public", "exact", "publicId", "uri"),
    "delegatePublic": ("public", "delegate", "publicIdStartString", "catalog"),
}


@dataclasses.dataclass(frozen=True)
class _Entry:
    kind: str  # uri | system | public
    match: str  # exact | prefix | suffix | delegate
    key: str
    target: str  # an absolute file: URI (a folder's for rewrites, a catalog's for delegates)
    where: str  # "catalog.xml, line 4: <rewriteURI>"


@dataclasses.dataclass(frozen=True)
class _File:
    """One catalog file: its entries in document order and its nextCatalogs."""

    uri: str
    entries: tuple[_Entry, ...]
    next: tuple[str, ...]


def _normalize_uri(uri: str) -> str:
    """The spec's URI normalisation: percent-encode what a URI may not hold, one spelling."""
    return quote(unquote(uri.strip()), safe="/:?#[]@!$&'()*+,;=~%-._")


def _normalize_public(public_id: str) -> str:
    return " ".join(public_id.split())


class Catalog:
    """One or more OASIS XML Catalog files, consulted in the order given.

    `resolve` answers for URIs (`uri` entries first, then `system` entries, as catalog-aware
    schema resolvers do). `public` entries are read and checked but never consulted: schemas
    and rules reference by URI, and libxml2 loads nothing for an `xs:import` by namespace alone.
    """

    def __init__(self, files: dict[str, _File], top: tuple[str, ...], roots: tuple[Path, ...]):
        self._files = files
        self._top = top
        self.roots = roots

    @classmethod
    def load(cls, paths: Iterable[str | Path]) -> Catalog:
        """Read catalog files and their nextCatalog/delegate catalogs; errors say file and line."""
        top: list[str] = []
        roots: list[Path] = []
        for path in paths:
            path = Path(path)
            if not path.is_file():
                raise InputError(f"{path}: no such catalog file")
            real = path.resolve()
            top.append(real.as_uri())
            if real.parent not in roots:
                roots.append(real.parent)
        files: dict[str, _File] = {}
        loader = _Loader(tuple(roots), files)
        for uri in top:
            loader.load(uri, None)
        return cls(files, tuple(top), tuple(roots))

    @property
    def files(self) -> list[str]:
        """The catalog files read, top-level first, as file: URIs."""
        return list(self._files)

    def resolve(self, uri: str) -> str | None:
        """The local file: URI a URI or system identifier maps to, or None."""
        key = _normalize_uri(uri)
        for kind in ("uri", "system"):
            found = self._walk(self._top, kind, key, set())
            if found:
                return found
        return None

    def fetcher(
        self, fallback: Fetcher = local_fetcher, *, read: Fetcher | None = None
    ) -> CatalogFetcher:
        """A `Fetcher` that reads mapped URIs from their local copies, the others by `fallback`.

        `read` reads a local copy by its file: URI (default: from disk); registry pinning
        passes its bundle reader, which applies the bundle's limits."""
        return CatalogFetcher(self, fallback, read or _read)

    def _walk(self, catalogs: Iterable[str], kind: str, key: str, seen: set[str]) -> str | None:
        """The spec's resolution order over a list of catalog files (7.1.2, 7.2.2)."""
        for uri in catalogs:
            if uri in seen:
                continue
            seen.add(uri)
            file = self._files[uri]
            entries = [e for e in file.entries if e.kind == kind]
            found = self._in_file(entries, kind, key, seen)
            if found is not None:
                return found or None  # "" means a delegation that failed: stop there
            found = self._walk(file.next, kind, key, seen)
            if found:
                return found
        return None

    def _in_file(self, entries: list[_Entry], kind: str, key: str, seen: set[str]) -> str | None:
        for entry in entries:
            if entry.match == "exact" and entry.key == key:
                return self._checked(entry.target, entry)
        rewrites = [e for e in entries if e.match == "prefix" and key.startswith(e.key)]
        if rewrites:
            best = max(rewrites, key=lambda e: len(e.key))
            return self._checked(_join(best.target, key[len(best.key) :]), best)
        suffixes = [e for e in entries if e.match == "suffix" and key.endswith(e.key)]
        if suffixes:
            best = max(suffixes, key=lambda e: len(e.key))
            return self._checked(best.target, best)
        delegates = [e for e in entries if e.match == "delegate" and key.startswith(e.key)]
        if delegates:
            ordered = sorted(delegates, key=lambda e: -len(e.key))
            targets = list(dict.fromkeys(e.target for e in ordered))
            return self._walk(targets, kind, key, seen) or ""
        return None

    def _checked(self, target: str, entry: _Entry) -> str:
        """`target` if it is a file inside the catalogs' folders, else refuse naming the entry."""
        problem = _outside(target, self.roots)
        if problem:
            raise ResolutionError(f"{entry.where}: maps to {target}, {problem}")
        return target


def _join(prefix: str, rest: str) -> str:
    if not prefix.endswith("/") and rest and not rest.startswith("/"):
        prefix += "/"
    return prefix + rest


def _path(uri: str) -> Path:
    return Path(url2pathname(urlparse(uri).path))


def _outside(target: str, roots: tuple[Path, ...]) -> str | None:
    """Why `target` may not be read, or None when it is a local file under one of `roots`."""
    parsed = urlparse(target)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return "which is not a local file (a catalog maps only to local copies)"
    real = Path(os.path.realpath(_path(target)))
    if not any(real == root or root in real.parents for root in roots):
        folders = ", ".join(str(r) for r in roots)
        return f"outside the catalog's folder ({folders})"
    return None


class _Loader:
    """Parses catalog files safely, with every relative target made absolute and checked."""

    def __init__(self, roots: tuple[Path, ...], files: dict[str, _File]) -> None:
        self._roots = roots
        self._files = files

    def load(self, uri: str, where: str | None) -> None:
        if uri in self._files:
            return
        if len(self._files) >= _MAX_CATALOGS:
            raise CompileError(f"{where}: more than {_MAX_CATALOGS} catalog files")
        shown = unquote(urlparse(uri).path)
        try:
            content = _path(uri).read_bytes()
        except OSError as exc:
            prefix = f"{where}: " if where else ""
            raise InputError(f"{prefix}cannot read catalog {shown}: {exc.strerror}") from None
        root = _parse(uri, content, shown)
        if root.tag != f"{{{NS}}}catalog":
            raise CompileError(
                f"{shown}, line {root.sourceline}: not an OASIS XML Catalog (the root element "
                f"is {root.tag!r}, expected catalog in {NS})"
            )
        self._files[uri] = _File(uri, (), ())  # a placeholder, so that cycles stop here
        entries: list[_Entry] = []
        nexts: list[tuple[str, str]] = []
        for element, base in _children(root, uri, "public", shown):
            name = etree.QName(element).localname
            where_entry = f"{shown}, line {element.sourceline}: <{name}>"
            if name == "nextCatalog":
                nexts.append((self._target(element, "catalog", base, where_entry), where_entry))
            else:
                entries.append(self._entry(element, name, base, where_entry))
        self._files[uri] = _File(uri, tuple(entries), tuple(n for n, _ in nexts))
        for entry in entries:
            if entry.match == "delegate":
                self.load(entry.target, entry.where)
        for next_uri, next_where in nexts:
            self.load(next_uri, next_where)

    def _entry(self, element: etree._Element, name: str, base: str, where: str) -> _Entry:
        if name not in _ENTRIES:
            raise CompileError(f"{where}: not an OASIS XML Catalog 1.1 entry")
        kind, match, key_attribute, target_attribute = _ENTRIES[name]
        key = (element.get(key_attribute) or "").strip()
        if not key:
            raise CompileError(f"{where}: the {key_attribute} attribute is missing")
        key = _normalize_public(key) if kind == "public" else _normalize_uri(key)
        return _Entry(kind, match, key, self._target(element, target_attribute, base, where), where)

    def _target(self, element: etree._Element, attribute: str, base: str, where: str) -> str:
        value = (element.get(attribute) or "").strip()
        if not value:
            raise CompileError(f"{where}: the {attribute} attribute is missing")
        target = urljoin(base, _normalize_uri(value))
        problem = _outside(target, self._roots)
        if problem:
            raise CompileError(f"{where}: {attribute}={value!r} refused: {problem}")
        return target


class _CatalogDtd(Resolver):
    """Answers the OASIS catalog DTD with an empty one and refuses every other resource."""

    def resolve(self, url: str | None, pubid: str | None, context: object) -> object:
        if pubid in _CATALOG_DTDS:
            return self.resolve_string(b"", context)
        raise etree.XMLSyntaxError(f"external resource {url!r} refused", 0, 0, 0)


def _parse(uri: str, content: bytes, shown: str) -> etree._Element:
    try:
        return etree.fromstring(content, safe_parser(_CatalogDtd()), base_url=uri)
    except etree.XMLSyntaxError as exc:
        line = (exc.position or (0, 0))[0]
        text = str(exc.msg or exc).split(", line ")[0]
        raise CompileError(f"{shown}, line {line}: not well-formed XML: {text}") from None


def _children(
    element: etree._Element, base: str, prefer: str, shown: str
) -> Iterator[tuple[etree._Element, str]]:
    """The entries of a catalog or group with their xml:base. `prefer` is checked; it has no
    effect, since nif never looks up a public identifier."""
    base = urljoin(base, element.get(_BASE, "").strip())
    prefer = _prefer(element, prefer, shown)
    for child in element.iterchildren(etree.Element):
        name = etree.QName(child)
        if name.namespace != NS:
            continue  # elements of other namespaces are ignored, as the spec says
        if name.localname == "group" and etree.QName(element).localname == "catalog":
            yield from _children(child, base, prefer, shown)
        else:
            _prefer(child, prefer, shown)
            yield child, urljoin(base, child.get(_BASE, "").strip())


def _prefer(element: etree._Element, inherited: str, shown: str) -> str:
    prefer = str(element.get("prefer", inherited)).strip()
    if prefer not in ("public", "system"):
        raise CompileError(
            f"{shown}, line {element.sourceline}: prefer must be 'public' or 'system', "
            f"not {prefer!r}"
        )
    return prefer


class CatalogFetcher:
    """Reads catalog-mapped URIs from their local copies and hands the rest to a fallback.

    It remembers where each URI's bytes came from, so `beside` can read a relative reference
    from the local copy's folder when the URI it resolves to (against the original URI) is not
    mapped itself.
    """

    def __init__(self, catalog: Catalog, fallback: Fetcher, read: Fetcher) -> None:
        self._catalog = catalog
        self._fallback = fallback
        self._read = read
        self._copies: dict[str, str] = {}

    def __call__(self, uri: str) -> bytes:
        local = self._catalog.resolve(uri)
        if local is not None:
            self._copies[uri] = local
            return self._read(local)
        try:
            return self._fallback(uri)
        except ResolutionError as exc:
            if urlparse(uri).scheme == "file" or "no catalog entry maps it" in str(exc):
                raise
            raise ResolutionError(f"{exc} (no catalog entry maps it)") from None

    def beside(self, referrer: str, ref: str) -> bytes | None:
        """`ref` read relative to the local copy of `referrer`, or None if `referrer` had no
        local copy or the catalog maps `ref` itself (whose copy is the one to read)."""
        copy = self._copies.get(referrer)
        if copy is None or self._catalog.resolve(urljoin(referrer, ref)) is not None:
            return None
        local = urljoin(copy, ref)
        problem = _outside(local, self._catalog.roots)
        if problem:
            raise ResolutionError(f"{local}: {problem}")
        uri = urljoin(referrer, ref)
        try:
            content = self._read(local)
        except ResolutionError as exc:
            raise ResolutionError(
                f"{uri}: no catalog entry maps it, and beside the local copy: {exc}"
            ) from None
        self._copies[uri] = local
        return content


def _read(local: str) -> bytes:
    try:
        return _path(local).read_bytes()
    except OSError as exc:
        raise ResolutionError(
            f"the catalog maps it to {unquote(urlparse(local).path)}, which cannot be "
            f"read: {exc.strerror or exc}"
        ) from None
