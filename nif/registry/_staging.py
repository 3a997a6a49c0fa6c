"""The staging folder under NIF_HOME: what a write pins or unpacks lives there until the write
commits or fails, and only while the write holds the registry's lock."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from nif.registry._blobs import BlobStore
from nif.settings import Settings


def staging_dir(settings: Settings) -> Path:
    path = settings.folder.staging
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def staging_area(settings: Settings) -> Iterator[BlobStore]:
    """A staging blob store for pins until they are committed, removed on exit."""
    root = Path(tempfile.mkdtemp(prefix="staging-", dir=staging_dir(settings)))
    try:
        yield BlobStore(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def clear_staging(settings: Settings) -> int:
    """Remove everything in the staging folder (how many entries); the caller holds the lock."""
    found = list(staging_dir(settings).iterdir())
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return len(found)
