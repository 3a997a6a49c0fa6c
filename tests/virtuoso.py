"""A private Virtuoso for tests: its own data directory, loopback ports, a random dba password.

Debian's `virtuoso-opensource` gives `virtuoso-t` (the server) and `isql-vt` (its SQL client).
`start(directory)` writes a small `virtuoso.ini` there, runs `virtuoso-t -f` until its SPARQL
endpoint answers, sets a random dba password over the SQL port and returns a `Virtuoso`;
`stop()` shuts it down (SIGTERM, then SIGKILL). The stores talk to the digest-authenticated
endpoints `/sparql-auth` and `/sparql-graph-crud-auth` as dba, so authentication is exercised.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from nif.settings import Settings
from tests.processes import die_with_parent

SERVER = "virtuoso-t"
ISQL = "isql-vt"
STARTUP_TIMEOUT = 120.0
"""Seconds to wait for a fresh database; about two on an idle machine, more under a loaded CI."""

_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 8
CheckpointInterval = 0
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
DirsAllowed = {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4
MaxQueryMem = 256M

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 8
ServerThreads = 8
EnabledDavVSP = 0
HTTPProxyEnabled = 0
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxSortedTopRows = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
"""


@dataclasses.dataclass
class Virtuoso:
    """A running server. `sparql_url` and `graph_url` need digest auth as `user`/`password`."""

    directory: Path
    http_port: int
    sql_port: int
    password: str
    process: subprocess.Popen[bytes]
    system_graphs: frozenset[str] = frozenset()
    user: str = "dba"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        return f"{self.base_url}/sparql-auth"

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/sparql-graph-crud-auth"

    def settings_for(self, settings: Settings) -> Settings:
        """`settings` pointed at this server (query, update and graph store URLs, digest auth)."""
        return settings.replace(
            store=self.sparql_url,
            store_update_url=self.sparql_url,
            store_graph_url=self.graph_url,
            store_user=self.user,
            store_password=self.password,
            store_auth="digest",
        )

    def graphs(self) -> set[str]:
        """Every named graph, Virtuoso's own included."""
        with self._client() as client:
            response = client.post(
                self.sparql_url,
                data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                headers={"Accept": "application/sparql-results+json"},
            )
        response.raise_for_status()
        return {row["g"]["value"] for row in response.json()["results"]["bindings"]}

    def clear(self) -> None:
        """Drop every graph the tests made, keeping Virtuoso's system graphs."""
        doomed = sorted(self.graphs() - self.system_graphs)
        if doomed:
            update = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in doomed)
            with self._client() as client:
                response = client.post(
                    self.sparql_url,
                    content=update.encode(),
                    headers={"Content-Type": "application/sparql-update"},
                )
            response.raise_for_status()

    def isql(self, sql: str) -> str:
        """Run SQL statements as dba over the SQL port; raises on any error."""
        result = subprocess.run(
            [
                ISQL,
                f"127.0.0.1:{self.sql_port}",
                "dba",
                self.password,
                "VERBOSE=OFF",
                "ERRORS=STDOUT",
            ],
            input=f"{sql}\nEXIT;\n".encode(),
            capture_output=True,
            timeout=60,
            check=False,
        )
        output = result.stdout.decode("utf-8", "replace")
        if result.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql-vt failed ({result.returncode}): {output[-2000:]}")
        return output

    def log_tail(self, chars: int = 3000) -> str:
        log = self.directory / "virtuoso.out"
        return log.read_text("utf-8", "replace")[-chars:] if log.exists() else ""

    def stop(self) -> None:
        """Shut the server down: SIGTERM lets it close its files, SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def _client(self) -> httpx.Client:
        """A client for one request; used in a `with` so its connection is closed."""
        return httpx.Client(auth=httpx.DigestAuth(self.user, self.password), timeout=60)


def installed() -> bool:
    return shutil.which(SERVER) is not None and shutil.which(ISQL) is not None


def start(directory: Path, *, max_rows: int = 1_000_000, attempts: int = 3) -> Virtuoso:
    """A fresh server in `directory` (created). `max_rows` caps every SPARQL result, as
    Virtuoso's `ResultSetMaxRows` does (its default is 10,000)."""
    directory.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, attempts + 1):
        sql_port, http_port = _free_ports(2)
        (directory / "virtuoso.ini").write_text(
            _INI.format(dir=directory, sql_port=sql_port, http_port=http_port, max_rows=max_rows),
            "utf-8",
        )
        with (directory / "virtuoso.out").open("wb") as out:
            process = subprocess.Popen(
                [SERVER, "-f", "-c", str(directory / "virtuoso.ini")],
                cwd=directory,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        server = Virtuoso(directory, http_port, sql_port, "dba", process)
        try:
            _wait_until_ready(server)
        except _PortTaken:
            server.stop()
            if attempt == attempts:
                raise
            for leftover in directory.glob("virtuoso*"):
                leftover.unlink()
            continue
        except BaseException:
            server.stop()
            raise
        try:
            password = f"nif-{secrets.token_hex(8)}:@/"
            server.isql(f'SET PASSWORD dba "{password}";')
            server.password = password
            server.system_graphs = frozenset(server.graphs())
        except BaseException:
            server.stop()
            raise
        return server
    raise AssertionError("unreachable")


@contextlib.contextmanager
def running(directory: Path, *, max_rows: int = 1_000_000) -> Iterator[Virtuoso]:
    server = start(directory, max_rows=max_rows)
    try:
        yield server
    finally:
        server.stop()


class _PortTaken(RuntimeError):
    """Another process took a port between choosing it and Virtuoso binding it."""


def _wait_until_ready(server: Virtuoso) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    probe = f"{server.base_url}/sparql"
    while time.monotonic() < deadline:
        code = server.process.poll()
        if code is not None:
            tail = server.log_tail()
            if "Address already in use" in tail or "Failed to listen" in tail:
                raise _PortTaken(tail)
            raise RuntimeError(f"virtuoso-t exited with {code} while starting:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(probe, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(
        f"virtuoso-t did not answer within {STARTUP_TIMEOUT} s:\n{server.log_tail()}"
    )


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
