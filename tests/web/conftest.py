"""A real nif service on a loopback port (uvicorn in a thread), over a copy of a demo home,
and a real browser (Playwright driving Debian's Chromium) for the page tests.

The demo registry is loaded once per session into a template NIF_HOME; every `make_server`
copies it, so tests that write never see each other's changes.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from nif.auth import Role, TokenStore
from nif.registry import Registry
from nif.settings import Settings
from nif.web import create_app
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="Debian's Chromium is not installed (apt-get install chromium); CI requires it",
)
"""Browser tests skip only when Chromium is missing outside CI; in CI (`CI` set) they fail."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, once per test module (the sync API runs outside any event loop)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclasses.dataclass
class LiveServer:
    """A running service: its base URL (no trailing slash), settings and NIF_HOME."""

    url: str
    settings: Settings
    home: Path

    def client(self, token: str | None = None, **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)

    def token(self, role: Role | str, agency: str | None = None, name: str = "test") -> str:
        """A fresh token (the service reads the same secrets.sqlite)."""
        tokens = TokenStore(self.home / "secrets.sqlite")
        try:
            return tokens.create(name, role, agency)[0]
        finally:
            tokens.close()


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A NIF_HOME with the demo registry loaded (shapes checked by the registry tests)."""
    home = tmp_path_factory.mktemp("demo-home")
    with Registry.open(Settings(home=home)) as registry:
        registry.load_folder(ROOT / "registry", check=False, actor="tests")
    return home


def _serve(app: object, port: int = 0) -> tuple[uvicorn.Server, threading.Thread, int]:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the service did not start (see the log above)")
        if time.monotonic() > deadline:
            raise RuntimeError("the service did not start within 60 s")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, port


@pytest.fixture
def make_server(
    demo_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., LiveServer]]:
    """Start services over fresh copies of the demo home; `make_server(**settings)`;
    `make_server(demo=False, load_demo=True)` starts as `nif serve --load-demo` on an empty home;
    `port=free_port()` on a port chosen before (so settings can name the service's URL)."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def make(
        demo: bool = True, load_demo: bool = False, port: int = 0, **changes: object
    ) -> LiveServer:
        home = tmp_path_factory.mktemp("home")
        if demo:
            shutil.copytree(demo_home, home, dirs_exist_ok=True)
        settings = Settings(home=home).replace(**changes)
        server, thread, port = _serve(create_app(settings, load_demo=load_demo), port)
        running.append((server, thread))
        return LiveServer(f"http://127.0.0.1:{port}", settings, home)

    yield make
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def server(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One service per test module, over a copy of the demo home; for tests that only read."""
    home = tmp_path_factory.mktemp("home")
    shutil.copytree(demo_home, home, dirs_exist_ok=True)
    settings = Settings(home=home)
    uv, thread, port = _serve(create_app(settings))
    yield LiveServer(f"http://127.0.0.1:{port}", settings, home)
    uv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c
