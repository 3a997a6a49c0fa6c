"""Replicas as processes: N `nif serve` on one remote RDF store and one PostgreSQL state.

Each replica has a NIF_HOME of its own (nothing in it is shared: a cache of artefacts, the
staging folder) and the same `NIF_STORE*` and `NIF_STATE*` variables, as a deployment behind a
load balancer would. `running(settings, 2, root)` starts them, waits for each `/health`, and
stops them (SIGTERM, then SIGKILL) at the end. The replica tests and `bench/bench_replicas.py`
use it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from nif.auth import Role, TokenStore
from nif.settings import Settings
from nif.state import open_state
from tests.processes import free_port

NIF = [sys.executable, "-m", "nif"]
READY_SECONDS = 300.0
STOP_SECONDS = 30.0


def environment(settings: Settings) -> dict[str, str]:
    """The `NIF_*` variables that point a process at the store and state of `settings`."""
    store, state = settings.store, settings.state
    values = {
        "NIF_STORE": store.url,
        "NIF_STORE_UPDATE_URL": store.update_url,
        "NIF_STORE_GRAPH_URL": store.graph_url,
        "NIF_STORE_USER": store.user,
        "NIF_STORE_PASSWORD": store.password.get_secret_value() if store.password else "",
        "NIF_STORE_AUTH": str(store.auth) if store.auth else "",
        "NIF_STATE": state.url,
        "NIF_STATE_PASSWORD": state.password.get_secret_value() if state.password else "",
    }
    return {name: str(value) for name, value in values.items() if value}


@dataclasses.dataclass
class Replica:
    """One `nif serve`: its base URL, NIF_HOME, log file and process."""

    name: str
    url: str
    home: Path
    log: Path
    process: subprocess.Popen[bytes]

    def client(self, token: str | None = None, **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120, **kwargs)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text("utf-8", "replace")[-chars:] if self.log.exists() else ""

    def wait_ready(self, limit: float = READY_SECONDS) -> None:
        """Until `/health` answers 200 (the replica loaded what it needs); an error naming the
        log's end when the process ends or does not answer in `limit` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"replica {self.name} ended:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"replica {self.name} did not answer /health:\n{self.log_tail()}")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """`kill -9`: no cleanup of any kind, as a power cut or the OOM killer."""
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(STOP_SECONDS)

    def stop(self) -> None:
        """SIGTERM (uvicorn finishes its requests and closes), SIGKILL if it hangs."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()


def start(
    settings: Settings,
    root: Path,
    name: str,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    wait: bool = True,
) -> Replica:
    """Start one replica named `name` with its NIF_HOME under `root`."""
    home = root / name
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = root / f"{name}.log"
    environment_ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NIF_")},
        **environment(settings),
        "NIF_HOME": str(home),
        "NIF_VALIDATION_WORKERS": str(workers),
        "NIF_RATE_LIMIT": "0",  # behind a load balancer every request comes from one address
        **(env or {}),
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*NIF, "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment_,
            cwd=root,
        )
    replica = Replica(name, f"http://127.0.0.1:{port}", home, log, process)
    if wait:
        try:
            replica.wait_ready()
        except BaseException:
            replica.kill()
            raise
    return replica


@contextlib.contextmanager
def running(
    settings: Settings,
    count: int,
    root: Path,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> Iterator[list[Replica]]:
    """`count` replicas (named a, b, c...) on the store and state of `settings`, started one
    after the other (the first applies the state's migrations), stopped at the end."""
    replicas: list[Replica] = []
    try:
        for number in range(count):
            replicas.append(start(settings, root, chr(ord("a") + number), workers=workers, env=env))
        yield replicas
    finally:
        stop_all(replicas)


def stop_all(replicas: Sequence[Replica]) -> None:
    for replica in replicas:
        replica.stop()


def token(
    settings: Settings, role: Role | str, agency: str | None = None, name: str = "test"
) -> str:
    """A token made in the shared state (as `nif token create` would): every replica knows it."""
    with open_state(settings) as state:
        tokens = TokenStore(state)
        return tokens.create(name, Role(role), agency)[0]


def revoke(settings: Settings, token_: str) -> None:
    """Revoke a token in the shared state directly (the tests revoke through a replica too)."""
    with open_state(settings) as state:
        TokenStore(state).revoke(token_.split("_")[1])
