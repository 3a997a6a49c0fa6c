"""The folder a full export is written to and read from: private, every file hashed in a
manifest, and nothing read from it that the manifest does not name or that leaves it.

A full export holds secrets (token hashes, the certificate signing key), so the folder is made
0700 and its files 0600. An import trusts nothing in it: each path the manifest names must be
a plain relative path (no `..`, no absolute path, no symlink on the way) and each file must
have the sha256 the manifest gives, checked before anything is written to the target.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from nif.errors import InputError, UsageError

MANIFEST = "manifest.json"
FORMAT = "nif-full-export"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
"""A manifest names every blob (about 150 bytes each): room for over a million."""
_CHUNK = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class FileEntry:
    """One file of the export, as the manifest lists it."""

    sha256: str
    size: int


class ExportWriter:
    """Writes an export into an empty (or new) folder, hashing every file as it goes."""

    def __init__(self, root: Path) -> None:
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise UsageError(f"{root} is not an empty folder: a full export needs a new one")
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        root.chmod(0o700)
        self.root = root
        self.files: dict[str, FileEntry] = {}

    @contextlib.contextmanager
    def create(self, relative: str) -> Iterator[BinaryIO]:
        """A new private file at `relative` (slash-separated), hashed once written."""
        path = self.root / _checked(relative)
        for parent in reversed(path.relative_to(self.root).parents):
            folder = self.root / parent
            if not folder.is_dir():
                folder.mkdir(mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            yield out
        self.files[relative] = FileEntry(*_hashed(path))

    def copy(self, relative: str, source: BinaryIO) -> None:
        """A new file at `relative` holding what `source` reads, streamed."""
        with self.create(relative) as out:
            while chunk := source.read(_CHUNK):
                out.write(chunk)

    def finish(self, manifest: dict[str, Any]) -> None:
        """Write the manifest last: an export without one is incomplete, and refused."""
        body = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            **manifest,
            "files": {name: dataclasses.asdict(e) for name, e in sorted(self.files.items())},
        }
        fd = os.open(self.root / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(body, out, indent=1)
            out.write("\n")


class ExportReader:
    """An export folder opened for import: its manifest read, its files checked on demand."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise InputError(f"{root} is not a folder: give the folder `export --full` wrote")
        self.root = root
        self.manifest = self._read_manifest()
        self.files = _entries(self.manifest, root / MANIFEST)

    def _read_manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        shown = str(path)
        try:
            info = path.lstat()
        except FileNotFoundError:
            raise InputError(
                f"{shown} is missing: not a complete full export (it is written last)"
            ) from None
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{shown} is not a regular file (a symlink?): refused")
        if info.st_size > MAX_MANIFEST_BYTES:
            raise InputError(f"{shown} is over {MAX_MANIFEST_BYTES} bytes: refused")
        try:
            manifest = json.loads(path.read_bytes())
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{shown} is damaged, not JSON: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InputError(f"{shown} is not the manifest of a nif full export")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise InputError(
                f"{shown} is export format {version!r}; this nif reads up to "
                f"{FORMAT_VERSION}: import with a newer nif"
            )
        return manifest

    def path(self, relative: str) -> Path:
        """The file at `relative`, which the manifest must name, with no symlink on the way."""
        if relative not in self.files:
            raise InputError(f"{self.root / MANIFEST} does not list {relative!r}")
        path = self.root
        for part in _checked(relative).parts:
            path = path / part
            try:
                mode = path.lstat().st_mode
            except FileNotFoundError:
                raise InputError(f"{path} is missing from the export") from None
            if stat.S_ISLNK(mode):
                raise InputError(f"{path} is a symlink: an export holds only plain files")
        if not stat.S_ISREG(mode):
            raise InputError(f"{path} is not a regular file")
        return path

    def verify(self) -> None:
        """Every file the manifest lists is there, plain, of its size and sha256."""
        for relative, entry in self.files.items():
            path = self.path(relative)
            if _hashed(path) != (entry.sha256, entry.size):
                raise InputError(
                    f"{path} is damaged: its sha256 or size is not the one {MANIFEST} gives"
                )

    def listed(self, prefix: str) -> list[str]:
        """The files the manifest lists under `prefix` (a folder, slash-separated)."""
        return sorted(name for name in self.files if name.startswith(prefix))


def _entries(manifest: dict[str, Any], shown: Path) -> dict[str, FileEntry]:
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise InputError(f"{shown} lists no files")
    entries = {}
    for name, entry in files.items():
        _checked(name)
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or not isinstance(entry.get("size"), int)
        ):
            raise InputError(f"{shown}: the entry of {name!r} needs a sha256 and a size")
        entries[name] = FileEntry(entry["sha256"], entry["size"])
    return entries


def _checked(relative: str) -> PurePosixPath:
    """`relative` as a path that stays inside the folder: refused if absolute or with `..`."""
    path = PurePosixPath(relative)
    if (
        not relative
        or path.is_absolute()
        or "\\" in relative
        or "\0" in relative
        or any(part in ("..", ".", "") for part in relative.split("/"))
        or relative == MANIFEST
    ):
        raise InputError(f"the export names a path outside its folder: {relative!r}")
    return path


def _hashed(path: Path) -> tuple[str, int]:
    """The sha256 and size of the file at `path`, read streamed."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
