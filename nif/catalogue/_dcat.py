"""The registry as a DCAT-AP 3.0.1 `dcat:Catalog`, for harvesters (EU data portals, CKAN).

The catalogue node (`{base_iri}catalogue`) names its operator as publisher and each interface
as a `dcat:service`. A catalogue *page* (`catalogue_page`) is what `/catalog` serves: the node
with the services of one page, those interfaces' records and their agencies' records, each
agency also as the `foaf:Agent` DCAT-AP wants, the concepts and media types they name as nif's
vocabularies define them (so range checks find their classes), and a Hydra
`PartialCollectionView` with first, previous, next and last pages, as harvesters page.

`catalogue_graph` is the node with every service and no records: nif keeps it as the named
graph `{base_iri}catalogue`, so SPARQL sees the catalogue too: the service writes it at start
and after each write it makes (`keep_catalogue`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import FOAF, RDF, SKOS, XSD
from rdflib.term import Node

from nif.catalogue import _reading as read
from nif.errors import NifError, NotFoundError, UsageError
from nif.registry import (
    DCAT,
    DCTERMS,
    PREFIXES,
    Registry,
    catalogue_iri,
    profile_graphs,
    sparql_prefixes,
)
from nif.store import ResultFormat

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
DATA_THEMES = URIRef("http://publications.europa.eu/resource/authority/data-theme")
DATA_THEME_LABELS = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}
"""The EU data themes (DCAT-AP's recommended `dcat:theme` values), for their labels."""

TITLES = {
    "en": "NIF registry of interfaces",
    "de": "NIF-Register der Schnittstellen",
    "fr": "Registre NIF des interfaces",
}
DESCRIPTIONS = {
    "en": "The interfaces public agencies publish under the National Interoperability "
    "Framework: their versions, message types, schemas and rules.",
    "de": "Die Schnittstellen, die Behörden im Nationalen Interoperabilitätsrahmen "
    "veröffentlichen: ihre Versionen, Nachrichtentypen, Schemas und Regeln.",
    "fr": "Les interfaces que les administrations publient dans le cadre national "
    "d\u2019interopérabilité\u202f: leurs versions, types de messages, schémas et règles.",
}
"""The catalogue's title and description when the settings give none."""
_LANGUAGES = ("ENG", "DEU", "FRA")

log = logging.getLogger("nif.catalogue")


@dataclasses.dataclass(frozen=True)
class CataloguePage:
    """One page of the catalogue: its RDF, its number, the last page's and the interfaces'."""

    graph: Graph
    page: int
    last: int
    total: int


def catalogue_graph(registry: Registry) -> Graph:
    """The catalogue node with every interface as a service, its publisher, licence and area."""
    graph, node = _node(registry)
    for iri in _interfaces(registry, 0, None):
        graph.add((node, DCAT.service, URIRef(iri)))
    return graph


def write_catalogue(registry: Registry) -> None:
    """Keep `catalogue_graph` as the named graph `{base_iri}catalogue` (nif's own space)."""
    graph = catalogue_graph(registry)
    registry.store.replace_graph(
        catalogue_iri(registry.settings), graph.serialize(format="nt", encoding="utf-8")
    )


def keep_catalogue(registry: Registry) -> None:
    """Write the catalogue's graph now and after every write through `registry`, one rewrite
    at a time (so an older one never lands last). A rewrite that fails is logged: the write
    that caused it stands, and the next one rewrites the graph again."""
    lock = threading.Lock()

    def rewrite() -> None:
        with lock:
            try:
                write_catalogue(registry)
            except NifError as exc:
                log.warning("the catalogue graph was not rewritten: %s", exc)

    rewrite()
    registry.on_change(rewrite)


def catalogue_page(
    registry: Registry, page: int, page_url: Callable[[int], str], size: int | None = None
) -> CataloguePage:
    """Page `page` (from 1) of the catalogue, `size` interfaces a page (default setting
    `service_catalog_page_size`); `page_url(n)` is where page n is served. `UsageError` for a
    page under 1, `NotFoundError` past the last page."""
    size = size or registry.settings.service.catalog_page_size
    if page < 1:
        raise UsageError(f"page must be 1 or more, not {page}")
    total = _count(registry)
    last = max(1, -(-total // size))
    if page > last:
        raise NotFoundError(
            f"the catalogue has {last} page(s) of {size} interfaces: there is no page {page}"
        )
    graph, node = _node(registry)
    iris = _interfaces(registry, (page - 1) * size, size)
    for iri in iris:
        graph.add((node, DCAT.service, URIRef(iri)))
    _add_records(registry, graph, iris)
    _add_concepts(registry, graph)
    _add_themes(graph, node)
    view = URIRef(page_url(page))
    graph.add((node, HYDRA.view, view))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.totalItems, Literal(total)))
    graph.add((view, HYDRA.itemsPerPage, Literal(size)))
    graph.add((view, HYDRA.first, URIRef(page_url(1))))
    graph.add((view, HYDRA.last, URIRef(page_url(last))))
    if page > 1:
        graph.add((view, HYDRA.previous, URIRef(page_url(page - 1))))
    if page < last:
        graph.add((view, HYDRA.next, URIRef(page_url(page + 1))))
    return CataloguePage(graph, page, last, total)


def _node(registry: Registry) -> tuple[Graph, URIRef]:
    """A graph with the catalogue node's own description, and the node."""
    settings = registry.settings
    service = settings.service
    node = URIRef(catalogue_iri(settings))
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("hydra", HYDRA)
    graph.add((node, RDF.type, DCAT.Catalog))
    _texts(graph, node, DCTERMS.title, service.catalog_title, TITLES)
    _texts(graph, node, DCTERMS.description, service.catalog_description, DESCRIPTIONS)
    publisher = URIRef(f"{node}#publisher")
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    name = service.catalog_publisher or settings.certificates.issuer
    graph.add((publisher, FOAF.name, Literal(name)))
    graph.add((node, FOAF.homepage, URIRef(settings.registry.base_iri)))
    graph.add((URIRef(settings.registry.base_iri), RDF.type, FOAF.Document))
    for code in _LANGUAGES:
        graph.add((node, DCTERMS.language, LANGUAGE[code]))
        graph.add((LANGUAGE[code], RDF.type, DCTERMS.LinguisticSystem))
    if service.catalog_license:
        graph.add((node, DCTERMS.license, URIRef(service.catalog_license)))
        graph.add((URIRef(service.catalog_license), RDF.type, DCTERMS.LicenseDocument))
    if service.catalog_spatial:
        graph.add((node, DCTERMS.spatial, URIRef(service.catalog_spatial)))
        graph.add((URIRef(service.catalog_spatial), RDF.type, DCTERMS.Location))
    modified = registry.history.latest() or dt.datetime.now(dt.UTC).isoformat()
    stamp = dt.datetime.fromisoformat(modified.replace("Z", "+00:00")).replace(microsecond=0)
    graph.add((node, DCTERMS.modified, Literal(stamp.isoformat(), datatype=XSD.dateTime)))
    return graph, node


def _texts(
    graph: Graph, node: URIRef, prop: URIRef, setting: str, defaults: dict[str, str]
) -> None:
    """The setting's text when given, else the default in each language."""
    if setting:
        graph.add((node, prop, Literal(setting)))
        return
    for lang, value in defaults.items():
        graph.add((node, prop, Literal(value, lang=lang)))


_INTERFACES = "GRAPH ?g { ?r a dcat:DataService ; dct:identifier ?id } FILTER(?r = ?g)"


def _count(registry: Registry) -> int:
    rows = registry.store.select(
        sparql_prefixes() + f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ {_INTERFACES} }}"
    )
    return int(str(rows[0]["n"])) if rows and "n" in rows[0] else 0


def _interfaces(registry: Registry, offset: int, limit: int | None) -> list[str]:
    """The IRIs of interface records, by identifier, `limit` from `offset`."""
    page = f" OFFSET {offset} LIMIT {limit}" if limit is not None else ""
    rows = registry.store.select(
        sparql_prefixes()
        + f"SELECT DISTINCT ?r ?id WHERE {{ {_INTERFACES} }} ORDER BY ?id ?r"
        + page
    )
    return [str(row["r"]) for row in rows]


def _add_records(registry: Registry, graph: Graph, iris: Sequence[str]) -> None:
    """The interfaces' records, and their publishers' records with each publisher as a
    `foaf:Agent` named by its label (two queries)."""
    if not iris:
        return
    values = " ".join(read.ref(iri) for iri in iris)
    rows = registry.store.select(
        sparql_prefixes() + f"SELECT DISTINCT ?a WHERE {{ VALUES ?g {{ {values} }}"
        " GRAPH ?g { ?r dct:publisher ?a } FILTER(?r = ?g) }"
    )
    agencies = sorted({str(row["a"]) for row in rows if isinstance(row.get("a"), URIRef)})
    graphs = " ".join(read.ref(iri) for iri in [*iris, *agencies])
    data = registry.store.query_raw(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}",
        ResultFormat.NTRIPLES,
    )
    graph.parse(data=data, format="nt")
    for agency in agencies:
        node = URIRef(agency)
        props: dict[Node, list[Node]] = {
            p: list(graph.objects(node, p)) for p in (SKOS.prefLabel, FOAF.name, DCTERMS.identifier)
        }
        graph.add((node, RDF.type, FOAF.Agent))
        if not props[FOAF.name]:
            graph.add((node, FOAF.name, Literal(read.agency_name(props, "en"))))


def _add_concepts(registry: Registry, graph: Graph) -> None:
    """What nif's vocabularies say of each IRI the page names and does not describe itself
    (statuses, directions, techniques, media types) and of their concept schemes."""
    _, vocabularies = profile_graphs(registry.settings)
    named = {o for o in graph.objects() if isinstance(o, URIRef)} - set(graph.subjects())
    schemes: set[URIRef] = set()
    for iri in named:
        for prop, value in vocabularies.predicate_objects(iri):
            if isinstance(value, BNode):
                continue
            graph.add((iri, prop, value))
            if prop == SKOS.inScheme and isinstance(value, URIRef):
                schemes.add(value)
    for scheme in schemes - set(graph.subjects()):
        for prop, value in vocabularies.predicate_objects(scheme):
            if not isinstance(value, BNode):
                graph.add((scheme, prop, value))


def _add_themes(graph: Graph, node: URIRef) -> None:
    """The themes the page's services state (`dcat:theme`) as labelled concepts, and their
    schemes as the catalogue's `dcat:themeTaxonomy`: the scheme nif's vocabularies name, else
    the EU data themes' for theirs. A theme nothing names is labelled by its code."""
    for theme in {t for t in graph.objects(None, DCAT.theme) if isinstance(t, URIRef)}:
        graph.add((theme, RDF.type, SKOS.Concept))
        code = read.local(theme) or str(theme)
        scheme = graph.value(theme, SKOS.inScheme)
        if scheme is None and str(theme).startswith(f"{DATA_THEMES}/"):
            scheme = DATA_THEMES
            graph.add((theme, SKOS.inScheme, scheme))
        if graph.value(theme, SKOS.prefLabel) is None:
            label = DATA_THEME_LABELS.get(code) if scheme == DATA_THEMES else None
            graph.add((theme, SKOS.prefLabel, Literal(label or code, lang="en" if label else None)))
        if isinstance(scheme, URIRef):
            graph.add((node, DCAT.themeTaxonomy, scheme))
            graph.add((scheme, RDF.type, SKOS.ConceptScheme))
            if graph.value(scheme, DCTERMS.title) is None:
                title = "Data theme" if scheme == DATA_THEMES else read.local(scheme) or str(scheme)
                graph.add((scheme, DCTERMS.title, Literal(title, lang="en")))
                graph.add((scheme, SKOS.prefLabel, Literal(title, lang="en")))
