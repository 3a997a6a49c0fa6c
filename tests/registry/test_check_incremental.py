"""The incremental registry check: a record is checked again only when its content, its
context or the shapes changed, and the results always equal a check from scratch."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from bench._registry_gen import Spec, write_nquads
from nif.registry import CHECKS_SCHEMA, Registry, ShaclReport
from nif.registry._namespaces import DCAT, DCTERMS
from nif.store import DumpFormat

SPEC = Spec(interfaces=6, interfaces_per_agency=3, violation_share=0.0, standards=4)
RECORDS = SPEC.interfaces + SPEC.agencies


@pytest.fixture
def generated(registry: Registry) -> Registry:
    out = io.BytesIO()
    write_nquads(SPEC, out, None)
    registry.store.load(out.getvalue(), DumpFormat.NQUADS)
    assert len(registry.records()) == RECORDS
    return registry


def _edit(registry: Registry, kind: str, change: object) -> str:
    """Apply `change(graph, node)` to the first record of `kind`; its graph IRI."""
    info = next(i for i in registry.records() if i.kind == kind)
    graph = Graph().parse(data=registry.store.read_graph(info.iri).decode(), format="nt")
    change(graph, URIRef(info.iri))  # type: ignore[operator]
    registry.store.replace_graph(info.iri, graph.serialize(format="nt", encoding="utf-8"))
    return info.iri


def _bad_version(graph: Graph, _: URIRef) -> None:
    version = next(graph.subject_objects(DCAT.version))
    graph.set((version[0], DCAT.version, Literal("two")))


def _same(incremental: ShaclReport, scratch: ShaclReport) -> None:
    assert incremental.results == scratch.results
    assert incremental.conforms == scratch.conforms


def test_a_second_check_reuses_every_record(generated: Registry) -> None:
    first = generated.check(workers=1)
    assert (first.checked, first.reused) == (RECORDS, 0)
    second = generated.check(workers=1)
    assert (second.checked, second.reused) == (0, RECORDS)
    _same(second, first)
    full = generated.check(workers=1, full=True)
    assert (full.checked, full.reused) == (RECORDS, 0)


def test_a_changed_record_alone_is_checked_again(generated: Registry) -> None:
    assert generated.check(workers=1).conforms
    _edit(generated, "interface", _bad_version)
    again = generated.check(workers=1)
    assert (again.checked, again.reused) == (1, RECORDS - 1)
    assert {r.path for r in again.violations} == {str(DCAT.version)}
    _same(again, generated.check(workers=1, full=True))


def test_the_records_whose_context_changed_are_checked_again(generated: Registry) -> None:
    """An agency is the context of its interfaces (their publisher): they are checked again."""
    generated.check(workers=1)
    agency = _edit(
        generated,
        "agency",
        lambda g, node: g.set((node, DCTERMS.identifier, Literal("renamed-agency"))),
    )
    again = generated.check(workers=1)
    publishing = [
        i
        for i in generated.records()
        if i.kind == "interface" and f"<{agency}>".encode() in generated.store.read_graph(i.iri)
    ]
    assert len(publishing) == SPEC.interfaces_per_agency
    assert again.checked == 1 + len(publishing)
    _same(again, generated.check(workers=1, full=True))


def test_changed_shapes_check_every_record_again(generated: Registry, tmp_path: Path) -> None:
    generated.check(workers=1)
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:x:Shape> a sh:NodeShape ; sh:targetClass <urn:x:Nothing> .\n",
        "utf-8",
    )
    generated.settings = generated.settings.model_copy(
        update={
            "registry": generated.settings.registry.model_copy(update={"extra_shapes": str(extra)})
        }
    )
    again = generated.check(workers=1)
    assert (again.checked, again.reused) == (RECORDS, 0)


def test_a_damaged_cache_row_means_a_new_check(generated: Registry) -> None:
    """An emptied row would read as "no results": it must be checked again, and its violation
    found."""
    iri = _edit(generated, "interface", _bad_version)
    first = generated.check(workers=1)
    assert not first.conforms
    database = generated.state.database(CHECKS_SCHEMA)
    database.query("UPDATE check_results SET results = ? WHERE record = ?", [b"", iri])
    again = generated.check(workers=1)
    assert (again.checked, again.reused) == (1, RECORDS - 1)
    _same(again, first)


def test_a_withdrawn_record_leaves_the_cache(generated: Registry) -> None:
    generated.check(workers=1)
    gone = next(i.iri for i in generated.records() if i.kind == "interface")
    generated.store.drop_graph(gone)
    generated.check(workers=1)
    rows = generated.state.database(CHECKS_SCHEMA).query("SELECT record FROM check_results")
    assert gone not in {r for (r,) in rows}
    assert len(rows) == RECORDS - 1


def test_an_unreadable_cache_means_every_record_is_checked(generated: Registry) -> None:
    _edit(generated, "interface", _bad_version)
    first = generated.check(workers=1)
    generated.state.database(CHECKS_SCHEMA).query("DROP TABLE check_results")
    again = generated.check(workers=1)
    assert (again.checked, again.reused) == (RECORDS, 0)
    assert not again.conforms
    _same(again, first)
