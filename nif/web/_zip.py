"""Batch uploads as a zip: the message entries, with the checks an archive from anyone needs.

Nothing is extracted to disk, yet an entry whose name would leave the archive (zip-slip) refuses
the whole zip: the client made a mistake or is probing. Directories, hidden files and macOS
resource forks are skipped; the entry count and the uncompressed total are bounded, the latter
while reading (a header may lie about sizes).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath

from nif.errors import InputError, UploadTooLargeError

MAX_BATCH_FILES = 1000
"""Messages one batch request may hold (files, or entries of its zip)."""


def looks_zip(content: bytes, media_type: str | None) -> bool:
    """A zip by its declared media type or its first bytes."""
    zip_type = (media_type or "").split(";")[0].strip().lower() in (
        "application/zip",
        "application/x-zip-compressed",
    )
    return zip_type or content.startswith(b"PK\x03\x04")


_DRIVE = re.compile(r"^[A-Za-z]:")


def unzip(content: bytes, max_bytes: int) -> list[tuple[str, bytes]]:
    """The message entries of a zip, in archive order, under the batch limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"the upload is not a readable zip archive: {exc}") from None
    entries = archive.infolist()
    if len(entries) > MAX_BATCH_FILES:
        raise InputError(
            f"the zip has {len(entries)} entries; a batch takes at most {MAX_BATCH_FILES}"
        )
    messages: list[tuple[str, bytes]] = []
    total = 0
    for entry in entries:
        name = entry.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
            raise InputError(
                f"zip entry {name!r} points outside the archive (absolute or '..'); refused"
            )
        if entry.is_dir() or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts):
            continue
        if entry.flag_bits & 0x1:
            raise InputError(f"zip entry {name!r} is encrypted; nif cannot read it")
        remaining = max_bytes - total
        if entry.file_size > remaining:
            raise UploadTooLargeError(_unzipped_over(max_bytes))
        try:
            with archive.open(entry) as handle:
                data = handle.read(remaining + 1)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
            raise InputError(f"zip entry {name!r} cannot be read: {exc}") from None
        if len(data) > remaining:
            raise UploadTooLargeError(_unzipped_over(max_bytes))
        total += len(data)
        messages.append((name, data))
    if not messages:
        raise InputError("the zip holds no message file (directories and hidden files skipped)")
    return messages


def _unzipped_over(limit: int) -> str:
    return f"the zip's contents are over the limit of {limit} bytes uncompressed (max_upload_bytes)"
