"""A writer killed between the store and the history: the next holder of the write lock settles
what it left, from what the store holds (embedded state and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nif.registry import Registry
from nif.registry._recovery import intended, intent
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT
from tests.registry.conftest import DEMO

# The child writes and kills itself at `point`: before the store is written (`store`) or
# after it, before the history is (`history`), the way a power cut or an OOM kill would.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from nif.registry import Registry
    from nif.registry._history import History
    from nif.settings import Settings
    from nif.store import EmbeddedStore

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    operation, point, record = sys.argv[1:4]
    if point == "store":
        EmbeddedStore.replace_graphs = die
    else:
        History.add = die
    settings = Settings.load().replace(home=Path(os.environ["NIF_HOME"]), actor="child")
    registry = Registry(EmbeddedStore(settings.folder.store), settings)
    if operation == "submit":
        registry.submit(Path(record))
    else:
        registry.withdraw(record)
    """
)


@pytest.fixture(params=["embedded", "postgresql"])
def home(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "home", actor="tester")
    if request.param == "postgresql":
        settings = request.getfixturevalue("postgres").settings_for(settings)
    with open_registry(settings) as registry:
        registry.submit(DEMO / "agencies" / "civreg.ttl")
        registry.submit(DEMO / "agencies" / "tax.ttl")
    return settings


def open_registry(settings: Settings) -> Registry:
    return Registry(EmbeddedStore(settings.folder.store), settings)


def killed(settings: Settings, operation: str, point: str, record: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIF_")}
    env["NIF_HOME"] = str(settings.home)
    if settings.state.url:
        env["NIF_STATE"] = settings.state.url
        env["NIF_STATE_PASSWORD"] = settings.state.password.get_secret_value()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, operation, point, record],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -9, child.stderr


def edited(tmp_path: Path) -> Path:
    path = tmp_path / "civreg.ttl"
    text = (DEMO / "agencies" / "civreg.ttl").read_text("utf-8")
    desk = "Civil Registry interoperability desk"
    path.write_text(text.replace(desk, f"{desk} (24/7)"), "utf-8")
    return path


def test_a_write_killed_after_the_store_is_completed(home: Settings, tmp_path: Path) -> None:
    killed(home, "submit", "history", str(edited(tmp_path)))
    with open_registry(home) as registry:
        assert "(24/7)" in registry.read("civreg").graph.serialize(format="nt")
        assert len(registry.versions("civreg")) == 1  # the history is behind the store
        assert registry.audit_log(1)[0].outcome == "pending"
        registry.remove_leftovers()  # takes the write lock: settles
        entry = registry.audit_log(1)[0]
        assert (entry.outcome, entry.action, entry.actor) == ("stored", "submit", "child")
        assert "completed after an interrupted write" in entry.detail
        versions = registry.versions("civreg")
        assert len(versions) == 2
        assert versions[-1].sha256 == registry.read("civreg").sha256()
        assert (versions[-1].actor, versions[-1].action) == ("child", "submit")
        registry.submit(DEMO / "agencies" / "civreg.ttl")  # and it takes writes
        assert registry.audit_log(1)[0].outcome == "stored"


def test_a_write_killed_before_the_store_is_interrupted(home: Settings, tmp_path: Path) -> None:
    with open_registry(home) as registry:
        before = registry.read("civreg").sha256()
    killed(home, "submit", "store", str(edited(tmp_path)))
    with open_registry(home) as registry:
        registry.submit(DEMO / "agencies" / "tax.ttl")  # the next write settles it first
        log = registry.audit_log(2)
        assert log[0].outcome == "stored" and log[0].target.endswith("tax.ttl")
        assert (log[1].outcome, log[1].actor) == ("interrupted", "child")
        assert "not stored: <https://registry.nif.example/agency/civreg>" in log[1].detail
        assert registry.read("civreg").sha256() == before
        assert [v.sha256 for v in registry.versions("civreg")] == [before]


def test_a_withdrawal_killed_after_the_store_is_completed(home: Settings) -> None:
    killed(home, "withdraw", "history", "tax")
    with open_registry(home) as registry:
        registry.remove_leftovers()
        entry = registry.audit_log(1)[0]
        assert (entry.outcome, entry.action) == ("stored", "withdraw")
        versions = registry.versions("tax")
        assert [v.action for v in versions] == ["submit", "withdraw"]
        assert versions[-1].sha256 is None and versions[-1].identifier == "tax"


def test_the_intent_reads_back() -> None:
    wanted = {"https://a.example/x": "a" * 64, "urn:x:y": None}
    assert intended(intent(wanted)) == wanted
    assert intended("") == {}
