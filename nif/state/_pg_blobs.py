"""Blobs in PostgreSQL: content in 1 MiB chunks, never whole in memory, cached on disk for
the validation workers.

`nif_blobs(namespace, sha256, size)` lists what is kept; `nif_blob_chunks(namespace, sha256,
n, data)` holds it. `put_stream` hashes while it writes the chunks under a temporary key, then
in the same transaction either names them by the checksum (a new blob) or drops them (one
that another write kept first): a blob is there whole or not at all. `open` reads one chunk
per query, so a download holds no connection between reads. `local_path` copies a blob once
into NIF_HOME/blob-cache/<namespace>/ (verified, renamed into place: content-addressed, so a
copy never goes stale), where the workers read artefacts by path.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import psycopg

from nif.errors import NotFoundError, StateError, UsageError
from nif.settings import Settings
from nif.state._base import Blobs
from nif.state._embedded import BLOB_NAMESPACES
from nif.state._pg_connect import Target

CHUNK = 1 << 20
"""Bytes per stored chunk (and per read of a stream)."""

_HEX = re.compile(r"[0-9a-f]{64}")

Connections = Callable[[], contextlib.AbstractContextManager[psycopg.Connection[Any]]]
"""A connection for one transaction (committed when the block ends, rolled back on error)."""


class PostgresBlobs(Blobs):
    """The blobs of `namespace`, reached through `connections`, cached under `cache`."""

    def __init__(
        self, namespace: str, connections: Connections, cache: Path, *, fill_cache: bool = False
    ) -> None:
        if namespace not in BLOB_NAMESPACES:
            raise UsageError(f"no blob namespace {namespace!r}: use {', '.join(BLOB_NAMESPACES)}")
        self.namespace = namespace
        self._connections = connections
        self._cache = cache / namespace
        self._fill = fill_cache

    def __repr__(self) -> str:
        return f"PostgresBlobs({self.namespace!r})"

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        with self._connections() as conn:
            if self._claim(conn, digest, len(content)):
                for n, start in enumerate(range(0, len(content), CHUNK)):
                    self._chunk(conn, digest, n, content[start : start + CHUNK])
        return digest

    def put_stream(self, stream: BinaryIO) -> str:
        temporary = f"tmp-{secrets.token_hex(16)}"
        hasher = hashlib.sha256()
        size = 0
        with self._connections() as conn:
            n = 0
            while chunk := _read_chunk(stream):
                hasher.update(chunk)
                size += len(chunk)
                self._chunk(conn, temporary, n, chunk)
                n += 1
            digest = hasher.hexdigest()
            if self._claim(conn, digest, size):
                conn.execute(
                    "UPDATE nif_blob_chunks SET sha256 = %s WHERE namespace = %s AND sha256 = %s",
                    (digest, self.namespace, temporary),
                )
            else:
                conn.execute(
                    "DELETE FROM nif_blob_chunks WHERE namespace = %s AND sha256 = %s",
                    (self.namespace, temporary),
                )
        return digest

    def has(self, sha256: str) -> bool:
        _check(sha256)
        return self._size(sha256) is not None

    def size(self, sha256: str) -> int:
        """The blob's length in bytes; `NotFoundError` when there is none."""
        size = self._size(_check(sha256))
        if size is None:
            raise _missing(sha256)
        return size

    def chunks(self, sha256: str) -> int:
        """How many chunks hold the blob (what a test checks streaming by)."""
        with self._connections() as conn:
            row = conn.execute(
                "SELECT count(*) FROM nif_blob_chunks WHERE namespace = %s AND sha256 = %s",
                (self.namespace, _check(sha256)),
            ).fetchone()
        return int(row[0]) if row else 0

    def get(self, sha256: str) -> bytes:
        """The cached copy when there is one (evidence re-hashed), else from the database;
        a worker's blobs (`fill_cache`) keep a copy of what they read."""
        cached = self._cache / _check(sha256)[:2] / sha256
        if not cached.is_file() and self._fill:
            cached = self.local_path(sha256)
        if cached.is_file():
            content = cached.read_bytes()
            if self.namespace == "evidence" and hashlib.sha256(content).hexdigest() != sha256:
                raise _damaged(self.namespace, sha256)
            return content
        with self.open(sha256) as stream:
            return stream.read()

    @contextlib.contextmanager
    def open(self, sha256: str) -> Iterator[BinaryIO]:
        size = self.size(sha256)
        reader = _ChunkReader(self, sha256, size)
        with io.BufferedReader(reader, CHUNK) as stream:
            yield stream

    def read_chunk(self, sha256: str, n: int) -> bytes:
        """Chunk `n` of a blob (a query of its own)."""
        with self._connections() as conn:
            row = conn.execute(
                "SELECT data FROM nif_blob_chunks WHERE namespace = %s AND sha256 = %s AND n = %s",
                (self.namespace, sha256, n),
            ).fetchone()
        if row is None:
            raise StateError(f"the {self.namespace} blob {sha256} is missing chunk {n}")
        return bytes(row[0])

    def local_path(self, sha256: str) -> Path:
        target = self._cache / _check(sha256)[:2] / sha256
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            hasher = hashlib.sha256()
            with os.fdopen(fd, "wb") as handle, self.open(sha256) as stream:
                while chunk := stream.read(CHUNK):
                    hasher.update(chunk)
                    handle.write(chunk)
            if hasher.hexdigest() != sha256:
                raise _damaged(self.namespace, sha256)
            os.replace(temp, target)
        finally:
            Path(temp).unlink(missing_ok=True)
        return target

    def digests(self) -> Iterator[str]:
        with self._connections() as conn:
            rows = conn.execute(
                "SELECT sha256 FROM nif_blobs WHERE namespace = %s ORDER BY sha256",
                (self.namespace,),
            ).fetchall()
        return iter([str(row[0]) for row in rows])

    def close(self) -> None:
        """Close the connection of a worker's blobs (the state's pool closes with the state)."""
        close = getattr(self._connections, "close", None)
        if close is not None:
            close()

    def _size(self, sha256: str) -> int | None:
        with self._connections() as conn:
            row = conn.execute(
                "SELECT size FROM nif_blobs WHERE namespace = %s AND sha256 = %s",
                (self.namespace, sha256),
            ).fetchone()
        return None if row is None else int(row[0])

    def _claim(self, conn: psycopg.Connection[Any], digest: str, size: int) -> bool:
        """List the blob; False when it is kept already (the writer that came first wins)."""
        row = conn.execute(
            "INSERT INTO nif_blobs (namespace, sha256, size) VALUES (%s, %s, %s) "
            "ON CONFLICT (namespace, sha256) DO NOTHING RETURNING sha256",
            (self.namespace, digest, size),
        ).fetchone()
        return row is not None

    def _chunk(self, conn: psycopg.Connection[Any], key: str, n: int, data: bytes) -> None:
        conn.execute(
            "INSERT INTO nif_blob_chunks (namespace, sha256, n, data) VALUES (%s, %s, %s, %s)",
            (self.namespace, key, n, data),
        )


class _ChunkReader(io.RawIOBase):
    """A blob read one stored chunk at a time."""

    def __init__(self, blobs: PostgresBlobs, sha256: str, size: int) -> None:
        self._blobs = blobs
        self._sha = sha256
        self._size = size
        self._position = 0
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._buffer and self._position < self._size:
            self._buffer = self._blobs.read_chunk(self._sha, self._position // CHUNK)
        count = min(len(buffer), len(self._buffer))
        buffer[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        self._position += count
        return count


class LazyConnection:
    """One connection, opened on the first use and again after it broke: what a validation
    worker needs, which reads a blob only when its cached copy is missing."""

    def __init__(self, target: Target) -> None:
        self._target = target
        self._conn: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self) -> Iterator[psycopg.Connection[Any]]:
        with self._lock:
            if self._conn is None or self._conn.broken or self._conn.closed:
                self._conn = self._target.connect()
            try:
                with self._conn.transaction():
                    yield self._conn
            except psycopg.OperationalError as exc:
                self._target.fail(exc, "reading a blob")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __del__(self) -> None:
        """A worker's blobs live as long as their caller keeps them: the connection goes
        with them, closed rather than left for the collector to warn about."""
        conn = getattr(self, "_conn", None)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


def open_postgres_blobs(settings: Settings, name: str) -> PostgresBlobs:
    """The blobs `name` for a worker process: no pool, a connection only on a cache miss."""
    connection = LazyConnection(Target.from_settings(settings))
    return PostgresBlobs(name, connection, cache_of(settings), fill_cache=True)


def cache_of(settings: Settings) -> Path:
    return settings.folder.blob_cache


def _read_chunk(stream: BinaryIO) -> bytes:
    """Up to CHUNK bytes (a stream may give less per read: gather a whole chunk)."""
    parts: list[bytes] = []
    wanted = CHUNK
    while wanted:
        part = stream.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def _check(sha256: str) -> str:
    if not isinstance(sha256, str) or not _HEX.fullmatch(sha256):
        raise NotFoundError(f"{sha256!r} is not a sha256 checksum")
    return sha256


def _damaged(namespace: str, sha256: str) -> StateError:
    return StateError(
        f"the {namespace} blob {sha256} is damaged (its content no longer matches its checksum)"
    )


def _missing(sha256: str) -> NotFoundError:
    return NotFoundError(f"no stored blob with sha256 {sha256}")
