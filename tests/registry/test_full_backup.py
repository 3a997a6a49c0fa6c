"""A full export moves a whole registry between back ends: the demo registry with a
certification run, a token, a proposal and a withdrawn record goes from the embedded state to
PostgreSQL and back, and every row, blob and graph arrives; certificates still verify and the
token still authenticates."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from nif.auth import TokenStore
from nif.certify import (
    Purpose,
    RunStore,
    find_suite,
    load_or_create,
    read_evidence,
    run_suite,
    verify_certificate,
)
from nif.certify._certificates import certificate_graph, issue
from nif.cli_transfer import state_parts
from nif.errors import RegistryError, UsageError
from nif.registry import Registry, export_full, import_full, scaffold_version
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.certify.certified import EVIDENCE
from tests.conftest import ROOT

AGENCY = "https://registry.nif.example/agency/busreg"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A closed NIF_HOME with the demo registry, a kept certification run and its certificate,
    a token, an open proposal and a withdrawn record; its full export, and what to look for."""
    root = tmp_path_factory.mktemp("full-source")
    settings = Settings(home=root / "home", actor="loader")
    folder = root / "demo"
    shutil.copytree(ROOT / "registry", folder)
    with Registry(EmbeddedStore(settings.folder.store), settings) as registry:
        registry.load_folder(folder, check=False, workers=1)
        evidence = read_evidence(EVIDENCE, settings)
        suite = find_suite("civreg-birth", "2.0.0")
        run = run_suite(
            registry,
            suite,
            agency="civreg",
            evidence=evidence,
            actor="certifier",
            purpose=Purpose.CERTIFICATION,
        )
        with RunStore(registry.state) as runs:
            runs.save(run, evidence)
        certificate = issue(registry, run, load_or_create(registry.state), actor="certifier")
        with TokenStore(registry.state) as tokens:
            token, _ = tokens.create("ci", "publisher", AGENCY)
        scaffold_version(folder, "busreg-company", "2.1.0", "2.2.0", settings)
        proposed = registry.submit(
            folder / "interfaces/busreg-company", actor="pub", publisher=AGENCY, review=True
        )
        assert proposed.proposal is not None
        registry.withdraw("tax-income-statement", actor="admin")
        export_full(registry, root / "export", state_parts(), lambda line: None)
    yield (
        root / "export",
        {
            "certificate": certificate.id,
            "token": token,
            "run": run.id,
            "proposal": proposed.proposal.id,
        },
    )


def open_registry(home: Path, state_url: str = "", password: str | None = None) -> Registry:
    settings = Settings(home=home, actor="mover", state=state_url)
    if password is not None:
        settings = settings.replace(state_password=password)
    return Registry(EmbeddedStore(settings.folder.store), settings)


def files(folder: Path) -> dict[str, dict[str, object]]:
    return json.loads((folder / "manifest.json").read_text())["files"]


def same_export(before: Path, after: Path) -> None:
    """Every table file, blob and secret alike; the audit one line longer (the import's);
    the same graphs, each isomorphic."""
    old, new = files(before), files(after)
    audit = "tables/history/audit.jsonl"
    assert sorted(set(old) - {"records.nq"}) == sorted(set(new) - {"records.nq"})
    for name in set(old) - {"records.nq", audit}:
        assert old[name] == new[name], name
    old_audit = (before / audit).read_text().splitlines()
    new_audit = (after / audit).read_text().splitlines()
    assert new_audit[:-1] == old_audit
    columns = json.loads(new_audit[0])["columns"]
    last = dict(zip(columns, json.loads(new_audit[-1]), strict=True))
    before_last = dict(zip(columns, json.loads(old_audit[-1]), strict=True))
    assert last["id"] == before_last["id"] + 1  # ids continue after the loaded ones
    assert (last["actor"], last["action"], last["target"], last["outcome"]) == (
        "mover",
        "import",
        str(before),
        "stored",
    )
    assert graphs(before) == graphs(after)


def graphs(folder: Path) -> dict[str, Graph]:
    dataset_lines: dict[str, list[str]] = {}
    for line in (folder / "records.nq").read_text().splitlines():
        graph = line.rsplit(" ", 2)[-2]
        dataset_lines.setdefault(graph, []).append(line)
    return {
        g: _Iso(Graph().parse(data="\n".join(lines), format="nquads"))
        for g, lines in dataset_lines.items()
    }


class _Iso:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Iso) and isomorphic(self.graph, other.graph)

    def __repr__(self) -> str:
        return f"<{len(self.graph)} triples>"


def test_a_registry_moves_to_postgresql_and_back(
    source: tuple[Path, dict[str, str]], tmp_path: Path, postgres
) -> None:
    exported, made = source
    url = postgres.new_database()
    lines: list[str] = []
    with open_registry(tmp_path / "b", url) as middle:
        import_full(middle, exported, state_parts(), actor="mover", progress=lines.append)
        assert middle.state.kind == "postgresql"
        export_full(middle, tmp_path / "export-b", state_parts(), lambda line: None)
    assert lines[0].startswith("checked: ") and lines[1] == "records: 12 record(s)"
    assert "tokens: 1 tokens row(s)" in lines
    assert "runs: 1 runs row(s), 4 evidence row(s)" in lines, lines
    same_export(exported, tmp_path / "export-b")

    with open_registry(tmp_path / "c") as back:
        import_full(back, tmp_path / "export-b", state_parts(), actor="mover", progress=print)
        with TokenStore(back.state) as tokens:
            assert tokens.authenticate(made["token"]).agency == AGENCY
        graph = certificate_graph(back.store, back.settings, made["certificate"])
        key = load_or_create(back.state)
        check = verify_certificate(back.store, back.settings, graph, [key.public])
        assert check.ok, check.problems
        assert back.proposals.get(made["proposal"]).is_open
        with RunStore(back.state) as runs:
            assert runs.get(made["run"]).passed
            assert runs.evidence(made["run"]).files
        assert back.versions("tax-income-statement")[-1].action == "withdraw"


def test_a_registry_moves_to_a_remote_store_and_postgresql(
    source: tuple[Path, dict[str, str]], tmp_path: Path, postgres, oxigraph_server
) -> None:
    """The replicas' back ends: an Oxigraph server and PostgreSQL."""
    exported, made = source
    oxigraph_server.clear()
    settings = Settings(home=tmp_path / "b", actor="mover")
    settings = postgres.settings_for(oxigraph_server.settings_for(settings))
    with Registry.open(settings) as remote:
        import_full(remote, exported, state_parts(), actor="mover", progress=print)
        assert remote.state.kind == "postgresql"
        export_full(remote, tmp_path / "export-b", state_parts(), lambda line: None)
        graph = certificate_graph(remote.store, remote.settings, made["certificate"])
        key = load_or_create(remote.state)
        assert verify_certificate(remote.store, remote.settings, graph, [key.public]).ok
    same_export(exported, tmp_path / "export-b")


def test_a_non_empty_target_is_refused_then_replaced(
    source: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    exported, _ = source
    with open_registry(tmp_path / "b") as target:
        target.submit(ROOT / "registry" / "agencies" / "tax.ttl", actor="someone")
        with pytest.raises(UsageError, match=r"not empty \(1 graph\(s\) in the store, 1 ver"):
            import_full(target, exported, state_parts(), progress=print)
        import_full(target, exported, state_parts(), replace=True, progress=print)
        assert len(target.records()) == 12


def test_blobs_missing_from_the_export_are_warned_of(
    source: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    exported, _ = source
    copy = tmp_path / "copy"
    shutil.copytree(exported, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    pinned = (copy / "records.nq").read_text()  # checksums of the files records pin
    blobs = [f for f in manifest["files"] if f.startswith("blobs/artefacts/")]
    dropped = [f for f in blobs if f.rsplit("/", 1)[1] in pinned][:2]
    for name in dropped:
        del manifest["files"][name]
        (copy / name).unlink()
    (copy / "manifest.json").write_text(json.dumps(manifest))
    lines: list[str] = []
    with open_registry(tmp_path / "b") as target:
        import_full(target, copy, state_parts(), progress=lines.append)
    assert "warning: 2 artefact blob(s) the records pin were not in the export" in lines[-1]


def test_a_failure_part_way_says_so(
    source: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported, _ = source
    with open_registry(tmp_path / "b") as target:

        def broken(*args: object, **kwargs: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr("nif.registry._full_backup.import_state", broken)
        with pytest.raises(RegistryError, match=r"stopped in its state: disk full.*--replace"):
            import_full(target, exported, state_parts(), progress=print)
