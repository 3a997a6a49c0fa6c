"""Artefact and record contents, stored once each under their sha256.

The registry's are the state's `artefacts` blobs (`Blobs`: files under NIF_HOME/blobs, or
PostgreSQL); a folder of blobs of its own (a staging area, a backup's blob folder) is a
`BlobStore`, files at `sha[:2]/sha[2:]` on every back end.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from nif.state import Blobs, FileBlobs

BlobStore = FileBlobs
"""A folder of blobs (staging areas, backups): the name callers have always used."""

__all__ = ["BlobStore", "Blobs", "Overlay"]


class Overlay(Blobs):
    """A submission's staging blobs over the registry's: what a pending record pins is found
    in either; what is kept goes to the staging ones."""

    def __init__(self, staging: Blobs, stored: Blobs) -> None:
        self.staging = staging
        self.stored = stored

    def __repr__(self) -> str:
        return f"{self.staging!r} over {self.stored!r}"

    def _holder(self, sha256: str) -> Blobs:
        return self.staging if self.staging.has(sha256) else self.stored

    def put(self, content: bytes) -> str:
        return self.staging.put(content)

    def put_stream(self, stream: BinaryIO) -> str:
        return self.staging.put_stream(stream)

    def has(self, sha256: str) -> bool:
        return self.staging.has(sha256) or self.stored.has(sha256)

    def get(self, sha256: str) -> bytes:
        return self._holder(sha256).get(sha256)

    def open(self, sha256: str) -> contextlib.AbstractContextManager[BinaryIO]:
        return self._holder(sha256).open(sha256)

    def local_path(self, sha256: str) -> Path:
        return self._holder(sha256).local_path(sha256)

    def digests(self) -> Iterator[str]:
        seen = set(self.staging.digests())
        yield from seen
        yield from (d for d in self.stored.digests() if d not in seen)
