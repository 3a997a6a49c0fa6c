"""SQLite files as the embedded back end's databases: one connection per file, shared by the
threads of a process under a lock, WAL so readers never wait for the writer.

Several components share a file (history and proposals are in `registry.sqlite`): each gets a
`SqliteDatabase` over the file's one `SqliteFile`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from nif.errors import StateError
from nif.home import private_file
from nif.state._base import Database, Dialect, Schema, Session
from nif.state._migrations import ddl, migrate


class SqliteFile:
    """One private SQLite file and its connection (opened on first use), shared by threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._db: sqlite3.Connection | None = None

    def connection(self) -> sqlite3.Connection:
        """The connection, opened now if it is not yet (call under `lock`)."""
        if self._db is None:
            try:
                db = sqlite3.connect(
                    private_file(self.path), isolation_level=None, check_same_thread=False
                )
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA busy_timeout=10000")
            except (OSError, sqlite3.Error) as exc:
                raise StateError(f"{self.path}: cannot open the database ({exc})") from None
            self._db = db
        return self._db

    @contextlib.contextmanager
    def session(self, begin: str = "BEGIN") -> Iterator[SqliteSession]:
        """A transaction: `BEGIN IMMEDIATE` takes the write lock at once (migrations)."""
        with self.lock:
            db = self.connection()
            db.execute(begin)
            try:
                yield SqliteSession(db)
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            if self._db is not None:
                self._db.close()
                self._db = None


class SqliteSession(Session):
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self._db.execute(ddl(sql, Dialect.SQLITE), params).fetchall()

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        self._db.executemany(ddl(sql, Dialect.SQLITE), rows)


class SqliteDatabase(Database):
    """A component's tables in a `SqliteFile`, migrated when it is made."""

    dialect = Dialect.SQLITE

    def __init__(self, file: SqliteFile, schema: Schema) -> None:
        self.file = file
        self.schema = schema
        with file.session("BEGIN IMMEDIATE") as session:
            migrate(session, schema, Dialect.SQLITE, str(file.path))

    def session(self) -> contextlib.AbstractContextManager[Session]:
        return self.file.session()

    def close(self) -> None:
        """Nothing of its own: the file closes with its state (other components share it)."""
