"""nif's state behind one interface: `open_state` picks SQLite files or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from nif.errors import UsageError
from nif.settings import Settings
from nif.state._base import (
    Blobs,
    ChangeFeed,
    Database,
    Dialect,
    Health,
    Migration,
    Schema,
    Session,
    State,
)
from nif.state._embedded import BLOB_NAMESPACES, EmbeddedState
from nif.state._embedded import embedded_blobs as _embedded_blobs
from nif.state._export_folder import ExportReader, ExportWriter
from nif.state._files import FileBlobs
from nif.state._migrations import applied_version, migrate
from nif.state._transfer import Progress as TransferProgress
from nif.state._transfer import (
    StateParts,
    check_versions,
    export_state,
    import_state,
    state_content,
)

_POSTGRES = ("postgresql://", "postgres://")
_T = TypeVar("_T")


def is_postgres(url: str) -> bool:
    """Whether the `state` setting names a PostgreSQL database."""
    return url.strip().lower().startswith(_POSTGRES)


def _check(url: str) -> None:
    if url.strip() and not is_postgres(url):
        scheme = f"one with {url.split('://', 1)[0]}" if "://" in url else "one without a scheme"
        raise UsageError(
            "the state setting must be empty (files under NIF_HOME) or a postgresql:// URL, "
            f"not {scheme}"
        )


def open_state(settings: Settings) -> State:
    """The state the settings name: files under NIF_HOME (`state` empty) or PostgreSQL."""
    url = settings.state.url
    _check(url)
    if is_postgres(url):
        from nif.state._postgres import PostgresState

        return PostgresState(settings)
    return EmbeddedState(settings.home)


def open_with_state(settings: Settings, make: Callable[[State], _T]) -> tuple[_T, State]:
    """`make(state)` on the state the settings name, opened here, and that state: the caller
    closes it with what was made (a token or run store of the CLI). Closed again if `make`
    fails, so nothing is left open."""
    state = open_state(settings)
    try:
        return make(state), state
    except BaseException:
        state.close()
        raise


def open_blobs(settings: Settings, name: str) -> Blobs:
    """One blob namespace without the rest of the state: what a validation worker process
    opens to read artefacts (for PostgreSQL, a cache whose connection opens on a first miss)."""
    url = settings.state.url
    _check(url)
    if is_postgres(url):
        from nif.state._postgres import open_postgres_blobs

        return open_postgres_blobs(settings, name)
    return _embedded_blobs(settings.home, name)


__all__ = [
    "BLOB_NAMESPACES",
    "Blobs",
    "ChangeFeed",
    "Database",
    "Dialect",
    "EmbeddedState",
    "ExportReader",
    "ExportWriter",
    "FileBlobs",
    "Health",
    "Migration",
    "Schema",
    "Session",
    "State",
    "StateParts",
    "TransferProgress",
    "applied_version",
    "check_versions",
    "export_state",
    "import_state",
    "is_postgres",
    "migrate",
    "open_blobs",
    "open_state",
    "open_with_state",
    "state_content",
]
