"""A run as EARL and PROV: what the registry publishes when a certificate is issued from it.

The run is a `prov:Activity` (`nif:ConformanceRun`) with its times, the tool and the hashes it
judged on; every case is an `earl:Assertion` about the agency's implementation (the test
subject) whose `earl:TestResult` gives the outcome, the one-sentence summary and the details.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from nif.certify._model import Mode, Run
from nif.certify._runner import agency_iri
from nif.registry import (
    DCAT,
    DCTERMS,
    EARL,
    NIF,
    PROV,
    SPDX,
    pick_version,
    run_iri,
    sparql_prefixes,
    tool_iri,
)
from nif.settings import Settings
from nif.store import Store


def run_graph(run: Run, settings: Settings, registry_store: Store) -> Graph:
    """The EARL + PROV graph of `run`; the store gives the version, agency and case IRIs."""
    graph = Graph()
    for prefix, ns in (("earl", EARL), ("prov", PROV), ("nif", NIF), ("dct", DCTERMS)):
        graph.bind(prefix, ns)
    node = URIRef(run_iri(settings, run.id))
    tool = URIRef(tool_iri(settings, run.tool_version))
    version = URIRef(pick_version(registry_store, run.interface, run.version)[0])
    agency = URIRef(agency_iri(registry_store, run.agency))
    suite = URIRef(run.suite_iri)
    add = graph.add
    add((node, RDF.type, PROV.Activity))
    add((node, RDF.type, NIF.ConformanceRun))
    add((node, DCTERMS.identifier, Literal(run.id)))
    add((node, PROV.startedAtTime, Literal(run.started, datatype=XSD.dateTime)))
    add((node, PROV.endedAtTime, Literal(run.ended, datatype=XSD.dateTime)))
    add((node, NIF.runMode, Literal(str(run.mode))))
    add((node, NIF.purpose, Literal(str(run.purpose))))
    add((node, NIF.interfaceVersion, version))
    add((node, NIF.suite, suite))
    add((node, NIF.suiteChecksum, Literal(run.suite_sha256)))
    for checksum in run.artefacts:
        add((node, NIF.artefactChecksum, Literal(checksum)))
    for path, sha256 in run.evidence:
        distribution, checksum = BNode(), BNode()
        add((node, NIF.evidence, distribution))
        add((distribution, RDF.type, DCAT.Distribution))
        add((distribution, DCTERMS.title, Literal(path)))
        add((distribution, SPDX.checksum, checksum))
        add((checksum, RDF.type, SPDX.Checksum))
        add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        add((checksum, SPDX.checksumValue, Literal(sha256)))
    if run.mode is Mode.ENDPOINT and run.endpoint:
        add((node, DCAT.endpointURL, URIRef(run.endpoint)))
    add((node, PROV.wasAssociatedWith, tool))
    add((tool, RDF.type, EARL.Software))
    add((tool, RDF.type, PROV.SoftwareAgent))
    add((tool, DCTERMS.title, Literal("nif")))
    add((tool, DCTERMS.hasVersion, Literal(run.tool_version)))
    subject = URIRef(f"{node}#subject")
    add((subject, RDF.type, EARL.TestSubject))
    title = f"{run.agency}'s implementation of {run.interface}@{run.version}"
    add((subject, DCTERMS.title, Literal(title)))
    add((subject, PROV.wasAttributedTo, agency))
    add((subject, DCTERMS.conformsTo, version))
    cases = _case_iris(registry_store, run.suite_iri)
    ended = Literal(run.ended, datatype=XSD.dateTime)
    for result in run.results:
        assertion = URIRef(f"{node}#{result.case}")
        outcome = URIRef(f"{node}#{result.case}-result")
        case = cases.get(result.case, URIRef(f"{run.suite_iri}#{result.case}"))
        add((assertion, RDF.type, EARL.Assertion))
        add((assertion, EARL.assertedBy, tool))
        add((assertion, EARL.subject, subject))
        add((assertion, EARL.test, case))
        add((assertion, EARL.mode, EARL.automatic))
        add((assertion, PROV.wasGeneratedBy, node))
        add((assertion, EARL.result, outcome))
        add((outcome, RDF.type, EARL.TestResult))
        add((outcome, EARL.outcome, EARL[str(result.outcome)]))
        add((outcome, DCTERMS.date, ended))
        add((outcome, DCTERMS.description, Literal(result.summary)))
        if result.details:
            add((outcome, EARL.info, Literal("\n".join(result.details))))
    return graph


def _case_iris(store: Store, suite_iri: str) -> dict[str, URIRef]:
    """Case id to case IRI from the published suite graph (none before it is published)."""
    rows = store.select(
        sparql_prefixes() + "PREFIX earl: <http://www.w3.org/ns/earl#>\n"
        f"SELECT ?case ?id WHERE {{ GRAPH {URIRef(suite_iri).n3()} "
        "{ ?case a earl:TestCase ; dct:identifier ?id } }"
    )
    return {str(r["id"]): URIRef(str(r["case"])) for r in rows if "id" in r and "case" in r}
