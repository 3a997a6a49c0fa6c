"""A private Oxigraph server for tests: its own folder, a free loopback port.

The `oxigraph` wheel (requirements-dev.txt) installs the server as `oxigraph` beside the Python
of the virtual environment. `start(directory)` runs `oxigraph serve` there until its query
endpoint answers and returns an `OxigraphServer`; `stop()` shuts it down (SIGTERM, then
SIGKILL). The server has no authentication: nif talks to it with no credentials set, as an
operator behind a private network would.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from nif.settings import Settings
from tests.processes import die_with_parent, free_port, stop

STARTUP_TIMEOUT = 60.0
"""Seconds to wait for the server; well under one on an idle machine."""


def binary() -> str | None:
    """The `oxigraph` command: beside this Python (the virtual environment), else on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.is_file():
        return str(beside)
    return shutil.which("oxigraph")


def installed() -> bool:
    return binary() is not None


@dataclasses.dataclass
class OxigraphServer:
    """A running server: `/query`, `/update` and the Graph Store Protocol at `/store`."""

    directory: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base_url}/update"

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/store"

    def settings_for(self, settings: Settings) -> Settings:
        """`settings` pointed at this server (query, update and graph store URLs, no auth)."""
        return settings.replace(
            store=self.query_url,
            store_update_url=self.update_url,
            store_graph_url=self.graph_url,
        )

    def clear(self) -> None:
        """Drop every graph, the default graph included (the server has no system graphs)."""
        response = httpx.post(
            self.update_url,
            content=b"DROP ALL",  # CLEAR ALL keeps the emptied graphs' names listed
            headers={"Content-Type": "application/sparql-update"},
            timeout=60,
        )
        response.raise_for_status()

    def log_tail(self, chars: int = 3000) -> str:
        log = self.directory / "oxigraph.out"
        return log.read_text("utf-8", "replace")[-chars:] if log.exists() else ""

    def stop(self) -> None:
        """Shut the server down: SIGTERM lets it close its files, SIGKILL if it hangs."""
        stop(self.process)


def start(
    directory: Path,
    *,
    union: bool = False,
    on_disk: bool = False,
    timeout_s: int = 0,
    attempts: int = 3,
) -> OxigraphServer:
    """A fresh server logging to `directory` (created). `union`: start it with
    `--union-default-graph`; nif must work either way. `on_disk`: keep the data in
    `directory/data`; by default in memory, as writes on disk are ten to thirty times slower
    there (100,000 triples: 1 s in memory, 25 s on disk on a loaded CI machine), and the
    HTTP side nif talks to is the same. `timeout_s`: the server's own query time limit."""
    command = binary()
    if command is None:
        raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
    directory.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, attempts + 1):
        port = free_port()
        arguments = [command, "serve", "--bind", f"127.0.0.1:{port}"]
        if on_disk:
            arguments += ["--location", str(directory / "data")]
        if union:
            arguments.append("--union-default-graph")
        if timeout_s:
            arguments += ["--timeout-s", str(timeout_s)]
        with (directory / "oxigraph.out").open("wb") as out:
            process = subprocess.Popen(
                arguments,
                cwd=directory,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        server = OxigraphServer(directory, port, process)
        try:
            _wait_until_ready(server)
        except _PortTaken:
            server.stop()
            if attempt == attempts:
                raise
            continue
        except BaseException:
            server.stop()
            raise
        return server
    raise AssertionError("unreachable")


@contextlib.contextmanager
def running(directory: Path, **options: Any) -> Iterator[OxigraphServer]:
    server = start(directory, **options)
    try:
        yield server
    finally:
        server.stop()


class _PortTaken(RuntimeError):
    """Another process took the port between choosing it and the server binding it."""


def _wait_until_ready(server: OxigraphServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        code = server.process.poll()
        if code is not None:
            tail = server.log_tail()
            if "in use" in tail:
                raise _PortTaken(tail)
            raise RuntimeError(f"oxigraph exited with {code} while starting:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(server.query_url, params={"query": "ASK {}"}, timeout=2)
            if answer.status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"oxigraph did not answer within {STARTUP_TIMEOUT} s:\n{server.log_tail()}")
