"""The PostgreSQL state as replicas use it: two states on one database share writes and
secrets, migrations raced by two processes apply once, the write lock excludes another process
and dies with it, and a server that cannot be reached is a `StateError` without the password."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nif.errors import StateError, UsageError
from nif.settings import Settings
from nif.state import Migration, Schema, State, open_state
from tests.postgres import Postgres
from tests.state.pg_helpers import pg_settings, spawn, wait_for

NOTES = Schema(
    "notes",
    ("notes",),
    (
        Migration(1, "CREATE TABLE notes (id {serial}, text TEXT NOT NULL, raw {bytes})"),
        # not idempotent: applied twice, the second INSERT breaks the primary key
        Migration(2, "CREATE TABLE once (id INTEGER PRIMARY KEY); INSERT INTO once VALUES (1)"),
    ),
)


@pytest.fixture
def settings(postgres: Postgres, tmp_path: Path) -> Settings:
    return pg_settings(postgres, tmp_path / "home")


@pytest.fixture
def make_state(settings: Settings) -> Iterator[Callable[[], State]]:
    """Opens a state on the test's database: each call is another replica."""
    opened: list[State] = []

    def make() -> State:
        state = open_state(settings)
        opened.append(state)
        return state

    yield make
    for state in opened:
        state.close()


def test_two_replicas_see_each_others_writes(make_state: Callable[[], State]) -> None:
    a, b = make_state(), make_state()
    with a.database(NOTES).session() as session:
        session.execute("INSERT INTO notes (text, raw) VALUES (?, ?)", ("100% ?", b"\x00\xff"))
        session.executemany("INSERT INTO notes (text) VALUES (?)", [("two",), ("three",)])
    rows = b.database(NOTES).query("SELECT id, text, raw FROM notes ORDER BY id")
    assert rows == [(1, "100% ?", b"\x00\xff"), (2, "two", None), (3, "three", None)]
    like = b.database(NOTES).query("SELECT count(*) FROM notes WHERE text LIKE ?", ("%?",))
    assert like == [(1,)]


def test_a_failed_session_writes_nothing(make_state: Callable[[], State]) -> None:
    notes = make_state().database(NOTES)
    with pytest.raises(RuntimeError), notes.session() as session:
        session.execute("INSERT INTO notes (text) VALUES (?)", ("lost",))
        raise RuntimeError("the caller fails half way")
    assert notes.query("SELECT count(*) FROM notes") == [(0,)]


def test_every_replica_gets_the_secret_made_first(make_state: Callable[[], State]) -> None:
    a, b = make_state(), make_state()
    assert a.secret("certificate-key", lambda: b"first") == b"first"
    assert b.secret("certificate-key", lambda: b"second") == b"first"


def test_migrations_raced_by_two_processes_apply_once(settings: Settings) -> None:
    script = (
        "from nif.state import Migration, Schema, open_state\n"
        f"schema = Schema('notes', ('notes',), {NOTES.migrations!r})\n"
        "with open_state(settings) as state:\n"
        "    state.database(schema)\n"
        "print('migrated')\n"
    )
    racers = [spawn(settings, script) for _ in range(2)]
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err
        assert out.strip() == "migrated"
    with open_state(settings) as state:
        database = state.database(NOTES)
        assert database.query("SELECT id FROM once") == [(1,)]
        versions = database.query(
            "SELECT version FROM nif_migrations WHERE component = ? ORDER BY version", ("notes",)
        )
        assert versions == [(1,), (2,)]


def test_the_write_lock_excludes_another_process_and_dies_with_it(
    settings: Settings, postgres: Postgres, make_state: Callable[[], State]
) -> None:
    holder = spawn(
        settings,
        "import sys, time\nfrom nif.state import open_state\n"
        "state = open_state(settings)\n"
        "with state.write_lock():\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(3600)\n",
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        state = make_state()
        taken = threading.Event()

        def take() -> None:
            with state.write_lock():
                taken.set()

        waiter = threading.Thread(target=take, daemon=True)
        waiter.start()
        database = settings.state.url.rsplit("/", 1)[1]
        waiting = (
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            f"WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = '{database}'"
        )
        wait_for(lambda: postgres.admin(waiting) == [(1,)], "our wait for the held lock")
        assert not taken.is_set()
        holder.send_signal(signal.SIGKILL)
        assert taken.wait(timeout=60), "the lock of a killed process was not released"
        waiter.join(timeout=60)
    finally:
        holder.kill()
        holder.communicate(timeout=60)


def test_the_write_lock_is_reentrant_in_one_thread(make_state: Callable[[], State]) -> None:
    state = make_state()
    with state.write_lock(), state.write_lock():
        state.database(NOTES).query("INSERT INTO notes (text) VALUES (?)", ("inside",))
    with state.write_lock():  # released: taken again
        pass


def test_a_wrong_password_is_a_state_error_without_it(settings: Settings) -> None:
    wrong = settings.replace(state_password="not-the-password-42")
    with pytest.raises(StateError) as caught:
        open_state(wrong)
    message = str(caught.value)
    assert "password authentication failed" in message
    assert "not-the-password-42" not in message
    assert settings.state.password.get_secret_value() not in message
    assert settings.state.url in message  # which server: user, host, port and database


def test_a_password_in_the_url_is_used_and_never_shown(postgres: Postgres, tmp_path: Path) -> None:
    url = postgres.new_database()
    with open_state(Settings(home=tmp_path, state=url)) as state:
        assert state.health().ok
        shown = state.describe() + str(state.health().to_dict())
    assert postgres.password not in shown
    assert "%40" not in shown and "@127.0.0.1" in shown


def test_a_closed_port_is_a_state_error(postgres: Postgres, tmp_path: Path) -> None:
    from tests.processes import free_port

    port = free_port()
    url = postgres.url("nowhere").replace(f":{postgres.port}/", f":{port}/")
    with pytest.raises(StateError) as caught:
        open_state(Settings(home=tmp_path, state=url, state_connect_timeout=2))
    message = str(caught.value)
    assert f"127.0.0.1:{port}/nowhere" in message
    assert postgres.password not in message
    assert "state_connect_timeout" in message


def test_a_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="postgresql://"):
        open_state(Settings(home=tmp_path, state="mysql://nif@localhost/nif"))


def test_health_says_what_is_wrong_when_the_server_goes(
    settings: Settings, postgres: Postgres, request: pytest.FixtureRequest
) -> None:
    state = open_state(settings.replace(state_connect_timeout=2))
    request.addfinalizer(state.close)
    assert state.health().ok
    database = settings.state.url.rsplit("/", 1)[1]
    postgres.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    postgres.admin(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
    )
    health = state.health()
    assert not health.ok
    assert settings.state.password.get_secret_value() not in health.detail
    assert database in health.detail and "SELECT 1" in health.detail
    with pytest.raises(StateError):
        state.database(NOTES).query("SELECT count(*) FROM notes")
    postgres.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    wait_for(lambda: state.health().ok, "the state answering again")
    assert state.database(NOTES).query("SELECT count(*) FROM notes") == [(0,)]
