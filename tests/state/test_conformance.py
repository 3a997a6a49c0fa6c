"""What every state back end does alike: databases and their migrations, blobs, the change
feed, the write lock and secrets (the `state` fixture runs each test on every back end)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import multiprocessing
import queue
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nif.errors import NotFoundError, StateError, UsageError
from nif.settings import Settings
from nif.state import FileBlobs, Migration, Schema, State, open_state
from tests.state.pg_helpers import wait_for

V1 = Migration(1, "CREATE TABLE items (id {serial}, name TEXT NOT NULL UNIQUE, data {bytes})")
V2 = Migration(2, "ALTER TABLE items ADD COLUMN size INTEGER NOT NULL DEFAULT 0")
ITEMS = Schema("conformance", ("items",), (V1,))
ITEMS_2 = Schema("conformance", ("items",), (V1, V2))


def _applied(state: State, schema: Schema) -> list[int]:
    rows = state.database(schema).query(
        "SELECT version FROM nif_migrations WHERE component = ? ORDER BY version",
        (schema.component,),
    )
    return [int(row[0]) for row in rows]


def test_a_database_numbers_rows_and_keeps_bytes(state: State) -> None:
    db = state.database(ITEMS)
    with db.session() as session:
        session.executemany(
            "INSERT INTO items (name, data) VALUES (?, ?)", [("a", b"\x00\xff"), ("b", None)]
        )
    rows = db.query("SELECT id, name, data FROM items ORDER BY id")
    assert [(r[1], None if r[2] is None else bytes(r[2])) for r in rows] == [
        ("a", b"\x00\xff"),
        ("b", None),
    ]
    assert rows[0][0] < rows[1][0]


def test_an_upsert_replaces_the_row(state: State) -> None:
    db = state.database(ITEMS)
    upsert = (
        "INSERT INTO items (name, data) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET data = excluded.data"
    )
    db.query(upsert, ("a", b"1"))
    db.query(upsert, ("a", b"2"))
    assert [bytes(r[0]) for r in db.query("SELECT data FROM items")] == [b"2"]


def test_a_failed_session_writes_nothing(state: State) -> None:
    db = state.database(ITEMS)
    with pytest.raises(RuntimeError), db.session() as session:
        session.execute("INSERT INTO items (name) VALUES (?)", ("lost",))
        raise RuntimeError("after the write")
    assert db.query("SELECT count(*) FROM items")[0][0] == 0


def test_migrations_apply_once_and_in_order(make_state: Callable[[], State]) -> None:
    first = make_state()
    assert _applied(first, ITEMS) == [1]
    first.database(ITEMS).query("INSERT INTO items (name) VALUES (?)", ("kept",))
    again = make_state()  # another process: version 1 is not applied twice
    assert _applied(again, ITEMS) == [1]
    newer = make_state()  # a newer nif: only version 2 is applied, the rows stay
    assert _applied(newer, ITEMS_2) == [1, 2]
    assert newer.database(ITEMS_2).query("SELECT name, size FROM items") == [("kept", 0)]


def test_a_database_a_newer_nif_migrated_is_refused(make_state: Callable[[], State]) -> None:
    make_state().database(ITEMS_2)
    with pytest.raises(StateError, match=r"conformance tables .* version 2, newer .* \(1\)"):
        make_state().database(ITEMS)


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        (Schema("conformance", ("items",), (V2,)), "numbered"),
        (Schema("conformance", ("items",), (V1, V1)), "numbered"),
        (Schema("../etc", ("items",), (V1,)), "not a state component name"),
        (Schema("", ("items",), (V1,)), "not a state component name"),
    ],
)
def test_a_schema_that_cannot_be_migrated_is_refused(
    state: State, schema: Schema, words: str
) -> None:
    with pytest.raises(StateError, match=words):
        state.database(schema)


def test_blobs_are_kept_by_their_sha256(state: State) -> None:
    blobs = state.blobs("artefacts")
    digest = blobs.put(b"<schema/>")
    assert digest == hashlib.sha256(b"<schema/>").hexdigest()
    assert blobs.put(b"<schema/>") == digest  # once
    assert blobs.has(digest) and blobs.get(digest) == b"<schema/>"
    with blobs.open(digest) as stream:
        assert stream.read() == b"<schema/>"
    assert blobs.local_path(digest).read_bytes() == b"<schema/>"
    assert list(blobs.digests()) == [digest]


def test_a_stream_is_kept_whole_whatever_its_size(state: State) -> None:
    content = secrets.token_bytes(3 * 1024 * 1024 + 17)  # over a few chunks
    blobs = state.blobs("evidence")
    digest = blobs.put_stream(io.BytesIO(content))
    assert digest == hashlib.sha256(content).hexdigest()
    assert blobs.get(digest) == content
    assert blobs.put_stream(io.BytesIO(content)) == digest
    assert list(blobs.digests()) == [digest]


@pytest.mark.parametrize("name", ["artefacts", "evidence"])
def test_a_missing_blob_is_not_found(state: State, name: str) -> None:
    blobs = state.blobs(name)
    missing = "0" * 64
    assert not blobs.has(missing)
    for read in (blobs.get, blobs.local_path):
        with pytest.raises(NotFoundError, match=missing):
            read(missing)
    with pytest.raises(NotFoundError, match=missing), blobs.open(missing):
        pass
    with pytest.raises(NotFoundError, match="not a sha256"):
        blobs.get("../../etc/passwd")


def test_namespaces_are_apart_and_copy_between_back_ends(state: State, tmp_path: Path) -> None:
    digest = state.blobs("artefacts").put(b"artefact")
    assert not state.blobs("evidence").has(digest)
    folder = FileBlobs(tmp_path / "backup")
    state.blobs("artefacts").copy_into(folder)
    assert folder.get(digest) == b"artefact"
    back = folder.put(b"from a backup")
    folder.copy_into(state.blobs("artefacts"))
    assert state.blobs("artefacts").get(back) == b"from a backup"
    with pytest.raises(UsageError, match="no blob namespace 'other'"):
        state.blobs("other")


def test_the_change_feed_tells_other_states_only(make_state: Callable[[], State]) -> None:
    here, there = make_state(), make_state()
    heard: dict[str, int] = {"here": 0, "there": 0}
    here.changes.subscribe(lambda: heard.__setitem__("here", heard["here"] + 1))
    there.changes.subscribe(lambda: heard.__setitem__("there", heard["there"] + 1))
    here.changes.publish()
    assert heard["here"] == 0  # not this process's own write
    # embedded: `sync` reads the counter; PostgreSQL: the notice may have been heard first
    there.changes.sync()
    wait_for(lambda: heard["there"] == 1, "the other state hearing the write")
    assert there.changes.sync() is False  # nothing new
    assert here.changes.sync() is False
    assert heard == {"here": 0, "there": 1}
    there.changes.publish()
    there.changes.publish()
    here.changes.sync()
    wait_for(lambda: heard["here"] >= 1, "this state hearing the other's writes")
    assert heard["there"] == 1


def test_the_write_lock_is_reentrant_in_one_thread(state: State) -> None:
    with state.write_lock(), state.write_lock():
        pass
    with state.write_lock():
        pass


def _lock_after(settings: Settings, released: Any, trying: Any, answer: Any) -> None:
    """In another process: take the write lock; whether the first holder had let it go."""
    with open_state(settings) as state:
        trying.set()
        with state.write_lock():
            answer.put(released.is_set())


def test_the_write_lock_excludes_another_process(state: State, state_settings: Settings) -> None:
    context = multiprocessing.get_context("spawn")
    released, trying, answer = context.Event(), context.Event(), context.Queue()
    other = context.Process(target=_lock_after, args=(state_settings, released, trying, answer))
    with state.write_lock():
        other.start()
        assert trying.wait(60), "the other process did not start"
        with contextlib.suppress(queue.Empty):  # a moment to take the lock, if it could
            answer.put(answer.get(timeout=0.5))
        released.set()
    try:
        assert answer.get(timeout=60) is True  # it had the lock only after this one let go
    finally:
        other.join(60)


def _secret_of(settings: Settings) -> bytes:
    with open_state(settings) as state:
        return state.secret("certificate-key", lambda: secrets.token_bytes(32))


def test_a_secret_is_made_once_by_racing_processes(state: State, state_settings: Settings) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        made = pool.map(_secret_of, [state_settings] * 8)
    assert len(set(made)) == 1
    assert state.secret("certificate-key", lambda: b"never made") == made[0]


def test_health_and_describe_name_no_password(state: State) -> None:
    health = state.health()
    assert health.ok and health.kind == state.kind and health.latency_ms >= 0
    assert "password" not in state.describe().lower()
    assert health.to_dict()["kind"] == state.kind
