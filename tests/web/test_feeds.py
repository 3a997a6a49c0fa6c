"""The Atom feeds of interfaces and agencies over a real server (and, for breaking changes, the
read model over a real store holding an assessment as nif writes it): valid Atom, stable ids,
newest first, status changes dated when they happened, consumers named, hostile input."""

from __future__ import annotations

import datetime as dt
import email.utils
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import lxml.html
import pytest
from lxml import etree

from nif import catalogue, errors
from nif.registry import Registry
from nif.settings import Settings
from nif.web.pages.feeds import atom
from tests.web.conftest import LiveServer
from tests.web.test_records_api import agency, bundle, fresh, put

MakeServer = Callable[..., LiveServer]
A = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DEMO = "https://registry.nif.example/"
ADDRESS_1 = f"{DEMO}interface/civreg-address/1.0.0"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
ADDRESS = "civreg-address"
ZIP = "application/zip"


def feed_of(answer: httpx.Response) -> etree._Element:
    """The feed of an answer, checked against what RFC 4287 requires of a feed and entries."""
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == ATOM_TYPE
    root = etree.fromstring(answer.content, etree.XMLParser(resolve_entities=False))
    assert root.tag == f"{A}feed"
    assert root.get(XML_LANG) == "en"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{name}")) == 1, name
        assert (root.findtext(f"{A}{name}") or "").strip(), name
    assert root.findtext(f"{A}author/{A}name")
    rels = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert rels["self"].endswith("/feed.atom")
    assert rels["alternate"] == rels["self"].removesuffix("/feed.atom")
    _instant(root.findtext(f"{A}updated") or "")
    for entry in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1, (name, etree.tostring(entry))
            assert (entry.findtext(f"{A}{name}") or "").strip(), name
        links = entry.findall(f"{A}link[@rel='alternate']")
        assert len(links) == 1 and links[0].get("href", "").startswith("http")
        _instant(entry.findtext(f"{A}updated") or "")
    return root


def _instant(text: str) -> dt.datetime:
    """An RFC 3339 date-time with its offset (Atom's `updated`)."""
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert when.tzinfo is not None, text
    return when


def entries(root: etree._Element) -> list[dict[str, str]]:
    return [
        {
            "id": e.findtext(f"{A}id") or "",
            "title": e.findtext(f"{A}title") or "",
            "updated": e.findtext(f"{A}updated") or "",
            "kind": e.find(f"{A}category").get("term", ""),
            "link": e.find(f"{A}link").get("href", ""),
            "summary": e.findtext(f"{A}summary") or "",
        }
        for e in root.findall(f"{A}entry")
    ]


def newest_first(found: list[dict[str, str]]) -> None:
    times = [_instant(e["updated"]) for e in found]
    assert times == sorted(times, reverse=True), times


# the demo registry


def test_interface_feed_of_the_demo(client: httpx.Client) -> None:
    answer = client.get("/interfaces/civreg-birth/feed.atom")
    root = feed_of(answer)
    assert root.findtext(f"{A}id") == f"{DEMO}interface/civreg-birth"
    assert root.findtext(f"{A}title") == "Birth registration (civreg-birth): changes"
    found = entries(root)
    newest_first(found)
    titles = [e["title"] for e in found]
    for title in ("civreg-birth 2.0.0 published", "civreg-birth 1.0.0 published"):
        assert title in titles
    deprecated = [e for e in found if e["title"] == "civreg-birth 1.0.0 deprecated"]
    assert len(deprecated) == 1 and deprecated[0]["kind"] == "status"
    assert {e["link"] for e in found} >= {
        f"{client.base_url}/interfaces/civreg-birth#v-2.0.0",
        f"{client.base_url}/interfaces/civreg-birth#v-1.0.0",
    }
    again = entries(feed_of(client.get("/interfaces/civreg-birth/feed.atom")))
    assert [e["id"] for e in again] == [e["id"] for e in found], "ids must be stable"
    assert len({e["id"] for e in found}) == len(found)
    assert all(e["id"].startswith("urn:uuid:") for e in found)


def test_agency_feed_carries_its_interfaces(client: httpx.Client) -> None:
    root = feed_of(client.get("/agencies/civreg/feed.atom"))
    assert root.findtext(f"{A}id") == f"{DEMO}agency/civreg"
    found = entries(root)
    newest_first(found)
    interfaces = {e["link"].split("/interfaces/")[1].split("#")[0] for e in found}
    assert {"civreg-birth", "civreg-address"} <= interfaces
    assert not [i for i in interfaces if not i.startswith("civreg-")]
    # the same entry has the same id, and the same place among its interface's, in both feeds
    birth = entries(feed_of(client.get("/interfaces/civreg-birth/feed.atom")))
    assert [e for e in found if e in birth] == birth
    titles = [e["title"] for e in found]
    published = titles.index("civreg-birth 1.0.0 published")
    assert titles.index("civreg-birth 1.0.0 deprecated") < published, "news of one instant"


def test_conditional_requests_get_304(client: httpx.Client) -> None:
    first = client.get("/interfaces/civreg-address/feed.atom")
    feed_of(first)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    updated = _instant(etree.fromstring(first.content).findtext(f"{A}updated") or "")
    assert email.utils.parsedate_to_datetime(modified) == updated.replace(microsecond=0)
    again = client.get("/interfaces/civreg-address/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    since = client.get(
        "/interfaces/civreg-address/feed.atom", headers={"If-Modified-Since": modified}
    )
    assert since.status_code == 200, "a body may change without a newer entry: ETag decides"
    stale = client.get("/interfaces/civreg-address/feed.atom", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.headers["etag"] == etag
    head = client.head("/interfaces/civreg-address/feed.atom")
    assert head.status_code == 200 and not head.content
    assert head.headers["etag"] == etag and head.headers["content-type"] == ATOM_TYPE
    both = {"If-None-Match": etag, "If-Modified-Since": modified}
    assert client.get("/interfaces/civreg-address/feed.atom", headers=both).status_code == 304


@pytest.mark.parametrize("kind", ["interfaces", "agencies"])
def test_unknown_ids_are_404_as_json_and_html(client: httpx.Client, kind: str) -> None:
    answer = client.get(f"/{kind}/no-such-thing/feed.atom")
    assert answer.status_code == 404
    body = answer.json()
    assert body["error"] == "not_found" and "no-such-thing" in body["message"]
    page = client.get(f"/{kind}/no-such-thing/feed.atom", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


HOSTILE = [
    "..%2F..%2Fetc%2Fpasswd",
    "%2E%2E",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "x" * 5000,
    "a%22%20OR%20%22%22%3D%22",
    "%00",
]


@pytest.mark.parametrize("kind", ["interfaces", "agencies"])
@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_ids_get_a_clear_refusal(client: httpx.Client, kind: str, hostile: str) -> None:
    for accept in ("application/json", "text/html"):
        answer = client.get(f"/{kind}/{hostile}/feed.atom", headers={"Accept": accept})
        assert 400 <= answer.status_code < 500, (hostile, answer.status_code)
        assert "<script>" not in answer.text


def test_feeds_are_public(client: httpx.Client) -> None:
    """No token, and a bogus one is not even looked at: the feeds read like pages."""
    for path in ("/interfaces/tax-vat-return/feed.atom", "/agencies/tax/feed.atom"):
        feed_of(client.get(path))
        feed_of(client.get(path, headers={"Authorization": "Bearer nonsense"}))


def test_pages_link_to_their_feeds(client: httpx.Client) -> None:
    """The page's head names its feed (readers find it) and the page shows a link to it."""
    for page in ("/interfaces/civreg-birth", "/agencies/civreg"):
        for lang in ("en", "de", "fr"):
            answer = client.get(page, params={"lang": lang}, headers={"Accept": "text/html"})
            html = lxml.html.fromstring(answer.text)
            feed = f"{page}/feed.atom"
            heads = html.xpath("/html/head/link[@rel='alternate']")
            assert [(h.get("type"), h.get("href")) for h in heads] == [
                ("application/atom+xml", feed)
            ]
            assert heads[0].get("title"), "a reader lists the feed by its title"
            assert html.xpath(f"//main//a[@href='{feed}']/text()"), (page, lang)
    assert client.get(feed).status_code == 200


# a registry that changes


def _store(live: LiveServer, agency_id: str, record: str, body: bytes, media: str) -> None:
    """Submit `record` over HTTP as a publisher of `agency_id`."""
    with live.client(live.token("publisher", agency_id)) as client:
        answer = put(client, record, body, media)
        assert answer.status_code == 200, answer.text


def _address_and_tax(live: LiveServer) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The entries of civreg-address's feed and of tax's."""
    with live.client() as reader:
        address = entries(feed_of(reader.get("/interfaces/civreg-address/feed.atom")))
        tax = entries(feed_of(reader.get("/agencies/tax/feed.atom")))
    newest_first(address)
    newest_first(tax)
    return address, tax


def test_a_deprecation_after_publication_is_a_later_entry(make_server: MakeServer) -> None:
    """civreg-address 1.0.0 is published (the demo), then deprecated, then given an end date;
    tax declares it consumes it: each change is one new entry, the newest of both feeds,
    naming tax as affected."""
    live = fresh(make_server)
    consumes = f"nif:consumes <{ADDRESS_1}> ;\n  dct:identifier"
    tax_record = _prefixed(_once(agency("tax").decode(), "dct:identifier", consumes))
    _store(live, "tax", "tax", tax_record, "text/turtle")
    before, tax_before = _address_and_tax(live)
    assert "civreg-address 1.0.0 published" in [e["title"] for e in before]
    assert not [e for e in tax_before if "civreg-address 1.0.0" in e["title"]]
    completed = '"1.0.0" ;\n  adms:status <http://purl.org/adms/status/Completed>'
    deprecated = completed.replace("Completed", "Deprecated")
    _store(live, "civreg", ADDRESS, bundle(ADDRESS, [(completed, deprecated)]), ZIP)
    after, tax_after = _address_and_tax(live)
    new = [e for e in after if e not in before and e["kind"] != "breaking"]
    assert [e["title"] for e in new] == ["civreg-address 1.0.0 deprecated"]
    assert after[0] == new[0]
    kept = [e for e in before if e["kind"] != "breaking"]
    assert [e for e in after if e in kept] == kept, "earlier entries do not change"
    published = next(e for e in after if e["title"] == "civreg-address 1.0.0 published")
    assert _instant(new[0]["updated"]) > _instant(published["updated"])
    assert new[0]["kind"] == "status"
    assert "was Completed" in new[0]["summary"]
    assert "Tax Administration (tax)" in new[0]["summary"]
    assert tax_after[0] == new[0], "the consumer's feed carries the deprecation"
    assert "civreg-address 1.0.0 published" not in [e["title"] for e in tax_after]
    # a third submission gives the deprecated version an end date (DCAT's period of time)
    ends = (
        f"{deprecated} ;\n  dct:temporal [ a dct:PeriodOfTime ;"
        ' dcat:endDate "2031-12-31"^^<http://www.w3.org/2001/XMLSchema#date> ]'
    )
    _store(live, "civreg", ADDRESS, bundle(ADDRESS, [(completed, ends)]), ZIP)
    last, tax_last = _address_and_tax(live)
    assert last[0]["title"] == "civreg-address 1.0.0 ends on 2031-12-31"
    assert last[0]["kind"] == "end-date" and last[1] == new[0]
    assert "Tax Administration (tax)" in last[0]["summary"]
    assert tax_last[:2] == last[:2]


def _once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def test_titles_from_records_are_escaped(make_server: MakeServer) -> None:
    """A title and notes with markup, `]]>` and a control character stay text in the feed."""
    live = fresh(make_server)
    hostile = '<script>alert(\\"x\\")</script> ]]> &amp; \\u0001'
    title = 'dct:title "Address lookup"@en'
    _store(live, "civreg", ADDRESS, bundle(ADDRESS, [(title, f'dct:title "{hostile}"@en')]), ZIP)
    with live.client() as reader:
        answer = reader.get("/interfaces/civreg-address/feed.atom")
    root = feed_of(answer)
    assert b"<script>" not in answer.content
    assert root.findtext(f"{A}title") == (
        '<script>alert("x")</script> ]]> &amp;  (civreg-address): changes'
    )
    assert root.findtext(f"{A}author/{A}name") == "Civil Registry Office"


def test_atom_escapes_whatever_a_record_says() -> None:
    """Markup, `]]>`, quotes and characters XML cannot carry, in every text a feed writes."""
    hostile = '<script>alert("x")</script> ]]> &amp; \x01\x0b\ufffe'
    entry = catalogue.FeedEntry(
        "urn:uuid:0",
        "published",
        hostile,
        hostile,
        "2030-01-01T00:00:00.000Z",
        hostile,
        "1.0.0",
        "v-1.0.0",
    )
    feed = catalogue.Feed(
        "https://x.example/i", "interface", hostile, hostile, hostile, entry.updated, [entry]
    )
    body = atom(feed, "http://nif.test", "/interfaces/x")
    assert b"<script>" not in body
    root = etree.fromstring(body)
    shown = '<script>alert("x")</script> ]]> &amp; '
    assert root.findtext(f"{A}entry/{A}title") == shown
    assert root.findtext(f"{A}entry/{A}summary") == shown
    assert root.findtext(f"{A}author/{A}name") == shown
    href = root.find(f"{A}entry/{A}link").get("href")
    assert (
        href
        == "http://nif.test/interfaces/%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E%20%5D%5D%3E%20%26amp%3B%20%01%0B%EF%BF%BE#v-1.0.0"
    )


# breaking changes, from the assessment nif stores

BIRTH = f"{DEMO}interface/civreg-birth"
ASSESSMENT = f"{DEMO}compatibility/civreg-birth/2.0.0"
VERDICT = "https://w3id.org/nif/concept/compatibility/"


def _assessment(breaking: bool, reason: str) -> bytes:
    """civreg-birth 2.0.0 against 1.0.0, as nif stores it at submission (common vocabulary)."""
    flag = "true" if breaking else "false"
    message = f"{ASSESSMENT}/message/1"
    return f"""\
<{ASSESSMENT}> a <https://w3id.org/nif/ns#CompatibilityAssessment> .
<{ASSESSMENT}> <https://w3id.org/nif/ns#assessedVersion> <{BIRTH}/2.0.0> .
<{ASSESSMENT}> <https://w3id.org/nif/ns#comparedWith> <{BIRTH}/1.0.0> .
<{ASSESSMENT}> <https://w3id.org/nif/ns#breaking> "{flag}"^^<http://www.w3.org/2001/XMLSchema#boolean> .
<{ASSESSMENT}> <http://www.w3.org/ns/prov#generatedAtTime> "2030-01-02T03:04:05Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
<{ASSESSMENT}> <https://w3id.org/nif/ns#messageAssessment> <{message}> .
<{message}> <https://w3id.org/nif/ns#assessedMessageType> <{BIRTH}/2.0.0/BirthNotification> .
<{message}> <https://w3id.org/nif/ns#previousMessageType> <{BIRTH}/1.0.0/BirthNotification> .
<{message}> <https://w3id.org/nif/ns#required> "backward" .
<{message}> <https://w3id.org/nif/ns#backwardVerdict> <{VERDICT}incompatible> .
<{message}> <https://w3id.org/nif/ns#forwardVerdict> <{VERDICT}compatible> .
<{message}> <https://w3id.org/nif/ns#backwardReason> "{reason}" .
""".encode()


@pytest.fixture
def assessed(demo_home: Path, tmp_path: Path) -> Iterator[Registry]:
    """The demo registry where an assessment says civreg-birth 2.0.0 breaks 1.0.0, and tax
    declares in its record that it consumes 1.0.0."""
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    with Registry.open(Settings(home=home)) as registry:
        text = agency("tax").decode()
        consumes = f"nif:consumes <{BIRTH}/1.0.0> ;\n  dct:identifier"
        registry.submit(_prefixed(_once(text, "dct:identifier", consumes)), name="tax.ttl")
        registry.store.replace_graphs({ASSESSMENT: _assessment(True, "<script>]]>")})
        registry.changed()  # what nif's own writes announce, so cached reads are dropped
        yield registry


def _prefixed(text: str) -> bytes:
    if "@prefix nif:" not in text:
        text = "@prefix nif: <https://w3id.org/nif/ns#> .\n" + text
    return text.encode()


def test_a_breaking_version_names_the_consumers_it_affects(assessed: Registry) -> None:
    feed = catalogue.interface_feed(assessed, "civreg-birth")
    breaking = [e for e in feed.entries if e.kind == "breaking"]
    assert len(breaking) == 1
    entry = breaking[0]
    assert entry.title == "civreg-birth 2.0.0 breaks 1.0.0"
    assert entry.updated == "2030-01-02T03:04:05.000Z"
    assert feed.entries[0] == entry, "newest first: the assessment is the latest event"
    assert entry.affected == ("tax",)
    assert "BirthNotification (backward)" in entry.summary
    assert "Tax Administration (tax)" in entry.summary
    assert entry.anchor == "v-2.0.0"
    # tax consumes 1.0.0: the breaking change and the deprecation reach its feed, the
    # publication of civreg-birth's versions does not
    tax = catalogue.agency_feed(assessed, "tax")
    kinds = {(e.interface, e.kind) for e in tax.entries}
    assert ("civreg-birth", "breaking") in kinds
    assert ("civreg-birth", "status") in kinds
    assert ("civreg-birth", "published") not in kinds
    # the civreg feed carries it too, with the same id
    civreg = catalogue.agency_feed(assessed, "civreg")
    assert entry.id in {e.id for e in civreg.entries}
    # and it is valid Atom, with the record's text escaped
    root = etree.fromstring(atom(feed, "http://nif.test", "/interfaces/civreg-birth"))
    assert root.findtext(f"{A}entry/{A}title") == entry.title


def test_a_compatible_or_forged_assessment_is_no_breaking_entry(assessed: Registry) -> None:
    assert [
        e
        for e in catalogue.interface_feed(assessed, "civreg-birth").entries
        if e.kind == "breaking"
    ]
    assessed.store.replace_graphs({ASSESSMENT: _assessment(False, "fine")})
    assessed.changed()
    feed = catalogue.interface_feed(assessed, "civreg-birth")
    assert not [e for e in feed.entries if e.kind == "breaking"]
    # the same statements in a graph nif does not write (a record's) say nothing
    forged = f"{DEMO}interface/forged"
    assessed.store.replace_graphs({ASSESSMENT: b"", forged: _assessment(True, "x")})
    assessed.changed()
    feed = catalogue.interface_feed(assessed, "civreg-birth")
    assert not [e for e in feed.entries if e.kind == "breaking"]


def test_the_feed_is_capped_and_a_withdrawn_interface_keeps_its_feed(assessed: Registry) -> None:
    assert len(catalogue.interface_feed(assessed, "civreg-birth", limit=1).entries) == 1
    assessed.withdraw("civreg-address", actor="tests")
    feed = catalogue.interface_feed(assessed, "civreg-address")
    assert feed.entries[0].kind == "withdrawn"
    assert feed.entries[0].title == "civreg-address withdrawn"
    assert feed.title == "Address lookup"


def test_a_record_without_history_dates_from_the_epoch(tmp_path: Path) -> None:
    """A record another writer put in the store, with no history here: its current content,
    dated at a fixed instant so readers see no news at every request."""
    iri = "https://other.example/interface/x"
    record = f"""\
<{iri}> a <http://www.w3.org/ns/dcat#DataService> .
<{iri}> <http://purl.org/dc/terms/identifier> "x" .
<{iri}> <http://www.w3.org/ns/dcat#hasVersion> <{iri}/1.0.0> .
<{iri}/1.0.0> <http://www.w3.org/ns/dcat#version> "1.0.0" .
<{iri}/1.0.0> <http://www.w3.org/ns/adms#status> <http://purl.org/adms/status/Withdrawn> .
"""
    with Registry.open(Settings(home=tmp_path)) as registry:
        registry.store.replace_graphs({iri: record.encode()})
        feed = catalogue.interface_feed(registry, "x")
        with pytest.raises(errors.NotFoundError, match="no interface with identifier 'y'"):
            catalogue.interface_feed(registry, "y")
    assert [(e.title, e.updated) for e in feed.entries] == [
        ("x 1.0.0 withdrawn", "1970-01-01T00:00:00.000Z"),
        ("x 1.0.0 published", "1970-01-01T00:00:00.000Z"),
    ]
    assert feed.updated == "1970-01-01T00:00:00.000Z" and feed.title == "x"
