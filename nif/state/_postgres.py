"""The state in one PostgreSQL database that every replica shares.

A `psycopg_pool.ConnectionPool` (at most `state_pool_size` connections, each checked before it
is lent) serves the sessions of all threads. SQL arrives with `?` placeholders and leaves with
psycopg's `%s`. Migrations run under a transaction-scoped advisory lock, so replicas starting
at once apply each migration once; the write lock is a session advisory lock on a connection
of its own, which PostgreSQL releases if the process dies. The signing key and other secrets
sit in `nif_secrets`, made by whichever process asks first. Every failure to reach the server
is a `StateError` naming it without its password.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from nif.settings import Settings
from nif.state._base import Database, Dialect, Health, Migration, Schema, Session, State
from nif.state._migrations import migrate
from nif.state._pg_blobs import PostgresBlobs, cache_of, open_postgres_blobs
from nif.state._pg_changes import PostgresChanges
from nif.state._pg_connect import Target

__all__ = ["PostgresState", "open_postgres_blobs"]

log = logging.getLogger("nif.state")

_LOCKS = 0x6E6966
"""The first key of nif's advisory locks ("nif"); the second says which lock."""
_MIGRATIONS, _WRITE = 1, 2

INTERNAL = Schema(
    "state",
    ("nif_secrets", "nif_blobs", "nif_blob_chunks", "nif_changes"),
    (
        Migration(
            1,
            "CREATE TABLE IF NOT EXISTS nif_secrets (name TEXT PRIMARY KEY, value BYTEA NOT NULL);"
            "CREATE TABLE IF NOT EXISTS nif_blobs (namespace TEXT NOT NULL, sha256 TEXT NOT NULL,"
            " size BIGINT NOT NULL, PRIMARY KEY (namespace, sha256));"
            "CREATE TABLE IF NOT EXISTS nif_blob_chunks (namespace TEXT NOT NULL,"
            " sha256 TEXT NOT NULL, n INTEGER NOT NULL, data BYTEA NOT NULL,"
            " PRIMARY KEY (namespace, sha256, n));"
            "ALTER TABLE nif_blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;"
            "CREATE TABLE IF NOT EXISTS nif_changes (id INTEGER PRIMARY KEY,"
            " generation BIGINT NOT NULL);"
            "INSERT INTO nif_changes (id, generation) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
        ),
    ),
)
"""The state's own tables: secrets, blobs and the change counter."""


def placeholders(sql: str) -> str:
    """`sql` with `?` as psycopg's `%s` (a `%` of the text escaped first)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresState(State):
    """nif's state on the PostgreSQL database `settings.state.url` names."""

    kind = "postgresql"

    def __init__(self, settings: Settings) -> None:
        self._target = Target.from_settings(settings)
        self._cache = cache_of(settings)
        self._target.connect().close()  # the precise reason (password, port) when it fails
        self._pool = ConnectionPool(
            conninfo="",
            kwargs=self._target.kwargs,
            min_size=1,
            max_size=settings.state.pool_size,
            timeout=self._target.timeout,
            open=True,
            check=ConnectionPool.check_connection,
            name="nif-state",
        )
        self._databases: dict[str, PostgresDatabase] = {}
        self._blobs: dict[str, PostgresBlobs] = {}
        self._lock = threading.Lock()
        self._writer = threading.RLock()
        self._writer_depth = 0
        self._writer_conn: psycopg.Connection[Any] | None = None
        try:
            self._internal = self.database(INTERNAL)
            self.changes: PostgresChanges = PostgresChanges(self._target, self._internal.query)
        except BaseException:
            self._pool.close()
            raise

    def database(self, schema: Schema) -> PostgresDatabase:
        with self._lock:
            database = self._databases.get(schema.component)
            if database is None:
                database = PostgresDatabase(self, schema)
                with database.session() as session:
                    session.execute(f"SELECT pg_advisory_xact_lock({_LOCKS}, {_MIGRATIONS})")
                    applied = migrate(session, schema, Dialect.POSTGRES, self.describe())
                if applied:
                    log.info("%s: migrated %s to %s", self.describe(), schema.component, applied)
                self._databases[schema.component] = database
        return database

    def blobs(self, name: str) -> PostgresBlobs:
        with self._lock:
            if name not in self._blobs:
                self._blobs[name] = PostgresBlobs(name, self.transaction, self._cache)
            return self._blobs[name]

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer across processes (the advisory lock) and threads (an `RLock`, so a
        thread that holds it may take it again)."""
        with self._writer:
            if self._writer_depth == 0:
                self._lock_writer()
            self._writer_depth += 1
            try:
                yield
            finally:
                self._writer_depth -= 1
                if self._writer_depth == 0:
                    self._unlock_writer()

    def secret(self, name: str, make: Callable[[], bytes]) -> bytes:
        select = "SELECT value FROM nif_secrets WHERE name = ?"
        rows = self._internal.query(select, (name,))
        if not rows:
            self._internal.query(
                "INSERT INTO nif_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, make()),
            )
            rows = self._internal.query(select, (name,))
        return bytes(rows[0][0])

    def replace_secret(self, name: str, value: bytes) -> None:
        self._internal.query(
            "INSERT INTO nif_secrets (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def health(self) -> Health:
        """A new connection and `SELECT 1` (its latency, both together): a pool waiting to
        reconnect would answer only after `state_connect_timeout`, and less precisely."""
        started = time.perf_counter()
        try:
            with psycopg.connect(**self._target.kwargs, autocommit=True) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            detail = str(self._target.error(exc, "answering SELECT 1"))
            return Health(self.kind, False, _ms(started), detail)
        return Health(self.kind, True, _ms(started), self.describe())

    def describe(self) -> str:
        return self._target.where

    def close(self) -> None:
        self.changes.close()
        with self._writer:
            if self._writer_conn is not None:
                self._writer_conn.close()
                self._writer_conn = None
        self._pool.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection in a transaction: committed when the block ends, rolled back
        on an error; connection failures as `StateError`."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                yield conn
        except PoolTimeout as exc:
            self._target.fail(exc, "waiting for a free connection")
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self._target.fail(exc)

    def _lock_writer(self) -> None:
        conn = self._writer_conn
        if conn is None or conn.closed or conn.broken:
            self._writer_conn = conn = self._target.connect(autocommit=True)
        try:
            conn.execute(f"SELECT pg_advisory_lock({_LOCKS}, {_WRITE})")
        except psycopg.Error as exc:
            conn.close()
            self._target.fail(exc, "taking the write lock")

    def _unlock_writer(self) -> None:
        conn = self._writer_conn
        if conn is None:
            return
        try:
            conn.execute(f"SELECT pg_advisory_unlock({_LOCKS}, {_WRITE})")
        except psycopg.Error:
            conn.close()  # PostgreSQL releases the lock with the session


class PostgresDatabase(Database):
    """A component's tables in the shared database: sessions from the state's pool."""

    dialect = Dialect.POSTGRES

    def __init__(self, state: PostgresState, schema: Schema) -> None:
        self._state = state
        self.schema = schema

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        with self._state.transaction() as conn:
            yield PostgresSession(conn)

    def close(self) -> None:
        """Nothing of its own: the state closes the pool."""


class PostgresSession(Session):
    """One transaction on one pooled connection."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        cursor = self._conn.execute(*_query(sql, params))
        return cursor.fetchall() if cursor.description else []

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(placeholders(sql).encode(), rows)


def _query(sql: str, params: Sequence[object]) -> tuple[Any, ...]:
    """The text and parameters psycopg takes (no parameters: the text as it is)."""
    if params:
        return placeholders(sql).encode(), tuple(params)
    return (sql.encode(),)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
