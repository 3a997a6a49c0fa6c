"""Where submitted records come from: one RDF file, or a bundle (a folder or a zip) holding the
record files at its top level and the schema files they point to with relative URLs, and
maybe a catalog (`catalog.xml` at its top) mapping the URLs those schemas import to its files."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from nif.archives import bad_name, entry_path, one_tree, symlink
from nif.errors import InputError, NifError
from nif.registry._records import RECORD_SUFFIXES
from nif.settings import Settings
from nif.validate import Catalog

MAX_ZIP_MEMBERS = 10_000
CATALOG = "catalog.xml"
"""The OASIS XML Catalog a bundle may carry at its top; pinning resolves through it."""


@dataclasses.dataclass(frozen=True)
class Source:
    """One record document, and the bundle folder its relative artefact URLs may reach (if any)."""

    path: Path
    bundle: Path | None

    @property
    def base_iri(self) -> str:
        return self.path.resolve().as_uri()


@contextlib.contextmanager
def open_sources(
    target: Path, settings: Settings, shown: str | None = None
) -> Iterator[list[Source]]:
    """The record documents of a file, folder or zip.

    A zip is unpacked into `NIF_HOME/staging`, where the registry removes what a killed process
    left at the next start (callers hold the registry's write lock, as it does then). `shown`
    is the name the submitter knows a zip by (an upload's, not the server file it was
    spooled to): errors raised while the sources are open name it, never a server folder."""
    if not target.exists():
        raise InputError(f"{target}: no such file or folder")
    if target.is_dir():
        yield _folder(target)
    elif zipfile.is_zipfile(target):
        name = shown or str(target)
        staging = settings.folder.staging
        staging.mkdir(parents=True, exist_ok=True)
        with (
            tempfile.TemporaryDirectory(prefix="bundle-", dir=staging) as temp,
            _named(name, target, temp),
        ):
            root = _unzip(target, Path(temp), settings)
            yield _folder(root, shown=target)
    else:
        yield [Source(target, None)]


@contextlib.contextmanager
def _named(name: str, *paths: Path | str) -> Iterator[None]:
    """A `NifError` leaving the block says `name` where it said one of `paths` (or its file
    URI): refusals do not show where the server unpacks or spools uploads."""
    try:
        yield
    except NifError as exc:
        exc.args = tuple(_renamed(a, name, paths) for a in exc.args)
        raise


def _renamed(value: object, name: str, paths: tuple[Path | str, ...]) -> object:
    if not isinstance(value, str):
        return value
    for path in paths:
        resolved = Path(path).resolve()
        for spelling in (resolved.as_uri(), str(resolved), str(path)):
            value = value.replace(spelling, name)
    return value


def _folder(root: Path, shown: Path | None = None) -> list[Source]:
    files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in RECORD_SUFFIXES)
    if not files:
        raise InputError(
            f"{shown or root}: no record file ({', '.join(RECORD_SUFFIXES)}) "
            "at the top of the bundle"
        )
    return [Source(p, root.resolve()) for p in files]


def _unzip(archive: Path, into: Path, settings: Settings) -> Path:
    try:
        _unpack(archive, into, settings)
    except UnicodeDecodeError as exc:
        raise InputError(f"{archive}: {bad_name(exc)}") from None
    except zipfile.BadZipFile as exc:
        raise InputError(f"{archive}: not a readable zip: {exc}") from None
    except InputError as exc:
        raise InputError(f"{archive}: {exc}") from None
    entries = [p for p in into.iterdir() if not p.name.startswith("__MACOSX")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return into


def _unpack(archive: Path, into: Path, settings: Settings) -> None:
    """Unpack every entry of the zip, or none: every refusal (too many entries, a path leaving
    the bundle or given twice, a file that is also a folder, a symbolic link, contents over
    max_record_bytes as declared; zipfile stops an entry at its declared size) comes first."""
    with zipfile.ZipFile(archive) as zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise InputError(f"more than {MAX_ZIP_MEMBERS} files in the zip")
        paths = [(info, entry_path(info, "the bundle")) for info in members]
        one_tree((info.filename, path) for info, path in paths if not info.is_dir())
        for info in members:
            if symlink(info):
                raise InputError(f"zip entry {info.filename!r} is a symbolic link")
        if sum(info.file_size for info in members) > settings.registry.max_record_bytes:
            raise InputError(
                f"unpacks to more than {settings.registry.max_record_bytes:,} bytes "
                "(max_record_bytes)"
            )
        for info, path in paths:
            if info.is_dir():
                continue
            target = into / path
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
            except (OSError, NotImplementedError, RuntimeError, EOFError, zlib.error) as exc:
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                raise InputError(
                    f"zip entry {info.filename!r} cannot be unpacked: {reason}"
                ) from None


def bundle_catalog(root: Path | None) -> Catalog | None:
    """The bundle's catalog, if it has one; it must be a file of the bundle, not a link out."""
    if root is None:
        return None
    path = root / CATALOG
    if not path.exists() and not path.is_symlink():
        return None
    if path.is_symlink() or not path.is_file():
        raise InputError(f"{path}: the bundle's {CATALOG} must be a file, not a link or folder")
    return Catalog.load([path])
