"""Batch uploads as a zip: recognising one, and its message entries within the batch limits.

The reading itself (zip-slip, hidden files, sizes) is `nif.archives.read_zip`, shared with
certification evidence.
"""

from __future__ import annotations

from nif.archives import read_zip

MAX_BATCH_FILES = 1000
"""Messages one batch request may hold (files, or entries of its zip)."""


def looks_zip(content: bytes, media_type: str | None) -> bool:
    """A zip by its declared media type or its first bytes."""
    zip_type = (media_type or "").split(";")[0].strip().lower() in (
        "application/zip",
        "application/x-zip-compressed",
    )
    return zip_type or content.startswith(b"PK\x03\x04")


def unzip(content: bytes, max_bytes: int) -> list[tuple[str, bytes]]:
    """The message entries of a zip, in archive order, under the batch limits."""
    return read_zip(content, max_bytes=max_bytes, max_files=MAX_BATCH_FILES, what="the zip")
