"""The private run store: runs and evidence kept in NIF_HOME, never in the SPARQL store."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from pathlib import Path

import pytest

from nif.certify import Evidence, Purpose, Run, RunStore, find_suite, run_suite
from nif.errors import NifError, NotFoundError
from nif.registry import Registry
from tests.certify.evidence import failing_evidence, passing_evidence


@pytest.fixture(scope="module")
def runs(demo_registry: Registry) -> list[tuple[Run, Evidence]]:
    made = []
    for name, agency, files in (
        ("civreg-birth/2.0.0", "civreg", passing_evidence("civreg-birth/2.0.0")),
        ("civreg-birth/2.0.0", "civreg", failing_evidence("civreg-birth/2.0.0")),
        ("tax-vat-return/1.0.0", "tax", passing_evidence("tax-vat-return/1.0.0")),
    ):
        evidence = Evidence(files)
        run = run_suite(
            demo_registry,
            find_suite(*name.split("/")),
            agency=agency,
            evidence=evidence,
            actor="tester",
            purpose=Purpose.SELF_TEST,
        )
        made.append((run, evidence))
    return made


def test_a_saved_run_reads_back_the_same(tmp_path: Path, runs: list[tuple[Run, Evidence]]) -> None:
    run, evidence = runs[1]
    with RunStore(tmp_path) as store:
        store.save(run, evidence)
        again = store.get(run.id)
    assert again.to_dict() == run.to_dict()
    assert not again.passed and again.result("consume-newborn").reports
    assert (tmp_path / "certification.sqlite").is_file()


def test_runs_survive_a_reopen_and_keep_their_evidence(
    tmp_path: Path, runs: list[tuple[Run, Evidence]]
) -> None:
    run, evidence = runs[0]
    with RunStore(tmp_path) as store:
        store.save(run, evidence)
    with RunStore(tmp_path) as store:
        kept = store.evidence(run.id)
        assert store.get(run.id).id == run.id
    assert dict(kept.files) == dict(evidence.files)
    blobs = {p.name for p in (tmp_path / "evidence").rglob("*") if p.is_file()}
    assert blobs == {hashlib.sha256(c).hexdigest() for c in evidence.files.values()}


def test_list_is_newest_first_and_filters(tmp_path: Path, runs: list[tuple[Run, Evidence]]) -> None:
    with RunStore(tmp_path) as store:
        for index, (run, evidence) in enumerate(runs):
            store.save(
                dataclasses.replace(run, started=f"2026-01-0{index + 1}T00:00:00Z"), evidence
            )
        ids = [r.id for r, _ in runs]
        assert [r.id for r in store.list()] == ids[::-1]
        assert [r.id for r in store.list(agency="civreg")] == ids[1::-1]
        assert [r.id for r in store.list(interface="tax-vat-return")] == [ids[2]]
        assert [r.id for r in store.list(interface="civreg-birth", version="2.0.0")] == ids[1::-1]
        assert store.list(version="9.9.9") == []
        assert [r.id for r in store.list(limit=1)] == [ids[2]]


def test_unknown_runs_are_not_found(tmp_path: Path) -> None:
    with RunStore(tmp_path) as store:
        with pytest.raises(NotFoundError, match="no certification run 'run-x'"):
            store.get("run-x")
        with pytest.raises(NotFoundError):
            store.evidence("run-x")


def test_a_damaged_evidence_blob_is_an_error(
    tmp_path: Path, runs: list[tuple[Run, Evidence]]
) -> None:
    run, evidence = runs[2]
    with RunStore(tmp_path) as store:
        store.save(run, evidence)
        blob = next(p for p in (tmp_path / "evidence").rglob("*") if p.is_file())
        blob.write_bytes(b"tampered")
        with pytest.raises(NifError, match="damaged"):
            store.evidence(run.id)


def test_runs_are_not_in_the_sparql_store(
    demo_registry: Registry, tmp_path: Path, runs: list[tuple[Run, Evidence]]
) -> None:
    run, evidence = runs[0]
    with RunStore(tmp_path) as store:
        store.save(run, evidence)
    assert not demo_registry.store.ask(
        f'ASK {{ GRAPH ?g {{ ?s ?p "{run.id}" }} }}'
    ) and not demo_registry.store.ask(f'ASK {{ ?s ?p "{run.id}" }}')


def test_threads_share_one_store(tmp_path: Path, runs: list[tuple[Run, Evidence]]) -> None:
    store = RunStore(tmp_path)
    errors: list[BaseException] = []

    def save(index: int) -> None:
        try:
            run, evidence = runs[index % len(runs)]
            store.save(dataclasses.replace(run, id=f"run-20260101-{index:08x}"), evidence)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.list()) == 12
    store.close()
