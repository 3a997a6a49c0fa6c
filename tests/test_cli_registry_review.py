"""`nif registry proposals|proposal|accept|reject` end to end (one process per command), over a
proposal a publisher made through the registry as the service makes them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from nif.registry import Registry, scaffold_version
from nif.settings import Settings
from tests.conftest import ROOT, Run, cli_runner

DEMO = ROOT / "registry"
AGENCY = "https://registry.nif.example/agency/busreg"

pytestmark = pytest.mark.slow  # a process per command


@pytest.fixture
def nif(tmp_path: Path) -> Run:
    env = {**os.environ, "NIF_HOME": str(tmp_path / "home"), "NIF_ACTOR": "reviewer"}
    env.pop("NIF_STORE", None)
    return cli_runner(tmp_path, env, 600)


def _proposed(tmp_path: Path, version: str) -> str:
    """busreg-company stored, then busreg's `version` proposed: the proposal's id."""
    folder = tmp_path / "r"
    if not folder.exists():
        shutil.copytree(DEMO / "interfaces/busreg-company", folder / "interfaces/busreg-company")
        shutil.copytree(DEMO / "agencies", folder / "agencies")
    settings = Settings(home=tmp_path / "home")
    with Registry.open(settings) as reg:
        if not reg.records():
            reg.submit(folder / "agencies/busreg.ttl")
            reg.submit(folder / "interfaces/busreg-company")
        scaffold_version(folder, "busreg-company", "2.1.0", version, settings)
        result = reg.submit(
            folder / "interfaces/busreg-company",
            actor="busreg CI",
            publisher=AGENCY,
            review=True,
        )
    assert result.proposal is not None
    return result.proposal.id


def test_list_show_reject_and_accept_proposals(nif: Run, tmp_path: Path) -> None:
    first = _proposed(tmp_path, "2.2.0")

    listed = nif("registry", "proposals", "--state", "open").stdout
    assert first in listed and "version added 2.2.0" in listed and "busreg CI" in listed
    shown = nif("registry", "proposal", first).stdout
    assert f"proposal {first}: busreg-company" in shown
    assert '+     dcat:version "2.2.0"' in shown
    assert "2.2.0: compatible" in shown
    as_json = json.loads(nif("registry", "proposal", first, "--format", "json").stdout)
    assert as_json["diff"]["added_triples"] > 0 and as_json["stale"] is False

    missing = nif("registry", "reject", first, ok=2)
    assert "--comment" in missing.stderr
    assert nif("registry", "reject", first, "--comment", "wrong agency").stdout.strip() == (
        f"rejected {first}"
    )
    again = nif("registry", "accept", first, ok=None)
    assert again.returncode != 0 and "rejected already" in again.stderr

    second = _proposed(tmp_path, "2.3.0")
    accepted = nif("registry", "accept", second, "--comment", "fine").stdout
    assert f"accepted {second}: stored interface busreg-company" in accepted
    history = json.loads(nif("registry", "history", "busreg-company", "--format", "json").stdout)
    assert (history[-1]["action"], history[-1]["actor"]) == ("accept", "reviewer")
    states = json.loads(nif("registry", "proposals", "--format", "json").stdout)
    assert [(p["id"], p["state"]) for p in states] == [(second, "accepted"), (first, "rejected")]
    assert nif("registry", "proposal", "0123", ok=None).returncode != 0
