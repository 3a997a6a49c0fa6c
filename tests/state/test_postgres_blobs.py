"""Blobs in PostgreSQL: a 20 MiB stream goes in and comes out in 1 MiB chunks (never whole in
memory), racing writers keep one copy, and a validation worker reads its cached copy without
a connection, verified against the checksum."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from nif.errors import NotFoundError, StateError, UsageError
from nif.settings import Settings
from nif.state import State, open_blobs, open_state
from tests.postgres import Postgres
from tests.state.pg_helpers import pg_settings

MIB = 1 << 20


@pytest.fixture
def settings(postgres: Postgres, tmp_path: Path) -> Settings:
    return pg_settings(postgres, tmp_path / "home")


@pytest.fixture
def state(settings: Settings) -> Iterator[State]:
    with open_state(settings) as state:
        yield state


class Generated(io.RawIOBase):
    """`size` bytes made as they are read (a counter's sha256 blocks): nothing held whole."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._counter = 0
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer) and self._left > len(self._pending):
            self._pending += hashlib.sha256(str(self._counter).encode()).digest() * 256
            self._counter += 1
        count = min(len(buffer), len(self._pending), self._left)
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        self._left -= count
        return count


def digest_of(size: int) -> str:
    hasher = hashlib.sha256()
    stream = Generated(size)
    while block := stream.read(MIB):
        hasher.update(block)
    return hasher.hexdigest()


def test_a_large_blob_is_streamed_in_and_out_by_chunks(state: State) -> None:
    size = 20 * MIB + 12345
    blobs = state.blobs("evidence")
    tracemalloc.start()
    try:
        digest = blobs.put_stream(io.BufferedReader(Generated(size), 64 * 1024))
        _, peak_in = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        hasher = hashlib.sha256()
        read = 0
        with blobs.open(digest) as stream:
            while block := stream.read(256 * 1024):
                hasher.update(block)
                read += len(block)
        _, peak_out = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest == digest_of(size) == hasher.hexdigest()
    assert read == size
    assert blobs.chunks(digest) == 21  # type: ignore[attr-defined]
    assert blobs.size(digest) == size  # type: ignore[attr-defined]
    # a few chunks at a time, never the 20 MiB
    assert peak_in < 6 * MIB, peak_in
    assert peak_out < 6 * MIB, peak_out


def test_a_blob_kept_twice_is_one_blob(state: State) -> None:
    blobs = state.blobs("artefacts")
    content = b"<schema/>" * 1000
    first = blobs.put(content)
    assert blobs.put_stream(io.BytesIO(content)) == first
    assert blobs.put(content) == first
    assert list(blobs.digests()) == [first]
    assert blobs.get(first) == content
    assert blobs.chunks(first) == 1  # type: ignore[attr-defined]
    empty = blobs.put_stream(io.BytesIO(b""))
    assert blobs.get(empty) == b"" and blobs.has(empty)


def test_namespaces_are_apart(state: State) -> None:
    digest = state.blobs("artefacts").put(b"private evidence")
    assert not state.blobs("evidence").has(digest)
    with pytest.raises(NotFoundError, match=digest):
        state.blobs("evidence").get(digest)
    with pytest.raises(UsageError, match="artefacts, evidence"):
        state.blobs("other")
    with pytest.raises(NotFoundError, match="not a sha256"):
        state.blobs("artefacts").has("../../etc/passwd")


def test_a_worker_reads_the_cached_copy_without_a_connection(
    state: State, settings: Settings
) -> None:
    content = b"artefact bytes"
    digest = state.blobs("artefacts").put(content)
    # the worker's settings cannot connect (a wrong password): the first read needs the server
    worker = open_blobs(settings.replace(state_password="wrong"), "artefacts")
    with pytest.raises(StateError, match="password authentication failed"):
        worker.local_path(digest)
    reader = open_blobs(settings, "artefacts")
    try:
        path = reader.local_path(digest)
    finally:
        reader.close()  # type: ignore[attr-defined]
    assert path.read_bytes() == content
    assert path == settings.folder.blob_cache / "artefacts" / digest[:2] / digest
    assert worker.local_path(digest) == path  # now cached: no connection needed
    assert worker.get(digest) == content


def test_a_worker_keeps_a_copy_of_what_it_reads(state: State, settings: Settings) -> None:
    digest = state.blobs("artefacts").put(b"read by a worker")
    worker = open_blobs(settings, "artefacts")
    try:
        assert worker.get(digest) == b"read by a worker"
    finally:
        worker.close()  # type: ignore[attr-defined]
    assert (settings.folder.blob_cache / "artefacts" / digest[:2] / digest).is_file()


def test_a_damaged_cached_copy_of_evidence_is_refused(state: State) -> None:
    evidence = state.blobs("evidence")
    digest = evidence.put(b"the evidence")
    evidence.local_path(digest).write_bytes(b"changed on disk")
    with pytest.raises(StateError, match="damaged"):
        evidence.get(digest)


def test_a_damaged_blob_is_never_cached(
    state: State, settings: Settings, postgres: Postgres
) -> None:
    digest = state.blobs("artefacts").put(b"the real content")
    database = settings.state.url.rsplit("/", 1)[1]
    postgres.admin("UPDATE nif_blob_chunks SET data = 'tampered'::bytea", database)
    with pytest.raises(StateError, match="damaged"):
        state.blobs("artefacts").local_path(digest)
    assert not any(settings.folder.blob_cache.rglob(digest))


def test_blobs_copy_between_back_ends(state: State, tmp_path: Path) -> None:
    source = state.blobs("artefacts")
    digests = {source.put(b"one"), source.put_stream(io.BytesIO(b"two" * MIB))}
    with open_state(Settings(home=tmp_path / "embedded")) as embedded:
        source.copy_into(embedded.blobs("artefacts"))
        assert set(embedded.blobs("artefacts").digests()) == digests
        back = embedded.blobs("artefacts")
        other = state.blobs("evidence")
        back.copy_into(other)
        assert {other.get(d) for d in digests} == {b"one", b"two" * MIB}
