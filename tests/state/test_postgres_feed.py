"""The change feed between replicas on one PostgreSQL: a write published on one reaches the
listeners of the other (never its own), `sync` catches up without a notice, and a listener
cut off from the server reconnects and calls its listeners once, since notices were lost."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nif.settings import Settings
from nif.state import State, open_state
from tests.postgres import Postgres
from tests.state.pg_helpers import DEADLINE, pg_settings, wait_for


@pytest.fixture
def settings(postgres: Postgres, tmp_path: Path) -> Settings:
    return pg_settings(postgres, tmp_path / "home")


@pytest.fixture
def make_state(settings: Settings) -> Iterator[Callable[[], State]]:
    opened: list[State] = []

    def make() -> State:
        state = open_state(settings)
        opened.append(state)
        return state

    yield make
    for state in opened:
        state.close()


class Heard:
    """A listener that counts its calls and lets a test wait for the next one."""

    def __init__(self) -> None:
        self.calls = 0
        self._event = threading.Event()

    def __call__(self) -> None:
        self.calls += 1
        self._event.set()

    def wait(self) -> None:
        assert self._event.wait(DEADLINE), "the listener was not called"
        self._event.clear()


def test_a_write_on_one_replica_reaches_the_other(make_state: Callable[[], State]) -> None:
    a, b = make_state(), make_state()
    heard_a, heard_b = Heard(), Heard()
    a.changes.subscribe(heard_a)
    b.changes.subscribe(heard_b)
    a.changes.publish()
    heard_b.wait()
    assert heard_b.calls == 1
    b.changes.publish()
    heard_a.wait()
    # each heard the other's write once, and neither its own
    assert (heard_a.calls, heard_b.calls) == (1, 1)
    assert not a.changes.sync() and not b.changes.sync()
    assert (heard_a.calls, heard_b.calls) == (1, 1)


def test_sync_sees_another_replicas_write_without_a_notice(
    make_state: Callable[[], State],
) -> None:
    a, b = make_state(), make_state()
    assert not b.changes.sync()
    a.changes.publish()
    assert b.changes.sync()  # b has no listener thread: the counter says it
    assert not b.changes.sync()


def test_the_listener_reconnects_and_catches_up(
    make_state: Callable[[], State], settings: Settings, postgres: Postgres
) -> None:
    a = make_state()
    heard = Heard()
    a.changes.subscribe(heard)
    database = settings.state.url.rsplit("/", 1)[1]
    listening = (
        f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}' AND query LIKE 'LISTEN%'"
    )
    wait_for(lambda: postgres.admin(listening), "the listener's connection")
    postgres.admin(f"SELECT pg_terminate_backend(pid) FROM ({listening}) AS listener")
    heard.wait()  # called once on reconnecting: notices may have been lost
    wait_for(lambda: postgres.admin(listening), "the listener listening again")
    b = make_state()
    b.changes.publish()
    heard.wait()
    assert heard.calls == 2


def test_a_failing_listener_does_not_stop_the_others(make_state: Callable[[], State]) -> None:
    a, b = make_state(), make_state()

    def broken() -> None:
        raise RuntimeError("a cache that cannot drop")

    heard = Heard()
    b.changes.subscribe(broken)
    b.changes.subscribe(heard)
    a.changes.publish()
    heard.wait()
    a.changes.publish()
    heard.wait()
    assert heard.calls == 2
