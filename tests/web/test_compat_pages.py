"""Who is affected, and what changed: consumers on the interface and agency pages, the
assessment of a version as a readable diff, in every language, through a real server.

The assessment is written into the store exactly as the registry writes it at submission (the
vocabulary of `vocabularies/nif.ttl`, in nif's graph `{base}compatibility/{interface}/{version}`),
with hostile text in it; consumers are declared through the records API with publisher tokens.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from markupsafe import escape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF, RDFS, XSD

from nif.registry import NIF, Registry, assessment_iri
from nif.settings import Settings
from nif.web import create_app
from nif.web.pages import _i18n
from tests.conftest import ROOT
from tests.web.conftest import LiveServer, _serve

HTML = {"Accept": "text/html"}
BASE = "https://registry.nif.example/"
BIRTH = f"{BASE}interface/civreg-birth"
V1, V2 = f"{BIRTH}/1.0.0", f"{BIRTH}/2.0.0"
TAX = f"{BASE}agency/tax"
CIVREG = f"{BASE}agency/civreg"
VERDICT = "https://w3id.org/nif/concept/compatibility/"
POLICY = "https://w3id.org/nif/concept/compatibility-policy/"
PROV_TIME = URIRef("http://www.w3.org/ns/prov#generatedAtTime")
HOSTILE_EXAMPLE = '<Birth><script>alert("counterexample")</script></Birth>'
HOSTILE_DETAIL = "element <script>alert('detail')</script> removed"
HOSTILE_REASON = "NEW refuses <img src=x onerror=alert(1)>"

MakeServer = Callable[..., LiveServer]


def t(lang: str, key: str, **values: object) -> str:
    return str(escape(_i18n.Translator(lang)(key, **values)))


def assessment(settings: Settings) -> bytes:
    """civreg-birth 2.0.0 assessed against 1.0.0: breaking backward, with two changes."""
    node = URIRef(assessment_iri(settings, "civreg-birth", "2.0.0"))
    message = URIRef(f"{node}/message/1")
    g = Graph()
    g.add((node, RDF.type, NIF.CompatibilityAssessment))
    g.add((node, NIF.assessedVersion, URIRef(V2)))
    g.add((node, NIF.comparedWith, URIRef(V1)))
    g.add((node, NIF.policy, URIRef(POLICY + "by-direction")))
    g.add((node, NIF.breaking, Literal(True)))
    g.add((node, PROV_TIME, Literal("2026-12-01T10:00:00Z", datatype=XSD.dateTime)))
    g.add((node, NIF.messageAssessment, message))
    g.add((message, RDFS.label, Literal("BirthNotification")))
    g.add((message, NIF.assessedMessageType, URIRef(f"{V2}/BirthNotification")))
    g.add((message, NIF.previousMessageType, URIRef(f"{V1}/BirthNotification")))
    g.add((message, NIF.comparedWith, URIRef(V1)))
    g.add((message, NIF.required, Literal("backward")))
    g.add((message, NIF.breaking, Literal(True)))
    g.add((message, NIF.backwardVerdict, URIRef(VERDICT + "incompatible")))
    g.add((message, NIF.backwardCounterexample, Literal(HOSTILE_EXAMPLE)))
    g.add((message, NIF.backwardReason, Literal(HOSTILE_REASON)))
    g.add((message, NIF.forwardVerdict, URIRef(VERDICT + "unknown")))
    g.add((message, NIF.forwardReason, Literal("a pattern whose containment is not decided")))
    g.add((message, NIF.openContent, Literal(False)))
    changes = [
        ("element-removed", HOSTILE_DETAIL, "backward", "birth.xsd:12 /xs:schema", None),
        ("facet-changed", "maxLength 80 -> 40", "both", "birth.xsd:30 /a", "birth.xsd:31 /a"),
    ]
    for k, (kind, detail, breaks, old, new) in enumerate(changes, start=1):
        change = URIRef(f"{message}/change/{k}")
        g.add((message, NIF.change, change))
        g.add((change, NIF.changeKind, Literal(kind)))
        g.add((change, RDFS.comment, Literal(detail)))
        g.add((change, NIF.breaks, Literal(breaks)))
        if old:
            g.add((change, NIF.oldLocation, Literal(old)))
        if new:
            g.add((change, NIF.newLocation, Literal(new)))
    return g.serialize(format="nt", encoding="utf-8")


def consuming(store_graph: bytes, agency: str, versions: list[str]) -> bytes:
    """An agency's stored graph with `nif:consumes` of each of `versions` added (only those)."""
    g = Graph().parse(data=store_graph.decode(), format="nt")
    g.remove((URIRef(agency), NIF.consumes, None))
    for version in versions:
        g.add((URIRef(agency), NIF.consumes, URIRef(version)))
    return g.serialize(format="nt", encoding="utf-8")


@pytest.fixture(scope="module")
def live(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo registry where tax consumes both civreg-birth versions, and 2.0.0 has the
    breaking assessment above; only the graphs nif and tax own are changed."""
    home = tmp_path_factory.mktemp("compat-pages")
    shutil.copytree(demo_home, home, dirs_exist_ok=True)
    settings = Settings(home=home)
    with Registry.open(settings) as registry:
        store = registry.store
        store.replace_graph(assessment_iri(settings, "civreg-birth", "2.0.0"), assessment(settings))
        store.replace_graph(TAX, consuming(store.read_graph(TAX), TAX, [V1, V2]))
        # what other agencies of the demo declare is not this module's subject
        for iri in store.graphs():
            if iri.startswith(f"{BASE}agency/") and iri != TAX:
                store.replace_graph(iri, consuming(store.read_graph(iri), iri, []))
    uv, thread, port = _serve(create_app(settings))
    yield LiveServer(f"http://127.0.0.1:{port}", settings, home)
    uv.should_exit = True
    thread.join(timeout=30)


def get(live: LiveServer, path: str, lang: str = "en") -> str:
    with live.client() as client:
        answer = client.get(path, params={"lang": lang}, headers=HTML)
    assert answer.status_code == 200, answer.text
    return answer.text


def section(page: str, version: str) -> str:
    """The part of the interface page about one version."""
    start = page.index(f'<section class="version" aria-labelledby="v-{version}">')
    return page[start : page.index("</section>", start)]


def consumers_of(page: str, version: str) -> str:
    """The consumers part of a version's section."""
    part = section(page, version)
    return part[part.index(f'id="v-{version}-consumers"') :]


# what changed


def test_what_changed_shows_verdicts_reasons_changes_and_counterexample(live: LiveServer) -> None:
    v2 = section(get(live, "/interfaces/civreg-birth"), "2.0.0")
    assert t("en", "compat.heading", version="2.0.0") in v2
    assert 'id="v-2.0.0-changes"' in v2
    assert t("en", "compat.compared", versions="1.0.0", policy="by direction") in v2
    assert t("en", "compat.message", name="BirthNotification", version="1.0.0") in v2
    assert t("en", "compat.backward", old="1.0.0", new="2.0.0") in v2
    assert t("en", "compat.verdict.incompatible") in v2 and t("en", "compat.verdict.unknown") in v2
    assert "a pattern whose containment is not decided" in v2
    # the table of changes: kind, detail, breaks, both locations
    rows = re.findall(r"<tr>\s*<td><code>([^<]*)</code></td>(.*?)</tr>", v2, re.S)
    assert [kind for kind, _ in rows] == ["element-removed", "facet-changed"]
    assert t("en", "compat.breaks.both") in rows[1][1]
    assert "birth.xsd:30 /a" in rows[1][1] and "birth.xsd:31 /a" in rows[1][1]
    # the counterexample, collapsed, only where there is one
    details = re.findall(
        r"<details><summary>(.*?)</summary><pre[^>]*><code>(.*?)</code></pre>", v2, re.S
    )
    assert [summary for summary, _ in details] == [
        t("en", "compat.counterexample_backward", old="1.0.0", new="2.0.0")
    ]
    assert details[0][1] == str(escape(HOSTILE_EXAMPLE))


def test_hostile_text_in_an_assessment_is_escaped(live: LiveServer) -> None:
    page = get(live, "/interfaces/civreg-birth")
    for hostile in (HOSTILE_EXAMPLE, HOSTILE_DETAIL, HOSTILE_REASON):
        assert hostile not in page
        assert str(escape(hostile)) in page
    assert "<script>" not in page


def test_a_version_without_assessment_shows_no_diff(live: LiveServer) -> None:
    page = get(live, "/interfaces/civreg-birth")
    v1 = section(page, "1.0.0")
    assert t("en", "compat.heading", version="1.0.0") not in v1
    assert "<details>" not in v1
    # the versions table marks the breaking version only, linked to its diff
    table = page[: page.index('<section class="version"')]
    assert re.findall(r'href="#v-([0-9.]+)-changes"', table) == ["2.0.0"]


# consumers


def test_interface_page_lists_consumers_and_who_is_affected(live: LiveServer) -> None:
    page = get(live, "/interfaces/civreg-birth")
    v1, v2 = consumers_of(page, "1.0.0"), consumers_of(page, "2.0.0")
    for part in (v1, v2):
        assert t("en", "consumers.heading") in part
        assert '<a href="/agencies/tax">Tax Administration</a>' in part
    # 1.0.0 is deprecated and 2.0.0 breaks it: tax is named for both reasons
    affected = v1[v1.index(t("en", "consumers.affected")) :]
    assert t("en", "consumers.because_Deprecated") in affected
    assert t("en", "consumers.breaking", version="2.0.0") in affected
    assert affected.count('href="/agencies/tax"') == 2
    # 2.0.0 is current and nothing breaks it
    assert t("en", "consumers.affected") not in v2


def test_an_interface_nobody_consumes_says_so(live: LiveServer) -> None:
    page = get(live, "/interfaces/civreg-address")
    assert t("en", "consumers.none") in page
    assert t("en", "consumers.affected") not in page


def test_agency_page_lists_what_it_consumes(live: LiveServer) -> None:
    page = get(live, "/agencies/tax")
    assert t("en", "agency.consumes.heading") in page
    consumes = page[page.index('id="consumes"') : page.index('id="certificates"')]
    links = re.findall(r'<a href="(/interfaces/[^"]+)">', consumes)
    assert links == ["/interfaces/civreg-birth#v-2.0.0", "/interfaces/civreg-birth#v-1.0.0"]
    v2, v1 = consumes.split("</li>")[:2]
    assert t("en", "status.Deprecated") in v1
    # 2.0.0 breaks 1.0.0, which tax still consumes: the page says so, linked to the diff
    broken = t("en", "agency.consumes.broken_by", version="2.0.0")
    assert f'href="/interfaces/civreg-birth#v-2.0.0-changes">{broken}</a>' in v1
    assert broken not in v2
    civreg = get(live, "/agencies/civreg")
    assert t("en", "agency.consumes.none") in civreg


@pytest.mark.parametrize("lang", _i18n.LANGUAGES)
def test_the_sections_speak_every_language(live: LiveServer, lang: str) -> None:
    page = get(live, "/interfaces/civreg-birth", lang)
    for key, values in [
        ("compat.heading", {"version": "2.0.0"}),
        ("compat.breaking", {}),
        ("compat.forward", {"old": "1.0.0", "new": "2.0.0"}),
        ("compat.required", {}),
        ("compat.col.kind", {}),
        ("compat.col.old", {}),
        ("compat.breaks.backward", {}),
        ("compat.verdict.unknown", {}),
        ("compat.policy.by-direction", {}),
        ("consumers.heading", {}),
        ("consumers.affected", {}),
        ("consumers.because_Deprecated", {}),
    ]:
        assert t(lang, key, **values) in page, (lang, key)
    # nif's own English text is marked as English on a German or French page
    assert f'<span lang="en">{escape(HOSTILE_REASON)}</span>' in page
    assert t(lang, "agency.consumes.heading") in get(live, "/agencies/tax", lang)


# declaring consumption: the agency's own record, through the records API


def tax_record(consumes: list[URIRef | Literal], *, on: str = TAX) -> bytes:
    """tax's record as the demo has it, declaring `consumes` on the node `on`."""
    g = Graph().parse(ROOT / "registry" / "agencies" / "tax.ttl", format="turtle")
    g.remove((URIRef(TAX), NIF.consumes, None))
    for value in consumes:
        g.add((URIRef(on), NIF.consumes, value))
    return g.serialize(format="turtle", encoding="utf-8")


def put_tax(client: httpx.Client, body: bytes) -> httpx.Response:
    return client.put("/api/records/tax", content=body, headers={"Content-Type": "text/turtle"})


def about_consumes(answer: httpx.Response) -> list[dict[str, str]]:
    return [r for r in answer.json().get("results", []) if "nif:consumes" in r["message"]]


def test_a_publisher_declares_what_its_agency_consumes(make_server: MakeServer) -> None:
    live = make_server(validation_workers=1)
    with live.client(live.token("publisher", "tax")) as tax:
        answer = put_tax(tax, tax_record([URIRef(V1)]))
        assert answer.status_code == 200, answer.text
        assert answer.json()["conforms"] is True and about_consumes(answer) == []
        assert 'href="/agencies/tax"' in consumers_of(
            get(live, "/interfaces/civreg-birth"), "1.0.0"
        )

        unknown = f"{BIRTH}/9.9.9"
        answer = put_tax(tax, tax_record([URIRef(unknown)]))
        assert answer.status_code == 200, answer.text
        (warning,) = about_consumes(answer)
        assert warning["severity"].lower() == "warning", warning
        assert "names no interface version the registry knows" in warning["message"]
        page = get(live, "/agencies/tax")
        assert f"<code>{unknown}</code>" in page and t("en", "agency.consumes.unknown") in page
        assert 'href="/agencies/tax"' not in get(live, "/interfaces/civreg-birth")

        answer = put_tax(tax, tax_record([Literal("civreg-birth 1.0.0")]))
        assert answer.status_code == 422, answer.text
        assert "nif:consumes must be the IRI of an interface version" in answer.text
        assert f"<code>{unknown}</code>" in get(live, "/agencies/tax")  # nothing was stored


def test_a_publisher_cannot_declare_for_another_agency(make_server: MakeServer) -> None:
    """tax states `civreg nif:consumes ...`: refused, whether or not it links civreg's node."""
    live = make_server(validation_workers=1)
    with live.client(live.token("publisher", "tax")) as tax:
        answer = put_tax(tax, tax_record([URIRef(V1)], on=CIVREG))
        assert answer.status_code == 400, answer.text
        assert CIVREG in answer.json()["message"]
        linked = Graph().parse(data=tax_record([URIRef(V1)], on=CIVREG).decode(), format="turtle")
        linked.add((URIRef(TAX), ORG.linkedTo, URIRef(CIVREG)))
        answer = put_tax(tax, linked.serialize(format="turtle", encoding="utf-8"))
        assert answer.status_code == 422, answer.text
        assert CIVREG in answer.text and "not the record's" in answer.json()["message"]
    assert t("en", "agency.consumes.none") in get(live, "/agencies/civreg")
    assert "/agencies/" not in consumers_of(get(live, "/interfaces/civreg-birth"), "1.0.0")
