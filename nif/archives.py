"""Zip archives from anyone (batch uploads, certification evidence), read safely in memory;
and zips nif writes (`write_zip`), the same bytes for the same files.

Nothing is extracted to disk, yet an entry whose name would leave the archive (zip-slip) refuses
the whole zip: the sender made a mistake or is probing. Directories, hidden files and macOS
resource forks are skipped; the file count and the uncompressed total are bounded, the latter
while reading (a header may lie about sizes). An entry name marked UTF-8 that is not, or a path
that is both a file and a folder, refuses the zip too, naming the entry.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from nif.errors import InputError, UploadTooLargeError, UsageError

_DRIVE = re.compile(r"^[A-Za-z]:")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""The time of every entry nif writes: the earliest a zip can hold, so no clock shows."""


def inside(name: str, what: str, within: str = "the archive") -> str:
    """`name` as a relative POSIX path; `InputError` when it is absolute or climbs out."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
        raise InputError(f"{what} points outside {within} (absolute or '..'); refused")
    return "/".join(parts)


def entry_path(entry: zipfile.ZipInfo, within: str = "the archive") -> str:
    """The zip entry's path (`inside`), named by the entry in the refusal."""
    return inside(entry.filename, f"zip entry {entry.filename!r}", within)


def symlink(entry: zipfile.ZipInfo) -> bool:
    """The entry is a symbolic link (its Unix mode says so): unpacked, it could point anywhere."""
    return (entry.external_attr >> 16) & 0o170000 == 0o120000


def one_tree(files: Iterable[tuple[str, str]], what: str = "zip entry") -> None:
    """Refuse (entry name, path) pairs of files that cannot all be one tree: one path twice,
    or a file that is also a folder; unpacking would fail half-way or lose one silently."""
    seen: set[str] = set()
    for name, path in files:
        if path in seen:
            raise InputError(f"{what} {name!r} appears twice")
        seen.add(path)
    folder_clash(seen, what)


def bad_name(exc: UnicodeDecodeError, what: str = "zip entry") -> InputError:
    """The refusal of an entry whose name the zip marks UTF-8 but is not; `zipfile` stops at
    the first one, whose raw name `exc` holds (shown with its bad bytes escaped)."""
    raw = exc.object if isinstance(exc.object, bytes) else bytes(exc.object)
    shown = "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode()
        for c in raw.decode("utf-8", "backslashreplace")
    )
    return InputError(
        f"{what} '{shown}': its name is marked UTF-8 but is not (byte {exc.start}); "
        "rename it, or zip it again with a tool that writes UTF-8 names"
    )


def folder_clash(paths: Iterable[str], what: str = "zip entry") -> None:
    """Refuse a path that is a file and also a folder of another entry (`a` and `a/b.json`):
    one of them would be lost, silently, when the archive is read as a tree."""
    files = set(paths)
    for path in sorted(files):
        parts = path.split("/")
        for end in range(1, len(parts)):
            folder = "/".join(parts[:end])
            if folder in files:
                raise InputError(
                    f"{what} {folder!r} is a file, and also the folder of {what} {path!r}; "
                    "rename one of them"
                )


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
    except UnicodeDecodeError as exc:
        raise bad_name(exc) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{what} is not a readable zip archive: {exc}") from None
    files: list[tuple[str, bytes]] = []
    names: list[str] = []
    total = 0
    for entry in archive.infolist():
        name = entry.filename
        path = entry_path(entry)
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
        except UnicodeDecodeError as exc:  # the entry's own header names it otherwise
            raise bad_name(exc) from None
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, zlib.error) as exc:
            raise InputError(f"zip entry {name!r} cannot be read: {exc}") from None
        if len(data) > remaining:
            raise _too_large(name, max_bytes)
        total += len(data)
        files.append((path, data))
        names.append(name)
    if not files:
        raise InputError(f"{what} holds no file (directories and hidden files skipped)")
    one_tree(zip(names, (path for path, _ in files), strict=True))
    return files


def _too_large(name: str, limit: int) -> UploadTooLargeError:
    return UploadTooLargeError(
        f"the zip's contents are over the limit of {limit} bytes uncompressed "
        f"(max_upload_bytes), at zip entry {name!r}"
    )


def write_zip(files: Mapping[str, bytes]) -> bytes:
    """`files` (POSIX path -> content) as a zip, sorted by path, every entry with the same time
    and mode: the same files always give the same bytes (a download can be compared by hash)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            entry = zipfile.ZipInfo(inside(path, f"file {path!r}"), ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, files[path])
    return out.getvalue()


def replace_folder(target: Path, files: Iterable[tuple[str, bytes]], force: bool) -> None:
    """Write `files` (checked paths, as `read_zip` gives them) as the folder `target`: a
    non-empty folder only with `force`. The files go into a new folder beside `target` that
    then takes its place, so an interrupted write leaves the old folder whole, and a replaced one
    keeps no stale file."""
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise UsageError(f"{target}: the folder is not empty; pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}-", dir=target.parent) as temp:
        fresh = Path(temp) / target.name
        fresh.mkdir()
        for path, data in files:
            (fresh / path).parent.mkdir(parents=True, exist_ok=True)
            (fresh / path).write_bytes(data)
        if target.exists():
            shutil.rmtree(target)
        fresh.rename(target)
