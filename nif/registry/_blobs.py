"""Artefact and record contents, stored once each under their sha256 (`NIF_HOME/blobs`)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from nif.errors import NotFoundError

_HEX = re.compile(r"[0-9a-f]{64}")


class BlobStore:
    """Content-addressed files; a write is a rename, so a crash never leaves half a blob."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _HEX.fullmatch(sha256):
            raise NotFoundError(f"{sha256!r} is not a sha256 checksum")
        return self.root / sha256[:2] / sha256[2:]

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return digest

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def get(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"no stored blob with sha256 {sha256}") from None

    def digests(self) -> Iterator[str]:
        """Every blob stored (not the temporary files of writes in progress)."""
        for path in self.root.glob("??/*"):
            if not path.name.startswith(".tmp-"):
                yield path.parent.name + path.name

    def copy_into(self, other: BlobStore, digests: Iterable[str] | None = None) -> None:
        """Copy the blobs `other` lacks (those named that are here, else all): staging into the
        registry's on commit, the registry's into a backup folder and back."""
        for digest in self.digests() if digests is None else digests:
            if self.has(digest) and not other.has(digest):
                other.put(self.get(digest))
