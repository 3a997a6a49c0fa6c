"""A private PostgreSQL for tests: its own data folder, a loopback port, a `nif` role with a
password.

Debian's `postgresql` puts its programs in `/usr/lib/postgresql/<version>/bin`. `start()`
runs `initdb` in a fresh folder from `tempfile.mkdtemp` (not under pytest's 0700 tmp tree,
which the `postgres` user cannot enter), starts `postgres` on 127.0.0.1 and a socket in that
folder, and makes a `nif` role whose password has characters a URL must escape. The tests
connect over TCP with that password (scram-sha-256), so authentication is exercised; the
fixture itself talks to the server as its superuser over the socket (trust).

PostgreSQL refuses to run as root: when the tests run as root (CI, this machine), the server
and `initdb` run as the `postgres` user (`subprocess.Popen(user=...)`, like `runuser`, but
the server stays our direct child, so it dies with pytest and is stopped by its pid).
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg

from nif.settings import Settings
from tests.processes import die_with_parent, free_port, stop

BIN_GLOB = "/usr/lib/postgresql/*/bin"
STARTUP_TIMEOUT = 120.0
"""Seconds to wait for a fresh cluster; about one on an idle machine, more under a loaded CI."""
SUPERUSER = "postgres"
ROLE = "nif"
INITDB_OPTIONS = ("-U", SUPERUSER, "--auth-local=trust", "--auth-host=scram-sha-256")
INITDB_OPTIONS += ("-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
SERVER_OPTIONS = ("-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200")
SERVER_OPTIONS += ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
"""Durability off (a test server's data is thrown away); connections for xdist workers' pools."""


@dataclasses.dataclass
class Postgres:
    """A running server; `new_database()` gives each test a database of its own."""

    directory: Path
    port: int
    password: str
    process: subprocess.Popen[bytes]
    _count: int = 0

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str, *, password: bool = True) -> str:
        """The `nif` role's URL for `database`, with its password (escaped) unless told not."""
        secret = f":{quote(self.password, safe='')}" if password else ""
        return f"postgresql://{ROLE}{secret}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database owned by `nif`: its URL, password included."""
        self._count += 1
        name = f"nif_{os.getpid()}_{self._count}_{secrets.token_hex(3)}"
        self.admin(f'CREATE DATABASE "{name}" OWNER {ROLE}')
        return self.url(name)

    def settings_for(self, settings: Settings) -> Settings:
        """`settings` on a fresh database, the password in `state_password` (not the URL)."""
        url = self.new_database()
        database = url.rsplit("/", 1)[1]
        return settings.replace(state=self.url(database, password=False)).replace(
            state_password=self.password
        )

    def admin(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        """Run one statement as the superuser over the socket (autocommit)."""
        with psycopg.connect(
            host=str(self.directory),
            port=self.port,
            user=SUPERUSER,
            dbname=database,
            autocommit=True,
        ) as conn:
            cursor = conn.execute(sql.encode())
            return cursor.fetchall() if cursor.description else []

    def log_tail(self, chars: int = 3000) -> str:
        log = self.directory / "postgres.log"
        return log.read_text("utf-8", "replace")[-chars:] if log.exists() else ""

    def stop(self) -> None:
        """Fast shutdown (SIGINT: sessions are ended), SIGKILL if it hangs; the folder goes."""
        stop(self.process, signal.SIGINT)
        shutil.rmtree(self.directory, ignore_errors=True)


def binaries() -> Path | None:
    """The newest Debian PostgreSQL's `bin` folder, if one is installed."""
    found = sorted(
        (Path(p) for p in glob.glob(BIN_GLOB) if (Path(p) / "postgres").is_file()),
        key=lambda p: _version(p.parent.name),
    )
    return found[-1] if found else None


def installed() -> bool:
    return binaries() is not None


def start(*, attempts: int = 3) -> Postgres:
    """A fresh cluster in a new folder under the system's temporary folder."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError(f"PostgreSQL is not installed (no {BIN_GLOB}/postgres)")
    directory = Path(tempfile.mkdtemp(prefix="nif-pg-"))
    try:
        return _start(bin_dir, directory, attempts)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


@contextlib.contextmanager
def running() -> Iterator[Postgres]:
    server = start()
    try:
        yield server
    finally:
        server.stop()


def _start(bin_dir: Path, directory: Path, attempts: int) -> Postgres:
    directory.chmod(0o755)
    owner = _server_user()
    if owner is not None:
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    _run(owner, [str(bin_dir / "initdb"), *INITDB_OPTIONS, "-D", str(directory / "data")])
    for attempt in range(1, attempts + 1):
        port = free_port()
        log = directory / "postgres.log"
        with log.open("wb") as out:
            if owner is not None:
                os.chown(log, owner.pw_uid, owner.pw_gid)
            process = subprocess.Popen(
                [
                    str(bin_dir / "postgres"),
                    *SERVER_OPTIONS,
                    "-D",
                    str(directory / "data"),
                    "-k",
                    str(directory),
                    "-p",
                    str(port),
                ],
                cwd=directory,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
                **_as(owner),
            )
        server = Postgres(directory, port, "", process)
        try:
            _wait_until_ready(server)
        except _PortTaken:
            server.process.kill()
            server.process.wait(timeout=30)
            if attempt == attempts:
                raise
            continue
        except BaseException:
            server.process.kill()
            server.process.wait(timeout=30)
            raise
        try:
            password = f"nif-{secrets.token_hex(8)}:@/%'"
            literal = password.replace("'", "''")
            server.admin(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{literal}'")
            server.password = password
        except BaseException:
            server.stop()
            raise
        return server
    raise AssertionError("unreachable")


class _PortTaken(RuntimeError):
    """Another process took the port between choosing it and PostgreSQL binding it."""


def _wait_until_ready(server: Postgres) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        code = server.process.poll()
        if code is not None:
            tail = server.log_tail()
            if "could not bind" in tail or "Address already in use" in tail:
                raise _PortTaken(tail)
            raise RuntimeError(f"postgres exited with {code} while starting:\n{tail}")
        with contextlib.suppress(psycopg.OperationalError):
            server.admin("SELECT 1")
            return
        time.sleep(0.1)
    raise RuntimeError(f"postgres did not answer within {STARTUP_TIMEOUT} s:\n{server.log_tail()}")


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: the `postgres` user when we are root, else ourselves (None)."""
    if os.getuid() != 0:
        return None
    try:
        return pwd.getpwnam(SUPERUSER)
    except KeyError as exc:
        raise RuntimeError("running as root, and there is no `postgres` user to run as") from exc


def _as(owner: pwd.struct_passwd | None) -> dict[str, object]:
    if owner is None:
        return {}
    return {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}


def _run(owner: pwd.struct_passwd | None, command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, timeout=120, check=False, **_as(owner))
    if done.returncode != 0:
        raise RuntimeError(
            f"{Path(command[0]).name} failed ({done.returncode}):\n"
            f"{done.stdout.decode('utf-8', 'replace')}{done.stderr.decode('utf-8', 'replace')}"
        )


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())
