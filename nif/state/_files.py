"""Blobs as files in a folder, and secrets as create-once files: the embedded back end's, and
the staging folders' and backups' on every back end.

A write goes to a temporary file that is renamed into place, so a crash never leaves half a
blob, and two processes writing the same content both end with the one file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from nif.errors import InputError, NifError, NotFoundError
from nif.state._base import Blobs

_HEX = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class FileBlobs(Blobs):
    """Content-addressed files under `root`: at `sha[:2]/sha[2:]` (artefacts, staging), or at
    `sha[:2]/sha` with `full_names` (evidence, as it always was). `verify` re-hashes content
    on read, so a damaged file is an error, never served as what it no longer is."""

    def __init__(self, root: Path, *, full_names: bool = False, verify: bool = False) -> None:
        self.root = root
        self._full = full_names
        self._verify = verify

    def __repr__(self) -> str:
        return f"FileBlobs({str(self.root)!r})"

    def path(self, sha256: str) -> Path:
        """Where the blob `sha256` is kept (whether or not it is)."""
        if not isinstance(sha256, str) or not _HEX.fullmatch(sha256):
            raise NotFoundError(f"{sha256!r} is not a sha256 checksum")
        return self.root / sha256[:2] / (sha256 if self._full else sha256[2:])

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.is_file():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with _removed_on_error(temp), os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        _into_place(temp, target)
        return digest

    def put_stream(self, stream: BinaryIO) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        hasher = hashlib.sha256()
        with _removed_on_error(temp):
            with os.fdopen(fd, "wb") as handle:
                while chunk := stream.read(_CHUNK):
                    hasher.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            digest = hasher.hexdigest()
            target = self.path(digest)
            if target.is_file():
                Path(temp).unlink()
                return digest
            target.parent.mkdir(parents=True, exist_ok=True)
        _into_place(temp, target)
        return digest

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def get(self, sha256: str) -> bytes:
        try:
            content = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"no stored blob with sha256 {sha256}") from None
        if self._verify and hashlib.sha256(content).hexdigest() != sha256:
            raise _damaged(sha256)
        return content

    @contextlib.contextmanager
    def open(self, sha256: str) -> Iterator[BinaryIO]:
        path = self.local_path(sha256)
        if self._verify:
            with path.open("rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest() != sha256:
                    raise _damaged(sha256)
        with path.open("rb") as handle:
            yield handle

    def local_path(self, sha256: str) -> Path:
        path = self.path(sha256)
        if not path.is_file():
            raise NotFoundError(f"no stored blob with sha256 {sha256}")
        return path

    def digests(self) -> Iterator[str]:
        """Every blob stored (not the temporary files of writes in progress)."""
        for path in self.root.glob("??/*"):
            digest = path.name if self._full else path.parent.name + path.name
            if _HEX.fullmatch(digest) and digest.startswith(path.parent.name):
                yield digest


def _damaged(sha256: str) -> NifError:
    return NifError(f"the evidence blob {sha256} is damaged (its content no longer matches)")


@contextlib.contextmanager
def _removed_on_error(temp: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _into_place(temp: str, target: Path) -> None:
    with _removed_on_error(temp):
        os.replace(temp, target)


def create_once(path: Path, make: Callable[[], bytes], what: str) -> bytes:
    """The content of `path` (`what` it holds, for errors), made by `make` and written 0600 if
    there is none yet.

    Creation writes a temporary file and hard-links it into place, which fails if the file
    already exists: two processes starting at once both end up with the one that won."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(make())
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror})") from None
