"""The embedded state: SQLite files and folders under NIF_HOME, for one machine.

The layout is the one nif always had, so a NIF_HOME an earlier nif made opens as it was:
`registry.sqlite` (history, audit, proposals, the change counter), `secrets.sqlite` (tokens),
`certification.sqlite` (runs), `blobs/` (artefacts), `evidence/`, `certificate-key.pem`, and
`registry.lock`, the write lock every process on the folder takes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from nif.errors import UsageError
from nif.home import Home
from nif.state._base import Blobs, ChangeFeed, Database, Health, Migration, Schema, State
from nif.state._files import FileBlobs, create_once
from nif.state._sqlite import SqliteDatabase, SqliteFile

FILES = {
    "history": "registry.sqlite",
    "proposals": "registry.sqlite",
    "changes": "registry.sqlite",
    "tokens": "secrets.sqlite",
    "runs": "certification.sqlite",
}
"""The SQLite file of each component; another component gets `<component>.sqlite`."""

BLOB_NAMESPACES = ("artefacts", "evidence")

CHANGES_SCHEMA = Schema(
    "changes",
    ("nif_changes",),
    (
        Migration(
            1,
            "CREATE TABLE IF NOT EXISTS nif_changes ("
            " id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL);"
            " INSERT INTO nif_changes (id, generation) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
        ),
    ),
)
"""The shared generation counter of the change feed (in `registry.sqlite`)."""


def embedded_blobs(home: Path, name: str) -> FileBlobs:
    """The blob namespace `name` of NIF_HOME `home` as files: what workers open directly."""
    folder = Home(home)
    if name == "artefacts":
        return FileBlobs(folder.blobs)
    if name == "evidence":
        return FileBlobs(folder.evidence, full_names=True, verify=True)
    raise UsageError(f"no blob namespace {name!r}: use {', '.join(BLOB_NAMESPACES)}")


class EmbeddedState(State):
    """nif's state as files under `home` (NIF_HOME); files are made when first used."""

    kind = "embedded"

    def __init__(self, home: Path) -> None:
        self.home = home
        self._folder = Home(home)
        self._files: dict[str, SqliteFile] = {}
        self._databases: dict[str, SqliteDatabase] = {}
        self._lock = threading.RLock()
        self._held = threading.local()
        self.changes = _FileChanges(self)

    def __repr__(self) -> str:
        return f"EmbeddedState({str(self.home)!r})"

    def database(self, schema: Schema) -> Database:
        with self._lock:
            known = self._databases.get(schema.component)
            if known is not None and known.schema == schema:
                return known
            name = FILES.get(schema.component, f"{schema.component}.sqlite")
            file = self._files.get(name)
            if file is None:
                file = self._files[name] = SqliteFile(self.home / name)
            database = self._databases[schema.component] = SqliteDatabase(file, schema)
            return database

    def blobs(self, name: str) -> Blobs:
        return embedded_blobs(self.home, name)

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """An exclusive `flock` of `registry.lock`: per open file, so it also keeps out the
        other threads of this process; the kernel releases it when a holder dies. A thread
        that holds it already takes it again at once (as on PostgreSQL)."""
        depth = getattr(self._held, "depth", 0)
        if depth:
            self._held.depth = depth + 1
            try:
                yield
            finally:
                self._held.depth = depth
            return
        self.home.mkdir(parents=True, exist_ok=True)
        with self._folder.lock.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._held.depth = 1
            try:
                yield
            finally:
                self._held.depth = 0
                fcntl.flock(lock, fcntl.LOCK_UN)

    def secret(self, name: str, make: Callable[[], bytes]) -> bytes:
        if name == "certificate-key":
            return create_once(self._folder.signing_key, make, "certificate key")
        if not name.replace("-", "").isalnum():
            raise UsageError(f"{name!r} is not a secret's name (letters, digits and -)")
        return create_once(self.home / f"secret-{name}", make, f"secret {name}")

    def replace_secret(self, name: str, value: bytes) -> None:
        self.secret(name, lambda: value)  # checks the name, makes the folder
        path = self.home / f"secret-{name}"
        if name == "certificate-key":
            path = self._folder.signing_key
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)

    def health(self) -> Health:
        started = time.perf_counter()
        try:
            self.database(CHANGES_SCHEMA).query("SELECT 1")
        except Exception as exc:  # health reports any failure, never raises
            return Health(self.kind, False, _ms(started), f"{type(exc).__name__}: {exc}")
        return Health(self.kind, True, _ms(started), self.describe())

    def describe(self) -> str:
        return f"files under {self.home}"

    def close(self) -> None:
        with self._lock:
            for file in self._files.values():
                file.close()
            self._databases.clear()
            self._files.clear()


class _FileChanges(ChangeFeed):
    """The change feed as a counter row in `registry.sqlite`: every process on NIF_HOME moves
    it on after a write and compares it with what it saw last."""

    def __init__(self, state: EmbeddedState) -> None:
        self._state = state
        self._listeners: list[Callable[[], None]] = []
        self._seen: int | None = None
        self._lock = threading.Lock()

    def _database(self) -> Database:
        return self._state.database(CHANGES_SCHEMA)

    def publish(self) -> None:
        with self._database().session() as session:
            # the write first: it takes SQLite's write lock before anything is read
            session.execute("UPDATE nif_changes SET generation = generation + 1 WHERE id = 1")
            after = int(session.execute("SELECT generation FROM nif_changes WHERE id = 1")[0][0])
        before = after - 1
        with self._lock:
            others = self._seen is not None and before != self._seen
            self._seen = after
        if others:
            self._tell()

    def subscribe(self, listener: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(listener)
            if self._seen is None:
                self._seen = self._read()

    def sync(self) -> bool:
        now = self._read()
        with self._lock:
            moved = self._seen is not None and now != self._seen
            self._seen = now
        if moved:
            self._tell()
        return moved

    def sync_at_once(self) -> bool:
        """A local read in WAL mode waits for no other process; only for another thread of
        this one holding the file (e.g. in a write): then not at once."""
        database = self._database()
        if not isinstance(database, SqliteDatabase) or not database.file.lock.acquire(False):
            return False
        try:
            self.sync()
        finally:
            database.file.lock.release()
        return True

    def _read(self) -> int:
        return int(self._database().query("SELECT generation FROM nif_changes WHERE id = 1")[0][0])

    def _tell(self) -> None:
        for listener in list(self._listeners):
            listener()


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
