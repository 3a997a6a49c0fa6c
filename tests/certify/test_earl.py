"""A run as EARL + PROV, exactly as the registry publishes it (checked with SPARQL)."""

from __future__ import annotations

import dataclasses

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from nif.certify import Evidence, Mode, Purpose, Run, find_suite, run_graph, run_iri, run_suite
from nif.registry import Registry
from nif.registry._namespaces import DCAT, DCTERMS, EARL, NIF, PROV, SPDX
from tests.certify.evidence import failing_evidence

DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
PREFIXES = """PREFIX earl: <http://www.w3.org/ns/earl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX nif: <https://w3id.org/nif/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
"""


@pytest.fixture(scope="module")
def failing_run(demo_registry: Registry) -> Run:
    return run_suite(
        demo_registry,
        find_suite("civreg-birth", "2.0.0"),
        agency="civreg",
        evidence=Evidence(failing_evidence("civreg-birth/2.0.0")),
        actor="certifier",
        purpose=Purpose.CERTIFICATION,
    )


def test_run_iri_is_under_the_base(demo_registry: Registry) -> None:
    settings = demo_registry.settings
    assert run_iri(settings, "run-20260101-0a1b2c3d") == (
        f"{settings.registry.base_iri}certification/run/run-20260101-0a1b2c3d"
    )


def test_the_run_is_a_prov_activity_with_its_hashes(
    demo_registry: Registry, failing_run: Run
) -> None:
    settings = demo_registry.settings
    graph = run_graph(failing_run, settings, demo_registry.store)
    run = URIRef(run_iri(settings, failing_run.id))
    assert (run, RDF.type, PROV.Activity) in graph
    assert (run, RDF.type, NIF.ConformanceRun) in graph
    assert graph.value(run, DCTERMS.identifier) == Literal(failing_run.id)
    assert graph.value(run, PROV.startedAtTime) == Literal(failing_run.started, datatype=DATETIME)
    assert graph.value(run, PROV.endedAtTime) == Literal(failing_run.ended, datatype=DATETIME)
    assert graph.value(run, NIF.runMode) == Literal("evidence")
    assert graph.value(run, NIF.purpose) == Literal("certification")
    version = URIRef(f"{settings.registry.base_iri}interface/civreg-birth/2.0.0")
    assert graph.value(run, NIF.interfaceVersion) == version
    assert graph.value(run, NIF.suite) == URIRef(failing_run.suite_iri)
    assert graph.value(run, NIF.suiteChecksum) == Literal(failing_run.suite_sha256)
    assert sorted(str(o) for o in graph.objects(run, NIF.artefactChecksum)) == list(
        failing_run.artefacts
    )
    rows = graph.query(
        PREFIXES + "SELECT ?title ?sum WHERE { ?run nif:evidence ?d . ?d a dcat:Distribution ;"
        " dct:title ?title ; spdx:checksum [ a spdx:Checksum ;"
        " spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ?sum ] }",
        initBindings={"run": run},
    )
    assert sorted((str(r[0]), str(r[1])) for r in rows) == list(failing_run.evidence)
    assert graph.value(run, DCAT.endpointURL) is None
    tool = graph.value(run, PROV.wasAssociatedWith)
    assert tool == URIRef(
        f"{settings.registry.base_iri}certification/tool/nif/{failing_run.tool_version}"
    )
    assert {EARL.Software, PROV.SoftwareAgent} <= set(graph.objects(tool, RDF.type))
    assert graph.value(tool, DCTERMS.hasVersion) == Literal(failing_run.tool_version)
    assert graph.value(tool, DCTERMS.title) == Literal("nif")


def test_every_case_is_an_earl_assertion_with_its_outcome(
    demo_registry: Registry, failing_run: Run
) -> None:
    settings = demo_registry.settings
    graph = run_graph(failing_run, settings, demo_registry.store)
    run = run_iri(settings, failing_run.id)
    subject = URIRef(f"{run}#subject")
    assert (subject, RDF.type, EARL.TestSubject) in graph
    assert graph.value(subject, DCTERMS.title) == Literal(
        "civreg's implementation of civreg-birth@2.0.0"
    )
    assert graph.value(subject, PROV.wasAttributedTo) == URIRef(
        f"{settings.registry.base_iri}agency/civreg"
    )
    rows = graph.query(
        PREFIXES + "SELECT ?a ?test ?outcome ?summary ?date WHERE { ?a a earl:Assertion ;"
        " earl:assertedBy ?tool ; earl:subject ?subject ; earl:test ?test ;"
        " earl:mode earl:automatic ; prov:wasGeneratedBy ?run ; earl:result ?r ."
        " ?r a earl:TestResult ; earl:outcome ?outcome ; dct:description ?summary ;"
        " dct:date ?date }",
        initBindings={"run": URIRef(run), "subject": subject},
    )
    found = {str(r[0]): (str(r[1]), r[2], str(r[3]), r[4]) for r in rows}
    assert len(found) == len(failing_run.results)
    for result in failing_run.results:
        test, outcome, summary, date = found[f"{run}#{result.case}"]
        assert test == f"{failing_run.suite_iri}#{result.case}"
        assert outcome == EARL[str(result.outcome)]
        assert summary == result.summary
        assert date == Literal(failing_run.ended, datatype=DATETIME)
    failed = URIRef(f"{run}#produce-registration-result")
    assert graph.value(failed, EARL.outcome) == EARL.failed
    assert str(graph.value(failed, EARL.info)).startswith("error: ")
    untold = URIRef(f"{run}#reject-mother-born-after-child-result")
    assert graph.value(untold, EARL.outcome) == EARL.cantTell
    assert graph.value(untold, EARL.info) is None


def test_an_endpoint_run_names_its_endpoint(demo_registry: Registry, failing_run: Run) -> None:
    endpoint_run = dataclasses.replace(
        failing_run, mode=Mode.ENDPOINT, evidence=(), endpoint="https://api.example.org/birth"
    )
    graph = run_graph(endpoint_run, demo_registry.settings, demo_registry.store)
    run = URIRef(run_iri(demo_registry.settings, failing_run.id))
    assert graph.value(run, DCAT.endpointURL) == URIRef("https://api.example.org/birth")
    assert graph.value(run, NIF.runMode) == Literal("endpoint")
    assert graph.value(run, NIF.evidence) is None


def test_the_graph_round_trips_as_turtle(demo_registry: Registry, failing_run: Run) -> None:
    graph = run_graph(failing_run, demo_registry.settings, demo_registry.store)
    again = Graph().parse(data=graph.serialize(format="turtle"), format="turtle")
    assert len(again) == len(graph)
    assert (None, SPDX.checksumValue, None) in again
