"""The SPARQL 1.1 Service Description of `/sparql`, which a GET without a query answers.

It tells a client what the endpoint is before it sends a query: the language (SPARQL 1.1
Query; no Update), the result formats `/sparql` writes, that the default graph is the union of
the named graphs (one a record, a certificate, a run...), and which graph holds the catalogue.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from nif.registry import catalogue_iri
from nif.settings import Settings

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)
"""What `/sparql` answers in (W3C format IRIs): results for SELECT and ASK, RDF otherwise."""


def service_description(endpoint: str, settings: Settings) -> Graph:
    """The description of the endpoint at `endpoint` (its absolute URL)."""
    graph = Graph(bind_namespaces="none")
    graph.bind("sd", SD)
    graph.bind("dct", DCTERMS)
    graph.bind("formats", FORMATS)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add(
        (service, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple"))
    )
    for name in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS[name]))
    graph.add(
        (service, DCTERMS.title, Literal("nif registry: SPARQL 1.1 query endpoint", lang="en"))
    )
    limits = settings.sparql
    graph.add(
        (
            service,
            DCTERMS.description,
            Literal(
                "Read-only: SELECT, ASK, CONSTRUCT and DESCRIBE; no SERVICE, no updates. "
                f"Each query may run {limits.timeout:g} s and return {limits.max_rows} rows "
                "(0: no limit). The default graph is the union of the named graphs: one per "
                "record, certificate, revocation, certification run, conformance suite and "
                "compatibility assessment, and the catalogue's.",
                lang="en",
            ),
        )
    )
    dataset, default, catalogue = BNode(), BNode(), BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((dataset, SD.namedGraph, catalogue))
    graph.add((catalogue, RDF.type, SD.NamedGraph))
    graph.add((catalogue, SD.name, URIRef(catalogue_iri(settings))))
    return graph
