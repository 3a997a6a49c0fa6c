"""Where pinning reads a record's documents: its bundle, the files its stored version pinned, or
the network (under the `OutboundPolicy`).

A record sent back as plain RDF (as `GET /api/records/{id}` gave it) names its files by their
registry URLs, `{base_iri}files/{record id}/...`. Such a file, when the submission has no bundle
or its bundle lacks it, is read from the blob store, but only when the *currently stored version
of the same record* pins that exact URL (`StoredFiles`): the blob store also holds private
certification evidence, so a submitter must never be able to name a blob by its checksum.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from nif.errors import ArtefactError, FetchError, NotFoundError
from nif.outbound import OutboundPolicy
from nif.registry._blobs import Blobs
from nif.registry._fetch import fetch
from nif.registry._iris import IDENTIFIER, files_base
from nif.settings import Settings

MAX_DOCUMENTS = 1000
"""Documents one record may pin, so a schema cannot make a submission fetch without end."""
FILE_REFUSED = "file:// URLs are refused; ship the file in the bundle"


@dataclasses.dataclass(frozen=True)
class StoredFiles:
    """The files the stored version of a record pinned under its own `files/{id}/` folder
    (registry URL -> sha256, as pinning wrote them) and the blob store holding them."""

    sha256: Mapping[str, str]
    blobs: Blobs

    def read(self, uri: str) -> bytes | None:
        """The stored bytes of `uri`, None when the stored record does not pin it."""
        digest = self.sha256.get(uri)
        if digest is None:
            return None
        try:
            return self.blobs.get(digest)
        except NotFoundError:
            raise FetchError(
                f"{uri}: the stored record pins it with sha256 {digest}, which the blob store "
                "lacks (restore the blobs, or submit the file in a bundle)"
            ) from None


def scheme(url: str) -> str:
    return url.split(":", 1)[0].lower() if ":" in url else ""


class Sources:
    """Where a record's documents come from: its bundle, its stored files, or the network.

    Called as the `Fetcher` of `collect`, so references from a bundle file to a relative file
    land in the bundle and absolute http(s) references, from anywhere, go through `fetch`.
    """

    def __init__(
        self,
        record_id: str | None,
        bundle_root: Path | None,
        settings: Settings,
        policy: OutboundPolicy,
        stored: StoredFiles | None = None,
    ) -> None:
        self.record_id = record_id
        self.files = (
            files_base(settings, record_id)
            if record_id and IDENTIFIER.fullmatch(record_id)
            else None
        )
        self.registry = settings.registry.base_iri
        self.roots: tuple[Path, ...] = (
            (bundle_root.resolve(), Path(os.path.normpath(bundle_root.absolute())))
            if bundle_root
            else ()
        )
        self.policy = policy
        self.stored = stored
        self.cache: dict[str, bytes] = {}

    def location(self, url: str) -> str:
        """Where the document at `url` (as written in the record) is pinned: bundle files move
        to their registry URL, anything else stays where it is."""
        if scheme(url) != "file":
            return url
        parts = urlsplit(url)
        path = Path(os.path.normpath(unquote(parts.path)))
        if not self.roots:
            raise FetchError(f"{url}: refused, no bundle was submitted ({FILE_REFUSED})")
        folder = "/" if parts.path.endswith("/") else ""
        for root in self.roots:
            if parts.netloc in ("", "localhost") and path.is_relative_to(root):
                relative = path.relative_to(root).as_posix() + folder
                return self._files_prefix() + quote(relative, safe="/")
        raise FetchError(f"{url}: refused, it is outside the bundle ({FILE_REFUSED})")

    def _files_prefix(self) -> str:
        if self.files is None:
            raise ArtefactError(
                f"the record's identifier {self.record_id!r} cannot name its bundle files "
                "(it needs a dct:identifier such as 'civreg-birth')"
            )
        return self.files

    def __call__(self, uri: str) -> bytes:
        if uri not in self.cache:
            if len(self.cache) >= MAX_DOCUMENTS:
                raise FetchError(
                    f"{uri}: refused, the record pins more than {MAX_DOCUMENTS} documents"
                )
            self.cache[uri] = self._read(uri)
        return self.cache[uri]

    def _read(self, uri: str) -> bytes:
        if self.files and uri.startswith(self.files):
            relative = unquote(urlsplit(uri).path[len(urlsplit(self.files).path) :])
            return self._record_file(relative, uri)
        if uri.startswith(self.registry):
            raise FetchError(
                f"{uri}: refused, it points into the registry outside this record's files "
                f"({self.files}): ship the file in the bundle"
            )
        if scheme(uri) == "file":
            raise FetchError(f"{uri}: refused ({FILE_REFUSED})")
        return fetch(uri, self.policy)

    def _record_file(self, relative: str, uri: str) -> bytes:
        """A file of the record: from the bundle when it has it, else as stored."""
        real = self._bundle_path(relative, uri) if self.roots else None
        if real is not None:
            return self._bundle_file(real, relative, uri)
        content = self.stored.read(uri) if self.stored else None
        if content is not None:
            return content
        if self.roots:
            raise FetchError(f"{uri}: the bundle has no file {relative!r}{self._unstored()}")
        raise FetchError(
            f"{uri}: refused, it is a file of this record's bundle and no bundle was "
            f"submitted{self._unstored()}: submit the folder or zip with the record"
        )

    def _unstored(self) -> str:
        if self.stored is None:
            return ""
        return ", and the record's stored version does not pin it"

    def _bundle_path(self, relative: str, uri: str) -> Path | None:
        """The bundle's file at `relative` (links resolved), None when there is none."""
        root = self.roots[0]
        lexical = Path(os.path.normpath(root / relative))
        if not lexical.is_relative_to(root):
            raise FetchError(f"{uri}: refused, {relative!r} is outside the bundle")
        try:
            real = lexical.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not real.is_relative_to(root):
            raise FetchError(
                f"{uri}: refused, {relative!r} is a link that leads outside the bundle"
            )
        return real

    def _bundle_file(self, real: Path, relative: str, uri: str) -> bytes:
        if not real.is_file():
            raise FetchError(f"{uri}: {relative!r} in the bundle is not a file")
        size = real.stat().st_size
        if size > self.policy.max_bytes:
            raise FetchError(
                f"{uri}: {relative!r} is {size} bytes, over the limit of {self.policy.max_bytes}"
            )
        try:
            return real.read_bytes()
        except OSError as exc:
            raise FetchError(f"{uri}: cannot read {relative!r}: {exc.strerror or exc}") from None
