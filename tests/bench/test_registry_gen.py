"""The synthetic registry generator: its output is the registry model, pinned or as a folder."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from bench._registry_gen import (
    VIOLATIONS,
    Record,
    Spec,
    pinned_registry,
    records,
    write_folder,
    write_nquads,
)
from nif.registry import BlobStore, Registry
from nif.registry._namespaces import DCAT, DCTERMS, NIF, RDF, SPDX, sparql_prefixes
from nif.resources import data_folder
from nif.settings import Settings

SMALL = Spec(interfaces=60, interfaces_per_agency=6, violation_share=0.0)
BROKEN = Spec(interfaces=80, interfaces_per_agency=8, violation_share=0.5)


def test_same_seed_same_registry_other_seed_another(tmp_path: Path) -> None:
    first, second, other = io.BytesIO(), io.BytesIO(), io.BytesIO()
    write_nquads(SMALL, first, None)
    write_nquads(SMALL, second, None)
    write_nquads(
        Spec(interfaces=60, interfaces_per_agency=6, violation_share=0.0, seed=9), other, None
    )
    assert first.getvalue() == second.getvalue()
    assert first.getvalue() != other.getvalue()


def test_folder_parses_into_one_record_per_file(tmp_path: Path) -> None:
    count = write_folder(SMALL, tmp_path)
    agencies = sorted((tmp_path / "agencies").glob("*.ttl"))
    interfaces = sorted((tmp_path / "interfaces").iterdir())
    assert (len(agencies), len(interfaces)) == (SMALL.agencies, SMALL.interfaces)
    total = 0
    for folder in interfaces:
        record = folder / "interface.ttl"
        graph = Graph().parse(record, format="turtle")
        total += len(graph)
        main = URIRef(f"https://registry.nif.example/interface/{folder.name}")
        assert (main, RDF.type, DCAT.DataService) in graph
        for url in graph.objects(None, DCAT.downloadURL):
            # relative in the bundle: resolved against interface.ttl, a file beside it
            path = Path(url.removeprefix("file://"))
            assert path.is_file() and folder in path.parents, url
    total += sum(len(Graph().parse(a, format="turtle")) for a in agencies)
    assert total == count


def test_pinned_records_have_checksums_parts_and_blobs(tmp_path: Path) -> None:
    nquads, count = pinned_registry(SMALL, tmp_path)
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    assert len(store) == count
    assert len(list(store.named_graphs())) == SMALL.agencies + SMALL.interfaces
    dataset = Dataset(default_union=True)
    dataset.parse(nquads, format="nquads")
    blobs = BlobStore(tmp_path / "blobs")
    artefacts = set(dataset.subjects(DCAT.downloadURL, None))
    assert artefacts
    parts = 0
    for node in artefacts:
        url = str(dataset.value(node, DCAT.downloadURL))
        assert url.startswith("https://registry.nif.example/files/"), url
        digest = str(dataset.value(dataset.value(node, SPDX.checksum), SPDX.checksumValue))
        assert blobs.has(digest)
        assert hashlib.sha256(blobs.get(digest)).hexdigest() == digest
        parts += (None, NIF.part, node) in dataset
    assert parts, "some schemas import or $ref a shared part"


def test_pinned_records_are_what_loading_the_folder_stores(tmp_path: Path) -> None:
    """The N-Quads short cut gives the registry that `Registry.load_folder` would build."""
    spec = Spec(interfaces=12, interfaces_per_agency=4, violation_share=0.0)
    write_folder(spec, tmp_path / "folder")
    with Registry.open(Settings(home=tmp_path / "home")) as registry:
        loaded = registry.load_folder(tmp_path / "folder", check=False)
        assert len(loaded.stored) == spec.agencies + spec.interfaces
        for record in records(spec, pinned=True):
            expected = "".join(f"{s} {p} {o} .\n" for s, p, o in record.triples)
            stored = registry.store.read_graph(record.iri).decode()
            assert isomorphic(
                Graph().parse(data=expected, format="nt"), Graph().parse(data=stored, format="nt")
            ), record.iri


def test_every_graph_is_named_after_its_main_node(tmp_path: Path) -> None:
    nquads, _ = pinned_registry(SMALL, tmp_path)
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    orphans = store.query(
        sparql_prefixes()
        + "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { GRAPH ?g { ?g a ?t } } }"
    )
    assert list(orphans) == []


def test_broken_registry_has_each_kind_of_violation() -> None:
    interfaces = [r for r in records(BROKEN) if r.kind == "interface"]
    made = {kind: [r for r in interfaces if kind in r.violations] for kind in VIOLATIONS}
    assert all(made.values()), {k: len(v) for k, v in made.items()}
    assert len(interfaces) - sum(map(len, made.values())) > len(interfaces) / 3

    def objects(record: Record, predicate: str) -> list[str]:
        return [o for _, p, o in record.triples if p == f"<{predicate}>"]

    identifiers = [r.identifier for r in interfaces]
    assert all(identifiers.count(r.identifier) > 1 for r in made["duplicate-identifier"])
    assert all(
        any(o.startswith("<http:") for o in objects(r, DCAT.endpointURL))
        for r in made["http-endpoint"]
    )
    assert all(any(o.count(".") != 2 for o in objects(r, DCAT.version)) for r in made["semver"])
    assert all(not objects(r, DCTERMS.publisher) for r in made["missing-publisher"])
    clean = [r for r in interfaces if not r.violations]
    assert all(objects(r, DCTERMS.publisher) for r in clean)


@pytest.fixture(scope="module")
def shapes() -> Path:
    folder = Path(str(data_folder("shapes")))
    if not (folder / "nif.ttl").is_file():
        pytest.skip("shapes/nif.ttl is not written yet")
    return folder


@pytest.mark.slow
def test_clean_records_conform_and_broken_ones_do_not(shapes: Path, tmp_path: Path) -> None:
    from nif.registry._shacl import check

    spec = Spec(interfaces=16, interfaces_per_agency=4, violation_share=0.5)
    nquads, _ = pinned_registry(spec, tmp_path)
    dataset = Dataset(default_union=True)
    dataset.parse(nquads, format="nquads")
    data = Graph()
    for triple in dataset.triples((None, None, None)):
        data.add(triple)
    made = [r for r in records(spec, pinned=True) if r.kind == "interface"]
    identifiers = [r.identifier for r in made]
    # the first holder of a duplicated identifier breaks the rule as much as the second
    clean = [r for r in made if not r.violations and identifiers.count(r.identifier) == 1][:4]
    broken = [r for r in made if r.violations]
    settings = Settings(home=tmp_path)

    def subjects(chosen: list[Record]) -> list[URIRef]:
        return [URIRef(s[1:-1]) for r in chosen for s, _, _ in r.triples if s.startswith("<")]

    assert check(data, subjects(clean), settings).violations == []
    broken = {kind: next(r for r in made if kind in r.violations) for kind in VIOLATIONS}
    failing = {v.focus for v in check(data, subjects(list(broken.values())), settings).violations}
    for kind, record in broken.items():
        assert failing & {str(s) for s in subjects([record])}, kind
