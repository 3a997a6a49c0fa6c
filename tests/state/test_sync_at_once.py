"""`ChangeFeed.sync_at_once`: an event loop hears other processes' writes without waiting, or is
told to ask where waiting is allowed."""

from __future__ import annotations

import threading
from collections.abc import Callable

from nif.state import State
from nif.state._embedded import CHANGES_SCHEMA
from nif.state._sqlite import SqliteDatabase


def test_another_process_s_write_is_heard_at_once(make_state: Callable[[], State]) -> None:
    here, there = make_state(), make_state()
    heard: list[int] = []
    here.changes.subscribe(lambda: heard.append(1))
    there.changes.publish()
    if here.kind == "postgresql":
        assert here.changes.sync_at_once() is False  # a round trip: never on the loop
        return
    assert here.changes.sync_at_once() is True
    assert heard == [1]
    assert here.changes.sync_at_once() is True and heard == [1]  # nothing new


def test_a_file_another_thread_holds_is_not_read_at_once(make_state: Callable[[], State]) -> None:
    here, there = make_state(), make_state()
    if here.kind != "embedded":
        return
    heard: list[int] = []
    here.changes.subscribe(lambda: heard.append(1))
    there.changes.publish()
    database = here.database(CHANGES_SCHEMA)
    assert isinstance(database, SqliteDatabase)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with database.file.lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        assert here.changes.sync_at_once() is False
        assert heard == []  # not read: the caller syncs where it may wait
    finally:
        release.set()
        holder.join()
    assert here.changes.sync_at_once() is True and heard == [1]
