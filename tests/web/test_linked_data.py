"""Linked data on a live service whose `base_iri` is its own URL: the DCAT-AP catalogue at
`/catalog` (paged, three syntaxes, conforming to DCAT-AP 3.0.1), every kind of IRI nif mints
dereferenced by rdflib, browsers sent to pages, and the SPARQL service description."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyshacl
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from nif.registry import DCAT, PROV
from nif.settings import Settings
from nif.web import create_app
from tests.processes import free_port
from tests.web.conftest import LiveServer, _serve
from tests.web.test_records_api import agency, bundle, put

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
NIF = Namespace("https://w3id.org/nif/ns#")
DEMO = "https://registry.nif.example/"
INTERFACES = 9  # the demo's eight and town-address


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from linked_service(tmp_path_factory)


def linked_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`nif serve --load-demo` with `base_iri` its own URL, three interfaces a catalogue page,
    and an agency and an interface (civreg's, renamed) whose record IRIs are under it too."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    home = tmp_path_factory.mktemp("linked")
    settings = Settings(home=home, base_iri=f"{url}/", service_catalog_page_size=3)
    server, thread, _ = _serve(create_app(settings, load_demo=True), port)
    service = LiveServer(url, settings, home)
    rename = [
        (f"{DEMO}agency/civreg", f"{url}/agency/townreg"),
        (f"{DEMO}interface/civreg-address", f"{url}/interface/town-address"),
        ('"civreg-address"', '"town-address"'),
    ]
    with service.client(service.token("admin")) as admin:
        town = agency("civreg", [rename[0], ('"civreg"', '"townreg"')])
        assert put(admin, "townreg", town, "text/turtle").status_code == 201
        answer = put(admin, "town-address", bundle("civreg-address", rename), "application/zip")
        assert answer.status_code == 201, answer.text
    yield service
    server.should_exit = True
    thread.join(timeout=30)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def dcat_ap(external: Path) -> Graph:
    shacl = external / "dcat-ap-3.0.1" / "shacl"
    return Graph().parse(shacl / "shapes.ttl").parse(shacl / "range.ttl", format="turtle")


def fetch(live: LiveServer, path: str, accept: str = "text/turtle") -> httpx.Response:
    with live.client(follow_redirects=False) as client:
        return client.get(path, headers={"Accept": accept})


# -- the catalogue -------------------------------------------------------------------------------


def test_the_catalogue_pages_merged_conform_to_dcat_ap(live: LiveServer, dcat_ap: Graph) -> None:
    """A harvester's walk: page 1, then each `hydra:next`, all pages merged."""
    whole, seen, page = Graph(), [], f"{live.url}/catalog"
    while page:
        answer = httpx.get(page, headers={"Accept": "text/turtle"})
        assert answer.status_code == 200, answer.text
        graph = Graph().parse(data=answer.text, format="turtle")
        view = graph.value(URIRef(f"{live.url}/catalogue"), HYDRA.view)
        assert (view, RDF.type, HYDRA.PartialCollectionView) in graph
        assert graph.value(view, HYDRA.totalItems).toPython() == INTERFACES
        assert graph.value(view, HYDRA.last) == URIRef(f"{live.url}/catalog?page=3")
        seen += [str(s) for s in graph.objects(URIRef(f"{live.url}/catalogue"), DCAT.service)]
        whole += graph
        page = str(graph.value(view, HYDRA.next) or "")
    assert len(seen) == len(set(seen)) == INTERFACES
    assert f"{live.url}/interface/town-address" in seen
    conforms, _, text = pyshacl.validate(whole, shacl_graph=dcat_ap, inference="none")
    assert conforms, text


@pytest.mark.parametrize(
    ("accept", "fmt", "media", "syntax"),
    [
        ("application/ld+json", None, "application/ld+json", "json-ld"),
        ("application/rdf+xml", None, "application/rdf+xml", "xml"),
        ("text/html,*/*;q=0.8", None, "text/turtle", "turtle"),
        ("text/turtle", "jsonld", "application/ld+json", "json-ld"),
        ("application/ld+json", "rdfxml", "application/rdf+xml", "xml"),
    ],
)
def test_the_catalogue_is_negotiated(
    live: LiveServer, accept: str, fmt: str | None, media: str, syntax: str
) -> None:
    with live.client() as client:
        params = {"page": 2, **({"format": fmt} if fmt else {})}
        answer = client.get("/catalog", params=params, headers={"Accept": accept})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(media)
    assert "Accept" in answer.headers["vary"]
    graph = Graph().parse(data=answer.content, format=syntax)
    assert len(list(graph.objects(URIRef(f"{live.url}/catalogue"), DCAT.service))) == 3


def test_sparql_sees_the_catalogue_with_the_latest_interface(live: LiveServer) -> None:
    query = (
        f"SELECT ?s WHERE {{ GRAPH <{live.url}/catalogue> "
        f"{{ <{live.url}/catalogue> <{DCAT.service}> ?s }} }}"
    )
    with live.client() as client:
        answer = client.get("/sparql", params={"query": query})
    services = {b["s"]["value"] for b in answer.json()["results"]["bindings"]}
    assert len(services) == INTERFACES
    assert f"{live.url}/interface/town-address" in services


# -- dereferencing -------------------------------------------------------------------------------


def minted(live: LiveServer) -> dict[str, str]:
    """One IRI of each kind nif mints, read from the store's own graphs."""
    with live.client() as client:
        cert = client.get("/api/certificates").json()["certificates"][0]["id"]
    certificate = f"{live.url}/certificate/{cert}"
    run = Graph().parse(certificate).value(URIRef(certificate), PROV.wasDerivedFrom)
    runs = Graph().parse(str(run))
    tool = next(o for o in runs.objects() if "/certification/tool/" in str(o))
    suite = f"{live.url}/conformance/civreg-address/1.0.0/manifest.ttl"
    case = next(iter(Graph().parse(suite).subjects(MF.action, None)), None)
    assessment = f"{live.url}/compatibility/civreg-address/2.0.0"
    change = next(
        s
        for s in Graph().parse(assessment).subjects()
        if "/change/" in str(s) and "#" not in str(s)
    )
    version = f"{live.url}/interface/town-address/1.0.0"
    return {
        "agency": f"{live.url}/agency/townreg",
        "interface": f"{live.url}/interface/town-address",
        "version": version,
        "message type": f"{version}/AddressLookupRequest",
        "certificate": certificate,
        "run": str(run),
        "tool": str(tool),
        "suite": suite,
        "test case": str(case),
        "assessment": assessment,
        "change": str(change),
    }


@pytest.fixture(scope="module")
def iris(live: LiveServer) -> dict[str, str]:
    return minted(live)


@pytest.mark.parametrize("syntax", ["turtle", "json-ld", "xml", "nt", None])
def test_every_minted_iri_dereferences_with_rdflib(
    live: LiveServer, iris: dict[str, str], syntax: str | None
) -> None:
    for kind, iri in iris.items():
        assert iri.startswith(f"{live.url}/"), (kind, iri)
        try:
            graph = Graph().parse(iri, format=syntax)
        except OSError as exc:
            raise AssertionError(f"{kind}: {iri} ({syntax}): {exc}") from None
        assert (URIRef(iri), None, None) in graph, (kind, iri, syntax)
    # the catalogue's IRI: a 303 to the catalogue document, which describes it
    catalogue = Graph().parse(f"{live.url}/catalogue", format=syntax)
    assert (URIRef(f"{live.url}/catalogue"), RDF.type, DCAT.Catalog) in catalogue


def test_an_iri_says_only_what_its_owner_graph_says(live: LiveServer, iris: dict[str, str]) -> None:
    record = Graph().parse(iris["interface"])
    assert (URIRef(iris["version"]), DCAT.version, None) in record  # the whole record
    node = Graph().parse(iris["message type"])
    subjects = {s for s in node.subjects() if isinstance(s, URIRef)}
    assert subjects == {URIRef(iris["message type"])}  # its own description, no more
    agency = Graph().parse(iris["agency"])
    assert (URIRef(iris["interface"]), None, None) not in agency


def test_a_file_iri_gives_its_bytes(live: LiveServer) -> None:
    with live.client() as client:
        answer = client.get(
            "/files/town-address/schemas/1.0.0/address-lookup-request.schema.json",
            follow_redirects=True,
        )
    assert answer.status_code == 200
    assert b'"$schema"' in answer.content


def test_browsers_are_sent_to_the_page(live: LiveServer, iris: dict[str, str]) -> None:
    pages = {
        "agency": "/agencies/townreg",
        "interface": "/interfaces/town-address",
        "version": "/interfaces/town-address#v-1.0.0",
        "certificate": f"/certificates/{iris['certificate'].rsplit('/', 1)[1]}",
        "run": f"/certification/runs/{iris['run'].rsplit('/', 1)[1]}",
        "suite": "/certification/civreg-address/1.0.0",
        "assessment": "/interfaces/civreg-address#v-2.0.0",
    }
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for kind, page in pages.items():
        answer = fetch(live, iris[kind].removeprefix(live.url), browser)
        assert (answer.status_code, answer.headers.get("location")) == (303, page), kind
        shown = fetch(live, page.split("#")[0], browser)
        assert shown.status_code == 200, (kind, page, shown.text[:200])
        assert shown.headers["content-type"].startswith("text/html")
    assert fetch(live, "/catalogue", browser).headers["location"] == "/"
    assert fetch(live, "/sparql", browser).headers["location"] == "/query"


def test_the_pages_of_a_suite_are_not_taken_for_iris(live: LiveServer) -> None:
    assert fetch(live, "/certification/civreg-address/1.0.0", "text/html").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/agency/nobody",
        "/interface/town-address/9.9.9",
        "/interface/nothing",
        "/certificate/cert-00000000-00000000",
        "/certification/run/run-00000000-00000000",
        "/certification/tool/nobody",
        "/conformance/civreg-address/9.9.9/manifest.ttl",
        "/compatibility/civreg-address/1.0.0",
        "/files/town-address/schemas/1.0.0/nothing.json",
    ],
)
def test_unknown_iris_are_not_found(live: LiveServer, path: str) -> None:
    answer = fetch(live, path)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
    page = fetch(live, path, "text/html")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


# -- the SPARQL service description --------------------------------------------------------------


def test_sparql_without_a_query_describes_the_service(live: LiveServer) -> None:
    endpoint = URIRef(f"{live.url}/sparql")
    graph = Graph().parse(str(endpoint), format="turtle")
    assert (endpoint, RDF.type, SD.Service) in graph
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (endpoint, SD.feature, SD.UnionDefaultGraph) in graph
    formats = {str(f).rsplit("/", 1)[1] for f in graph.objects(endpoint, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "Turtle", "JSON-LD"} <= formats
    dataset = graph.value(endpoint, SD.defaultDataset)
    named = graph.value(graph.value(dataset, SD.namedGraph), SD.name)
    assert named == URIRef(f"{live.url}/catalogue")
    as_json = fetch(live, "/sparql?format=jsonld", "*/*")
    assert as_json.headers["content-type"].startswith("application/ld+json")
    # a query is still a query
    answer = fetch(live, "/sparql?query=ASK%7B%7D", "application/sparql-results+json")
    assert answer.json()["boolean"] is True
