"""nif's state behind one interface: `open_state` picks SQLite files or PostgreSQL."""

from __future__ import annotations

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

__all__ = [
    "Blobs",
    "ChangeFeed",
    "Database",
    "Dialect",
    "Health",
    "Migration",
    "Schema",
    "Session",
    "State",
]
