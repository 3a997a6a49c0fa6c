"""Shared fixtures: where the third-party standards live, and a fresh compiled-validator cache."""

from __future__ import annotations

import contextlib
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import oxigraph_server as oxigraph
from tests import postgres as postgres_server
from tests import virtuoso as virtuoso_server

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ROOT.parent / "shared" / "external"
EN16931 = EXTERNAL / "en16931"
UBL_XSD = EXTERNAL / "ubl-2.1" / "xsd"
UBL_INVOICE_XSD = UBL_XSD / "maindoc" / "UBL-Invoice-2.1.xsd"
UBL_CREDITNOTE_XSD = UBL_XSD / "maindoc" / "UBL-CreditNote-2.1.xsd"
CII_XSD = (
    EN16931
    / "cii/schema/d16b-uncoupled/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"
)


@pytest.fixture(scope="session")
def external() -> Path:
    """`../shared/external`; the tests need it (CI puts it beside the checkout)."""
    assert EXTERNAL.is_dir(), f"{EXTERNAL} is missing: ../shared must sit beside the checkout"
    return EXTERNAL


@contextlib.contextmanager
def recording_server(
    body: bytes, content_type: str = "application/octet-stream"
) -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on loopback that serves `body` to any GET and records every path.

    Tests that must prove nif never reaches the network point a reference at it and assert that
    the list of requests stays empty.
    """
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[virtuoso_server.Virtuoso]:
    """A private Virtuoso for this session (one per xdist worker). In CI it must run: a
    missing `virtuoso-t` fails the tests instead of skipping them."""
    require_virtuoso()
    with virtuoso_server.running(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def require_virtuoso() -> None:
    """Skip without Virtuoso, except in CI (CI=true), where its tests must run."""
    if not virtuoso_server.installed():
        if os.environ.get("CI"):
            pytest.fail(
                "virtuoso-t/isql-vt are missing: `make test` installs Debian's "
                "virtuoso-opensource; CI must run the Virtuoso tests",
                pytrace=False,
            )
        pytest.skip("Virtuoso is not installed (make test, or apt-get install virtuoso-opensource)")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[oxigraph.OxigraphServer]:
    """A private Oxigraph server for this session (one per xdist worker), started without
    `--union-default-graph`. In CI it must run: a missing binary fails the tests."""
    require_oxigraph_server()
    with oxigraph.running(tmp_path_factory.mktemp("oxigraph-server")) as server:
        yield server


def require_oxigraph_server() -> None:
    """Skip without the `oxigraph` server binary, except in CI (CI=true), where it must run."""
    if not oxigraph.installed():
        if os.environ.get("CI"):
            pytest.fail(
                "the oxigraph server is missing: requirements-dev.txt installs the `oxigraph` "
                "wheel; CI must run the Oxigraph server tests",
                pytrace=False,
            )
        pytest.skip("the Oxigraph server is not installed (pip install -r requirements-dev.txt)")


@pytest.fixture(scope="session")
def postgres() -> Iterator[postgres_server.Postgres]:
    """A private PostgreSQL for this session (one per xdist worker); each test takes a fresh
    database from it (`postgres.new_database()`). In CI it must run, as Virtuoso must."""
    require_postgres()
    with postgres_server.running() as server:
        yield server


def require_postgres() -> None:
    """Skip without PostgreSQL, except in CI (CI=true), where its tests must run."""
    if not postgres_server.installed():
        if os.environ.get("CI"):
            pytest.fail(
                f"PostgreSQL is missing ({postgres_server.BIN_GLOB}/postgres): `make test` "
                "installs Debian's postgresql; CI must run the PostgreSQL tests",
                pytrace=False,
            )
        pytest.skip("PostgreSQL is not installed (make test, or apt-get install postgresql)")


Run = Callable[..., subprocess.CompletedProcess[str]]
"""`run(*args, ok=0)`: the `nif` command in a process of its own; `ok=None` skips the exit check."""


def cli_runner(cwd: Path, env: dict[str, str], timeout: float) -> Run:
    """Run `python -m nif` as a user does, in `cwd` with `env`, asserting the exit status."""

    def run(*args: str, ok: int | None = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "nif", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if ok is not None:
            assert done.returncode == ok, (done.stdout, done.stderr)
        return done

    return run


SLOW_FIXTURES = {
    # Servers and engines that take seconds to start or fill, so their tests are `slow`:
    "tests.conftest": {"virtuoso", "oxigraph_server", "postgres"},
    "tests.web.conftest": {"browser", "demo_home", "make_server", "server"},
    "tests.certify.conftest": {"demo_registry", "demo_home", "endpoint_profiles"},
    "tests.store.test_remote": {"capped"},
    # the demo registry loaded (and its shapes checked) for a module or for each test
    "tests.certify.test_demo_suites": {"demo"},
    "tests.registry.test_demo_registry": {"demo"},
    "tests.registry.test_validation": {"demo"},
    "tests.registry.test_lifecycle": {"demo"},
    "tests.certify.test_lifecycle_runs": {"ended"},
    "tests.security.test_graph_ownership": {"demo"},
    # the `nif` command in a process of its own, and the registry it loads first
    "tests.test_cli_certify": {"nif", "loaded"},
    "tests.test_cli_registry": {"nif", "loaded"},
    "tests.test_cli_service": {"nif"},
}
"""Module -> names of the fixtures that make a test slow (the module defining each, so a cheap
fixture of the same name elsewhere, such as a test's own loopback `server`, does not count)."""


_SLOW_PARAMS = ("virtuoso", "oxigraph-server", "postgresql")
"""Prefixes of the store parameters whose tests start a server on demand."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` every test that needs an expensive fixture or runs against Virtuoso, so
    `make test-fast` (`-m "not slow"`) leaves them out without a marker on each test."""
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)


def is_slow(item: pytest.Item) -> bool:
    """Whether `item` uses a fixture of SLOW_FIXTURES, directly or through other fixtures."""
    if not isinstance(item, pytest.Function):
        return False
    callspec = getattr(item, "callspec", None)
    if callspec and any(str(v).startswith(_SLOW_PARAMS) for v in callspec.params.values()):
        return True  # a store_kind / store / state parameter that starts a server on demand
    for definitions in item._fixtureinfo.name2fixturedefs.values():
        func = definitions[-1].func
        if func.__name__ in SLOW_FIXTURES.get(func.__module__, ()):
            return True
    return False
