"""Artefacts (schemas, rule sets) and the closed sets they form with their imports and includes.

A step never reads a file or the network on its own: it compiles from an `ArtefactSet`, the
artefact plus everything it imports, collected once with a `Fetcher`. The set's hash is the key
compiled validators are cached by, and each part's sha256 goes into the report.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urldefrag, urljoin, urlparse
from urllib.request import url2pathname

from nif.errors import InputError, ResolutionError
from nif.report import ArtefactRef

Fetcher = Callable[[str], bytes]
"""Returns the bytes behind an absolute URI, or raises `ResolutionError`."""


@runtime_checkable
class LocalCopies(Protocol):
    """A fetcher that serves some URIs from local copies (a catalog's) and can read a relative
    reference beside the copy when the URI it resolves to is not mapped itself."""

    def __call__(self, uri: str) -> bytes: ...

    def beside(self, referrer: str, ref: str) -> bytes | None: ...


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclasses.dataclass(frozen=True)
class Artefact:
    uri: str
    content: bytes

    @cached_property
    def sha256(self) -> str:
        return sha256(self.content)

    @property
    def name(self) -> str:
        return urlparse(self.uri).path.rsplit("/", 1)[-1] or self.uri

    @classmethod
    def from_path(cls, path: str | Path) -> Artefact:
        path = Path(path)
        try:
            return cls(path.resolve().as_uri(), path.read_bytes())
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


@dataclasses.dataclass(frozen=True)
class ArtefactSet:
    """A main artefact and every part it references, by absolute URI."""

    main: str
    parts: Mapping[str, Artefact]

    @property
    def root(self) -> Artefact:
        return self.parts[self.main]

    @cached_property
    def key(self) -> str:
        digest = hashlib.sha256()
        for uri in sorted(self.parts):
            digest.update(f"{uri}\0{self.parts[uri].sha256}\n".encode())
        return digest.hexdigest()

    @cached_property
    def _refs(self) -> tuple[ArtefactRef, ...]:
        ordered = [self.main, *sorted(u for u in self.parts if u != self.main)]
        return tuple(ArtefactRef(u, self.parts[u].sha256) for u in ordered)

    def refs(self) -> list[ArtefactRef]:
        """Main artefact first, then the others by URI; computed once per set."""
        return list(self._refs)

    def get(self, uri: str) -> Artefact:
        uri = urldefrag(uri).url
        if uri not in self.parts:
            raise ResolutionError(f"{uri} is not part of the artefact set of {self.main}")
        return self.parts[uri]

    @classmethod
    def single(cls, artefact: Artefact) -> ArtefactSet:
        return cls(artefact.uri, {artefact.uri: artefact})


def local_fetcher(uri: str) -> bytes:
    """Reads `file:` URIs only; anything else (http, ftp, ...) is refused, never fetched."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise ResolutionError(
            f"{uri}: refused, no catalog entry maps it to a local copy (validation reads "
            "local files only, never the network)"
        )
    path = Path(url2pathname(parsed.path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ResolutionError(f"{uri}: cannot read: {exc.strerror or exc}") from None


def collect(
    main: Artefact,
    references: Callable[[Artefact], Iterable[str]],
    fetch: Fetcher = local_fetcher,
) -> ArtefactSet:
    """Close `main` over the references `references` finds in each part (relative or absolute).

    A part keeps the URI as written, resolved against its referrer's URI. When `fetch` serves
    local copies (a catalog's) and that URI is not mapped, a relative reference is read from
    beside the referrer's local copy instead, still under the URI as written.
    """
    parts: dict[str, Artefact] = {main.uri: main}
    pending = [main]
    while pending:
        artefact = pending.pop()
        for ref in references(artefact):
            uri = urldefrag(urljoin(artefact.uri, ref)).url
            if not uri or uri in parts:
                continue
            try:
                part = Artefact(uri, _fetch(fetch, uri, artefact.uri, ref))
            except ResolutionError as exc:
                raise ResolutionError(f"{artefact.uri} references {ref!r}: {exc}") from None
            parts[uri] = part
            pending.append(part)
    return ArtefactSet(main.uri, parts)


def _fetch(fetch: Fetcher, uri: str, referrer: str, ref: str) -> bytes:
    try:
        return fetch(uri)
    except ResolutionError:
        if not isinstance(fetch, LocalCopies) or urlparse(ref).scheme:
            raise
        content = fetch.beside(referrer, ref)
        if content is None:
            raise
        return content
