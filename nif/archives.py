"""Zip archives from anyone (batch uploads, certification evidence), read safely in memory.

Nothing is extracted to disk, yet an entry whose name would leave the archive (zip-slip) refuses
the whole zip: the sender made a mistake or is probing. Directories, hidden files and macOS
resource forks are skipped; the file count and the uncompressed total are bounded, the latter
while reading (a header may lie about sizes).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath

from nif.errors import InputError, UploadTooLargeError

_DRIVE = re.compile(r"^[A-Za-z]:")


def inside(name: str, what: str, within: str = "the archive") -> str:
    """`name` as a relative POSIX path; `InputError` when it is absolute or climbs out."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
        raise InputError(f"{what} points outside {within} (absolute or '..'); refused")
    return "/".join(parts)


def skipped(path: str) -> bool:
    """Hidden files and macOS resource forks are nobody's content."""
    parts = path.split("/")
    return parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts)


def read_zip(
    content: bytes, *, max_bytes: int, max_files: int, what: str = "the upload"
) -> list[tuple[str, bytes]]:
    """(path, content) of the zip's files in archive order, paths as relative POSIX paths.

    `InputError` for an unreadable archive, an entry leaving it, an encrypted, unreadable or
    repeated entry, more than `max_files` files, or no file at all; `UploadTooLargeError` when
    the contents pass `max_bytes` uncompressed (max_upload_bytes).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{what} is not a readable zip archive: {exc}") from None
    files: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    total = 0
    for entry in archive.infolist():
        name = entry.filename
        path = inside(name, f"zip entry {name!r}")
        if entry.is_dir() or skipped(path):
            continue
        if len(files) >= max_files:
            raise InputError(f"{what} has more than {max_files} files (at zip entry {name!r})")
        if entry.flag_bits & 0x1:
            raise InputError(f"zip entry {name!r} is encrypted; nif cannot read it")
        remaining = max_bytes - total
        if entry.file_size > remaining:
            raise _too_large(name, max_bytes)
        try:
            with archive.open(entry) as handle:
                data = handle.read(remaining + 1)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
            raise InputError(f"zip entry {name!r} cannot be read: {exc}") from None
        if len(data) > remaining:
            raise _too_large(name, max_bytes)
        if path in seen:
            raise InputError(f"zip entry {name!r} appears twice")
        seen.add(path)
        total += len(data)
        files.append((path, data))
    if not files:
        raise InputError(f"{what} holds no file (directories and hidden files skipped)")
    return files


def _too_large(name: str, limit: int) -> UploadTooLargeError:
    return UploadTooLargeError(
        f"the zip's contents are over the limit of {limit} bytes uncompressed "
        f"(max_upload_bytes), at zip entry {name!r}"
    )
