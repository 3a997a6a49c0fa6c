"""The registry as a DCAT-AP catalogue, its pages and its kept graph; what a minted IRI says of
itself. On the demo registry, in both stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, SKOS

from nif import catalogue
from nif.catalogue._dcat import HYDRA
from nif.errors import NotFoundError, UsageError
from nif.registry import DCAT, DCTERMS, Registry, catalogue_iri
from nif.settings import Settings
from tests.catalogue.conftest import INTERFACES
from tests.conftest import ROOT

BASE = "https://registry.nif.example/"
GOVE = "http://publications.europa.eu/resource/authority/data-theme/GOVE"


def url(page: int) -> str:
    return f"http://service.example/catalog?page={page}"


def pages(registry: Registry, size: int) -> list[catalogue.CataloguePage]:
    found = [catalogue.catalogue_page(registry, 1, url, size)]
    while found[-1].page < found[-1].last:
        found.append(catalogue.catalogue_page(registry, found[-1].page + 1, url, size))
    return found


def services(graph: Graph) -> list[str]:
    return sorted(str(s) for s in graph.objects(URIRef(f"{BASE}catalogue"), DCAT.service))


@pytest.fixture(scope="module")
def dcat_ap(external: Path) -> Graph:
    shacl = external / "dcat-ap-3.0.1" / "shacl"
    return Graph().parse(shacl / "shapes.ttl").parse(shacl / "range.ttl", format="turtle")


def violations(data: Graph, shapes: Graph) -> str | None:
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    return None if conforms else str(text)


def test_pages_hold_each_interface_once_with_hydra_links(demo: Registry) -> None:
    found = pages(demo, 3)
    assert [p.page for p in found] == [1, 2, 3]
    assert {(p.last, p.total) for p in found} == {(3, len(INTERFACES))}
    listed = [s for p in found for s in services(p.graph)]
    assert listed == [f"{BASE}interface/{i}" for i in INTERFACES]
    first, middle, last = (p.graph for p in found)
    view = URIRef(url(2))
    assert (URIRef(f"{BASE}catalogue"), HYDRA.view, view) in middle
    assert (view, RDF.type, HYDRA.PartialCollectionView) in middle
    assert middle.value(view, HYDRA.first) == URIRef(url(1))
    assert middle.value(view, HYDRA.previous) == URIRef(url(1))
    assert middle.value(view, HYDRA.next) == URIRef(url(3))
    assert middle.value(view, HYDRA.last) == URIRef(url(3))
    assert middle.value(view, HYDRA.totalItems).toPython() == len(INTERFACES)
    assert first.value(URIRef(url(1)), HYDRA.previous) is None
    assert last.value(URIRef(url(3)), HYDRA.next) is None


def test_a_page_carries_its_records_and_their_publishers_as_agents(demo: Registry) -> None:
    graph = catalogue.catalogue_page(demo, 1, url, 2).graph
    assert services(graph) == [f"{BASE}interface/busreg-company", f"{BASE}interface/civreg-address"]
    # the records themselves: versions and message types of the page's interfaces
    assert (
        URIRef(f"{BASE}interface/civreg-address/1.0.0"),
        DCAT.version,
        Literal("1.0.0"),
    ) in graph
    assert (URIRef(f"{BASE}interface/civreg-birth"), None, None) not in graph
    civreg = URIRef(f"{BASE}agency/civreg")
    assert (civreg, RDF.type, FOAF.Agent) in graph
    assert Literal("Civil Registry Office", lang="en") in set(graph.objects(civreg, FOAF.name))
    assert (URIRef(f"{BASE}agency/tax"), None, None) not in graph  # publishes nothing here


def test_past_the_last_page_or_under_the_first_is_refused(demo: Registry) -> None:
    with pytest.raises(NotFoundError, match="there is no page 4"):
        catalogue.catalogue_page(demo, 4, url, 3)
    with pytest.raises(UsageError, match="page must be 1 or more"):
        catalogue.catalogue_page(demo, 0, url, 3)


def test_an_empty_registry_is_one_empty_page(make_registry) -> None:  # type: ignore[no-untyped-def]
    page = catalogue.catalogue_page(make_registry(), 1, url, 3)
    assert (page.page, page.last, page.total) == (1, 1, 0)
    assert services(page.graph) == []


def test_all_pages_merged_conform_to_dcat_ap(demo: Registry, dcat_ap: Graph) -> None:
    whole = Graph()
    for page in pages(demo, 3):
        whole += page.graph
    assert violations(whole, dcat_ap) is None
    # the shapes have teeth: without nif's agent typing, the publishers break the range rules
    whole.remove((None, RDF.type, FOAF.Agent))
    assert "foaf" in (violations(whole, dcat_ap) or "")


def test_settings_name_the_operator_licence_and_area(
    demo: Registry, settings: Settings, dcat_ap: Graph
) -> None:
    licence = "http://publications.europa.eu/resource/authority/licence/CC0"
    area = "http://publications.europa.eu/resource/authority/country/DEU"
    demo.settings = settings.replace(
        catalog_title="Registre",
        catalog_publisher="Centre de compétence",
        catalog_license=licence,
        catalog_spatial=area,
    )
    page = catalogue.catalogue_page(demo, 1, url)
    node = URIRef(f"{BASE}catalogue")
    graph = page.graph
    assert list(graph.objects(node, DCTERMS.title)) == [Literal("Registre")]
    assert graph.value(graph.value(node, DCTERMS.publisher), FOAF.name) == Literal(
        "Centre de compétence"
    )
    assert graph.value(node, DCTERMS.license) == URIRef(licence)
    assert graph.value(node, DCTERMS.spatial) == URIRef(area)
    assert page.last == 1  # service_catalog_page_size 100
    assert violations(graph, dcat_ap) is None


def test_the_default_title_is_in_three_languages(demo: Registry) -> None:
    graph = catalogue.catalogue_graph(demo)
    titles = {t.language for t in graph.objects(URIRef(f"{BASE}catalogue"), DCTERMS.title)}
    assert titles == {"en", "de", "fr"}


def test_the_kept_graph_follows_every_write(demo: Registry) -> None:
    catalogue.keep_catalogue(demo)
    kept = catalogue_iri(demo.settings)

    def listed() -> set[str]:
        rows = demo.store.select(
            f"SELECT ?s WHERE {{ GRAPH <{kept}> {{ <{kept}> <{DCAT.service}> ?s }} }}"
        )
        return {str(r["s"]) for r in rows}

    assert listed() == {f"{BASE}interface/{i}" for i in INTERFACES}
    demo.withdraw("tax-vat-return", actor="tester")
    assert f"{BASE}interface/tax-vat-return" not in listed()
    assert len(listed()) == len(INTERFACES) - 1
    # the kept graph is not a record
    assert kept not in {r.iri for r in demo.records()}


def test_a_minted_iri_is_described_by_the_graph_that_owns_it(demo: Registry) -> None:
    record = catalogue.describe(demo, "interface/civreg-address")
    assert record.identifier == "civreg-address"
    assert (URIRef(f"{BASE}interface/civreg-address/2.0.0"), DCAT.version, None) in record.graph
    version = catalogue.describe(demo, "interface/civreg-address/1.0.0/AddressLookupRequest")
    subjects = {s for s in version.graph.subjects() if isinstance(s, URIRef)}
    assert subjects == {URIRef(f"{BASE}interface/civreg-address/1.0.0/AddressLookupRequest")}
    assert version.identifier == "civreg-address"  # the record it belongs to


@pytest.mark.parametrize(
    "path",
    [
        "interface/civreg-address/9.9.9",
        "agency/nobody",
        "interface/../agency/civreg",
        "interface/civreg-address/%2e%2e",
        "interface/civreg-address//1.0.0",
        "interface/<x>",
        "interface/a b",
        "nothing/civreg",
        "agency",
        "certification/run/" + "x" * 3000,
    ],
)
def test_anything_else_is_not_found(demo: Registry, path: str) -> None:
    with pytest.raises(NotFoundError):
        catalogue.describe(demo, path)


def test_a_pinned_file_is_found_by_its_address(demo: Registry) -> None:
    sha256 = catalogue.file_checksum(demo, "files/civreg-birth/schemas/1.0.0/birth.xsd")
    assert len(sha256) == 64
    assert catalogue.artefact(demo.store, sha256).file_name == "birth.xsd"
    for path in ("files/civreg-birth/nope.xsd", "files/../etc/passwd", "files/x"):
        with pytest.raises(NotFoundError):
            catalogue.file_checksum(demo, path)


def test_themes_the_records_state_are_concepts_of_a_taxonomy(
    make_registry, tmp_path: Path, dcat_ap: Graph
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "registry"
    shutil.copytree(ROOT / "registry", folder, ignore=shutil.ignore_patterns("evidence"))
    record = folder / "interfaces" / "civreg-address" / "interface.ttl"
    text = record.read_text("utf-8")
    record.write_text(
        text.replace(
            'dct:identifier "civreg-address" ;',
            f'dct:identifier "civreg-address" ;\n  dcat:theme <{GOVE}> ;',
        ),
        "utf-8",
    )
    registry = make_registry()
    registry.load_folder(folder, check=False)
    graph = catalogue.catalogue_page(registry, 1, url, 2).graph
    assert (URIRef(f"{BASE}interface/civreg-address"), DCAT.theme, URIRef(GOVE)) in graph
    taxonomy = URIRef("http://publications.europa.eu/resource/authority/data-theme")
    assert (URIRef(f"{BASE}catalogue"), DCAT.themeTaxonomy, taxonomy) in graph
    label = Literal("Government and public sector", lang="en")
    assert graph.value(URIRef(GOVE), SKOS.prefLabel) == label
    assert violations(graph, dcat_ap) is None


def test_the_licence_and_area_must_be_iris() -> None:
    for name in ("catalog_license", "catalog_spatial"):
        with pytest.raises(UsageError, match=name):
            Settings(**{name: "CC0 please"})
