"""Submission, withdrawal, history, folder load, check, export and import, on every store."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nif.errors import (
    FetchError,
    InputError,
    NifError,
    NotFoundError,
    RecordSyntaxError,
    RegistryError,
    RejectedError,
)
from nif.registry import Registry
from nif.state import FileBlobs
from nif.store import DumpFormat
from tests.registry.conftest import DEMO

BIRTH = "civreg-birth"
CIVREG = DEMO / "agencies" / "civreg.ttl"
PUBLISHER = "dct:publisher <https://registry.nif.example/agency/civreg> ;"
IFACE = "<https://registry.nif.example/interface/civreg-birth>"


@pytest.fixture
def civreg(registry: Registry) -> Registry:
    registry.submit(CIVREG)
    return registry


def _snapshot(registry: Registry) -> tuple[dict[str, bytes], int, list[str]]:
    graphs = {r.iri: registry.store.read_graph(r.iri) for r in registry.records()}
    if isinstance(registry.blobs, FileBlobs):  # temporary files too
        blobs = sorted(str(p) for p in registry.blobs.root.rglob("*") if p.is_file())
    else:
        blobs = sorted(registry.blobs.digests())
    return graphs, len(registry.history.versions(BIRTH)), blobs


def test_submit_pins_artefacts_and_keeps_history(civreg: Registry, bundle) -> None:
    result = civreg.submit(bundle(BIRTH))
    [version] = result.records
    assert (version.identifier, version.kind, version.action) == (BIRTH, "interface", "submit")
    assert result.artefacts >= 4
    for digest in civreg.artefact_checksums():
        assert civreg.blobs.has(digest)
    stored = civreg.store.read_graph(version.record).decode()
    assert "files/civreg-birth/schemas/2.0.0/birth.xsd" in stored
    assert civreg.content(version) == civreg.read(BIRTH).ntriples()
    # an edited version replaces the first, which stays in the history with its content
    civreg.submit(bundle(BIRTH, ('"Birth registration"@en', '"Births"@en')))
    first, second = civreg.versions(BIRTH)
    assert first.sha256 != second.sha256
    assert b'"Birth registration"@en' in civreg.content(first)
    assert b'"Births"@en' in civreg.content(second)
    assert b'"Birth registration"@en' not in civreg.store.read_graph(version.record)


def test_resubmitting_the_same_record_gives_the_same_hash(civreg: Registry, bundle) -> None:
    first = civreg.submit(bundle(BIRTH)).records[0]
    again = civreg.submit(bundle(BIRTH)).records[0]
    assert first.sha256 == again.sha256


@pytest.mark.parametrize(
    ("edit", "path", "words"),
    [
        ((PUBLISHER, ""), "http://purl.org/dc/terms/publisher", "publisher"),
        (
            (PUBLISHER, "dct:publisher <https://registry.nif.example/agency/nope> ;"),
            "http://purl.org/dc/terms/publisher",
            "agency",
        ),
        (
            ('dcat:version "2.0.0"', 'dcat:version "2.0"'),
            "http://www.w3.org/ns/dcat#version",
            "semantic",
        ),
        (
            ("<https://api.civreg.example.gov/birth> ;", "<http://api.civreg.example.gov/birth> ;"),
            "http://www.w3.org/ns/dcat#endpointURL",
            "https",
        ),
    ],
    ids=["missing-publisher", "unknown-agency", "bad-version", "http-endpoint"],
)
def test_broken_records_are_rejected_with_the_reason_and_nothing_is_stored(
    civreg: Registry, bundle, edit: tuple[str, str], path: str, words: str
) -> None:
    before = _snapshot(civreg)
    with pytest.raises(RejectedError) as caught:
        civreg.submit(bundle(BIRTH, edit))
    report = caught.value.report
    assert not report.conforms
    hits = [r for r in report.violations if r.path == path]
    assert hits, report.text()
    assert any(words in r.message.lower() for r in hits), report.text()
    assert "sh:ValidationReport" in report.turtle() or "ValidationReport" in report.turtle()
    assert _snapshot(civreg) == before
    assert civreg.audit_log(1)[0].outcome == "refused"


def test_an_identifier_used_by_another_record_is_rejected(civreg: Registry, bundle) -> None:
    civreg.submit(bundle(BIRTH))
    # the twin's nodes are its own (new IRIs), only its identifier is taken
    twin = bundle(BIRTH, ("interface/civreg-birth", "interface/civreg-birth-twin"))
    with pytest.raises(RejectedError) as caught:
        civreg.submit(twin)
    messages = " ".join(r.message for r in caught.value.report.violations)
    assert "civreg-birth" in messages and "identifier" in messages.lower()


def test_withdraw_removes_the_record_and_keeps_its_history(civreg: Registry, bundle) -> None:
    civreg.submit(bundle(BIRTH))
    with pytest.raises(RegistryError, match="still publishes civreg-birth"):
        civreg.withdraw("civreg")
    civreg.withdraw(BIRTH)
    assert [r.identifier for r in civreg.records()] == ["civreg"]
    submitted, withdrawn = civreg.versions(BIRTH)
    assert (submitted.action, withdrawn.action, withdrawn.sha256) == ("submit", "withdraw", None)
    assert civreg.content(submitted)
    with pytest.raises(NotFoundError):
        civreg.withdraw(BIRTH)
    civreg.withdraw("civreg")
    assert civreg.records() == []


def test_unknown_record_history_is_not_found(registry: Registry) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        registry.versions("nope")


@pytest.mark.slow
def test_load_the_demo_registry_and_check_it(registry: Registry) -> None:
    result = registry.load_folder(DEMO, workers=1)
    assert result.rejected == [], result.report.text()
    kinds = [r.kind for r in registry.records()]
    assert kinds.count("agency") >= 5 and kinds.count("interface") >= 8
    report = registry.check(workers=2)
    assert report.conforms, report.text()


def test_load_refuses_only_the_broken_records(registry: Registry, tmp_path: Path, bundle) -> None:
    folder = tmp_path / "reg"
    (folder / "agencies").mkdir(parents=True)
    (folder / "agencies" / "civreg.ttl").write_bytes(CIVREG.read_bytes())
    (folder / "interfaces").mkdir()
    good = bundle(BIRTH)
    good.rename(folder / "interfaces" / BIRTH)
    bad = bundle(
        "civreg-address",
        (
            "dct:publisher <https://registry.nif.example/agency/civreg>",
            "dct:publisher <https://registry.nif.example/agency/ghost>",
        ),
    )
    bad.rename(folder / "interfaces" / "civreg-address")
    result = registry.load_folder(folder, workers=1)
    assert result.rejected == ["civreg-address"]
    assert sorted(r.identifier for r in registry.records()) == ["civreg", BIRTH]


def test_check_finds_what_a_bypassing_write_broke(civreg: Registry, bundle) -> None:
    civreg.submit(bundle(BIRTH))
    iri = "https://registry.nif.example/interface/civreg-birth"
    graph = civreg.store.read_graph(iri).replace(b'"2.0.0"', b'"two"')
    civreg.store.replace_graph(iri, graph)
    report = civreg.check(workers=1)
    assert not report.conforms
    assert {r.path for r in report.violations} == {"http://www.w3.org/ns/dcat#version"}


@pytest.mark.parametrize("fmt", list(DumpFormat))
def test_export_then_import_restores_the_registry(
    civreg: Registry, bundle, make_registry, tmp_path: Path, fmt: DumpFormat
) -> None:
    civreg.submit(bundle(BIRTH))
    before = {r.iri: civreg.read(r.iri).ntriples() for r in civreg.records()}
    out = io.BytesIO()
    # two records, and beside them the compatibility assessment of birth 2.0.0
    assert civreg.export(out, fmt, blobs=tmp_path / "blobs") == (2, 1)
    for record in civreg.records():
        civreg.store.drop_graph(record.iri)
    assert civreg.records() == []
    stored, missing = civreg.import_(out.getvalue(), fmt, blobs=tmp_path / "blobs")
    assert missing == []
    assert len(stored) == 2
    assert {r.iri: civreg.read(r.iri).ntriples() for r in civreg.records()} == before


def test_import_refuses_triples_outside_named_graphs(registry: Registry) -> None:
    with pytest.raises(InputError, match="outside a named graph"):
        registry.import_(b"<https://a/x> <https://a/p> <https://a/o> .\n", DumpFormat.NQUADS)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://127.0.0.1/birth.xsd", "127.0.0.1"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("file:///etc/passwd", "file"),
        ("http://schemas.example.org/birth.xsd", "http"),
        ("../../../../etc/passwd", "outside"),
    ],
    ids=["loopback", "metadata", "file", "plain-http", "traversal"],
)
def test_hostile_artefact_urls_are_refused_and_nothing_is_stored(
    civreg: Registry, bundle, url: str, says: str
) -> None:
    before = _snapshot(civreg)
    hostile = bundle(BIRTH, ("<schemas/2.0.0/birth.xsd> ;", f"<{url}> ;"))
    with pytest.raises(FetchError) as caught:
        civreg.submit(hostile)
    assert says in str(caught.value)
    assert _snapshot(civreg) == before


def test_hostile_documents_are_refused_with_a_clear_error(registry: Registry) -> None:
    remote = (
        b'{"@context": "https://w3id.org/dcat-ap/context.jsonld", "@id": "https://r.example/a"}'
    )
    with pytest.raises(RecordSyntaxError, match="remote JSON-LD @context"):
        registry.submit(remote, name="agency.jsonld")
    huge = CIVREG.read_bytes().replace(
        b'"Civil Registry Office"@en', b'"' + b"x" * 200_000 + b'"@en', 1
    )
    with pytest.raises(InputError, match="more than the limit"):
        registry.submit(huge, name="agency.ttl")
    assert registry.records() == []
    assert [e.outcome for e in registry.audit_log(2)] == ["refused", "refused"]


def test_a_write_failing_with_an_internal_error_is_audited(civreg: Registry, bundle) -> None:
    """The CLI's writes go through the registry too: a failure that is no refusal of nif's (the
    store closed under it) is in the audit log as `error`, naming only its kind, once."""
    before = len(civreg.audit_log(1000))
    civreg.store.close()
    for write in (lambda: civreg.submit(bundle(BIRTH)), lambda: civreg.withdraw("civreg")):
        with pytest.raises(Exception) as caught:
            write()
        assert not isinstance(caught.value, NifError), caught.value
    entries = civreg.audit_log(1000)
    assert len(entries) == before + 2
    assert [(e.action, e.outcome) for e in entries[:2]] == [
        ("withdraw", "error"),
        ("submit", "error"),
    ]
    assert all(e.detail.startswith("internal error (") for e in entries[:2])
