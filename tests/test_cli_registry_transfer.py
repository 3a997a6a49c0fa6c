"""`nif registry export --full` and `import --full` as an operator runs them: a registry moved
to a new NIF_HOME and to PostgreSQL, one line per part, and every refusal exit 2 with one line
that says why."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nif.settings import Settings
from tests.conftest import ROOT, Run, cli_runner

AGENCY = ROOT / "registry" / "agencies" / "tax.ttl"


def runner(tmp_path: Path, home: str, **extra: str) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIF_")}
    env |= {"NIF_HOME": str(tmp_path / home), "NIF_ACTOR": "operator", **extra}
    return cli_runner(tmp_path, env, 600)


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, str]:
    """A registry of one agency and one token, exported in full; the folder and the token."""
    source = runner(tmp_path, "a")
    source("registry", "submit", str(AGENCY))
    token = source("token", "create", "--name", "ci", "--role", "admin").stdout.strip()
    done = source("registry", "export", "--full", str(tmp_path / "out"))
    assert done.stderr.splitlines() == [
        "records: 1 record(s), 0 other graph(s)",
        "history: 1 versions row(s), 1 audit row(s)",
        "proposals: 0 proposals row(s)",
        "tokens: 1 tokens row(s)",
        "runs: 0 runs row(s), 0 evidence row(s)",
        "artefacts blobs: 1",
        "evidence blobs: 0",
        "secrets: none kept",
        f"exported the registry (1 record(s), embedded state) to {tmp_path / 'out'}: it holds "
        "token hashes and the signing key, keep it private",
    ]
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o700
    return tmp_path / "out", token


def test_a_registry_moves_to_a_new_home(exported: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = exported
    target = runner(tmp_path, "b")
    done = target("registry", "import", "--full", str(folder))
    assert done.stderr.splitlines()[0] == "checked: 8 file(s) match the manifest"
    assert done.stderr.splitlines()[-1].startswith("imported the registry (1 record(s))")
    listed = json.loads(target("registry", "list", "--format", "json").stdout)
    assert [r["identifier"] for r in listed] == ["tax"]
    assert "ci" in target("token", "list").stdout

    again = target("registry", "import", "--full", str(folder), ok=2)
    assert "the target registry is not empty (1 graph(s) in the store" in again.stderr
    assert "give --replace to overwrite it" in again.stderr
    target("registry", "import", "--full", str(folder), "--replace")


def test_a_registry_moves_to_postgresql(
    exported: tuple[Path, str], tmp_path: Path, postgres
) -> None:
    folder, _ = exported
    settings = postgres.settings_for(Settings())
    target = runner(
        tmp_path,
        "b",
        NIF_STATE=settings.state.url,
        NIF_STATE_PASSWORD=postgres.password,
    )
    done = target("registry", "import", "--full", str(folder))
    assert "into postgresql state" in done.stderr
    assert postgres.password not in done.stderr
    assert "ci" in target("token", "list").stdout
    target("registry", "export", "--full", str(tmp_path / "again"))
    rows = (tmp_path / "again" / "tables" / "tokens" / "tokens.jsonl").read_text()
    assert rows == (folder / "tables" / "tokens" / "tokens.jsonl").read_text()


def test_a_damaged_blob_stops_the_import_before_it_writes(
    exported: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _ = exported
    (blob,) = (folder / "blobs" / "artefacts").glob("*/*")
    blob.write_bytes(b"changed")
    target = runner(tmp_path, "b")
    done = target("registry", "import", "--full", str(folder), ok=2)
    assert done.stderr.strip().endswith(
        f"{blob} is damaged: its sha256 or size is not the one manifest.json gives"
    )
    assert json.loads(target("registry", "list", "--format", "json").stdout) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "--full", "{tmp}/x", "-o", "{tmp}/y.trig"), "--full writes a folder"),
        (("import", "--full", "{tmp}", "{agency}"), "--full reads a folder of its own"),
        (("import",), "give a BACKUP file, or --full FOLDER"),
        (("import", "{agency}", "--replace"), "--replace goes with --full"),
    ],
)
def test_options_that_do_not_go_together_are_refused(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    run = runner(tmp_path, "a")
    filled = [a.format(tmp=tmp_path, agency=AGENCY) for a in args]
    done = run("registry", *filled, ok=2)
    assert message in done.stderr
