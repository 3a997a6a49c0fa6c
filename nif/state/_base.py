"""The one small interface nif's state needs: everything that is not RDF.

Tokens, history and audit, proposals, certification runs, the signing key and the blobs
(pinned artefacts, record contents, evidence) live in a `State`. Two back ends: `EmbeddedState`
(SQLite files and folders under NIF_HOME, one machine) and `PostgresState` (one PostgreSQL
database shared by every replica). The owners of the tables (auth, registry, certify) keep their
SQL and their migrations; the state gives them a `Database` to run it on, `Blobs` to keep
content in, a write lock, and the change feed replicas use to drop each other's caches.

SQL crosses this interface with `?` placeholders (never a literal `?` or `%` in the text), and
DDL with two words the back end fills in: `{serial}` (an auto-numbered integer primary key) and
`{bytes}` (a binary column). Upserts are written `INSERT ... ON CONFLICT (...) DO UPDATE`,
which both back ends run; `rowid` is not used (number rows with a `{serial}` column).
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO


class Dialect(enum.StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"


@dataclasses.dataclass(frozen=True)
class Migration:
    """Version `version` of a component's tables: applied once, in order, at start. `postgres`
    replaces `sql` on PostgreSQL when the two cannot share one text."""

    version: int
    sql: str
    postgres: str | None = None


@dataclasses.dataclass(frozen=True)
class Schema:
    """A component's tables (`tables`, in the order to load them) and their migrations.

    `component` names it in the migrations table (`history`, `proposals`, `tokens`, `runs`);
    on the embedded back end it also picks the SQLite file (see `EmbeddedState`)."""

    component: str
    tables: tuple[str, ...]
    migrations: tuple[Migration, ...]

    @property
    def version(self) -> int:
        return max((m.version for m in self.migrations), default=0)


class Session(abc.ABC):
    """One transaction: committed when the `with` block ends, rolled back on an error."""

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; the rows it returns (none for a write)."""

    @abc.abstractmethod
    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None: ...


class Database(abc.ABC):
    """Where one component's tables live; safe to share between threads."""

    dialect: Dialect
    schema: Schema

    @abc.abstractmethod
    def session(self) -> contextlib.AbstractContextManager[Session]:
        """A transaction (BEGIN ... COMMIT) of its own connection."""

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in a transaction of its own: a read, or a single write."""
        with self.session() as session:
            return session.execute(sql, params)

    @abc.abstractmethod
    def close(self) -> None: ...


class Blobs(abc.ABC):
    """Content stored once under its sha256: written whole or not at all, read streamed."""

    @abc.abstractmethod
    def put(self, content: bytes) -> str:
        """Keep `content`; its sha256."""

    @abc.abstractmethod
    def put_stream(self, stream: BinaryIO) -> str:
        """Keep what `stream` reads, hashed while copied, never held whole in memory."""

    @abc.abstractmethod
    def has(self, sha256: str) -> bool: ...

    @abc.abstractmethod
    def get(self, sha256: str) -> bytes:
        """The content; `NotFoundError` naming the checksum when there is none."""

    @abc.abstractmethod
    def open(self, sha256: str) -> contextlib.AbstractContextManager[BinaryIO]:
        """The content as a stream (large evidence, downloads)."""

    @abc.abstractmethod
    def local_path(self, sha256: str) -> Path:
        """A file on this machine holding the content, for the validation workers (which read
        artefacts by path): the blob's own file, or a copy in NIF_HOME's cache."""

    @abc.abstractmethod
    def digests(self) -> Iterator[str]:
        """Every blob kept."""

    def copy_into(self, other: Blobs, digests: Iterable[str] | None = None) -> None:
        """Copy the blobs `other` lacks (those named that are here, else all)."""
        for digest in self.digests() if digests is None else digests:
            if self.has(digest) and not other.has(digest):
                with self.open(digest) as stream:
                    other.put_stream(stream)


class ChangeFeed(abc.ABC):
    """How one process's write reaches the caches of every other process on the same state."""

    @abc.abstractmethod
    def publish(self) -> None:
        """A write was committed here: move the shared generation on, tell the others."""

    @abc.abstractmethod
    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call `listener` when another process has written (never for this process's own)."""

    @abc.abstractmethod
    def sync(self) -> bool:
        """Read the shared generation now; call the listeners (and answer True) if another
        process moved it since this one last looked. Cheap: one indexed read."""

    def sync_at_once(self) -> bool:
        """`sync` when it needs no wait (so an event loop may call it): True when done; False
        when it would wait (a network round trip, a lock another thread holds), and the caller
        must `sync` where waiting is allowed."""
        return False


@dataclasses.dataclass(frozen=True)
class Health:
    """How a back end answers: `/health` shows one per back end."""

    kind: str
    ok: bool
    latency_ms: float
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


class State(abc.ABC):
    """nif's state, one back end. Opened once per process (`open_state`), closed at exit."""

    kind: str
    """`embedded` or `postgresql`."""
    changes: ChangeFeed

    @abc.abstractmethod
    def database(self, schema: Schema) -> Database:
        """The database holding `schema`'s tables, its migrations applied."""

    @abc.abstractmethod
    def blobs(self, name: str) -> Blobs:
        """A blob namespace: `artefacts` (what records pin and serve, record contents) or
        `evidence` (certification evidence: private, never served)."""

    @abc.abstractmethod
    def write_lock(self) -> contextlib.AbstractContextManager[None]:
        """One writer at a time across every process on this state (a crashed holder's lock
        is released with it)."""

    @abc.abstractmethod
    def secret(self, name: str, make: Callable[[], bytes]) -> bytes:
        """The secret kept under `name` (the certificate signing key); made by `make` and kept
        by whichever process asks first: every process gets the same value."""

    def replace_secret(self, name: str, value: bytes) -> None:
        """Keep `value` under `name` in place of the one kept: only `registry import --full
        --replace` does, moving a registry (and the key its certificates verify with) here."""
        raise NotImplementedError(f"the {self.kind} state cannot replace a secret")

    @abc.abstractmethod
    def health(self) -> Health: ...

    @abc.abstractmethod
    def describe(self) -> str:
        """What the state is, for logs and `/health`: never a password."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
