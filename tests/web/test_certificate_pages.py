"""The certificate page, its PDF, the badge route, the certificates on the interface and agency
pages, and the certification example queries, through a real server over a home where real
certification runs (the demo evidence) were certified before it started.

Four certificates: civreg's is valid; socsec's expired (issued 800 days ago); busreg's revoked
(its run failed the optional case reject-mother-born-after-child); tax's for tax-vat-return
needs re-certification (one of the version's artefact checksums was re-pinned after issue).
Certificates whose signature fails: tests/security/test_certificate_trust.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pypdf
import pytest
from babel.dates import format_date
from rdflib import Literal, URIRef

from nif.certify._certificates import issue, revoke
from nif.certify._evidence import Evidence, read_evidence
from nif.certify._keys import load_or_create
from nif.certify._manifest import find_suite
from nif.certify._model import Certificate, Purpose
from nif.certify._runner import run_suite
from nif.registry import Registry, version_checksums
from nif.settings import Settings
from nif.web import create_app
from nif.web.pages import _i18n
from nif.web.pages._examples import BY_ID
from tests.conftest import ROOT
from tests.web.conftest import LiveServer, _serve
from tests.web.test_pages import CERTIFICATE_EXAMPLES, HTML, check_accessible, result_cells, t

EVIDENCE = ROOT / "registry" / "evidence"
REASON = "Évidence forgée: Łódź's test system, not production"
HEX = URIRef("http://www.w3.org/2001/XMLSchema#hexBinary")
STALE_SUM = Literal("0" * 64, datatype=HEX).n3()


@dataclasses.dataclass
class Issued:
    server: LiveServer
    valid: Certificate
    expired: Certificate
    revoked: Certificate
    stale: Certificate


def _certify(
    registry: Registry, agency: str, interface: str, version: str, evidence: Evidence, **kw: object
) -> Certificate:
    run = run_suite(
        registry,
        find_suite(interface, version),
        agency=agency,
        evidence=evidence,
        actor="certifier-ada",
        purpose=Purpose.CERTIFICATION,
    )
    return issue(registry, run, load_or_create(registry.settings.home), actor="certifier-ada", **kw)


@pytest.fixture(scope="module")
def issued(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issued]:
    home = tmp_path_factory.mktemp("certified-home")
    shutil.copytree(demo_home, home, dirs_exist_ok=True)
    settings = Settings(home=home)
    with Registry.open(settings) as registry:
        birth = read_evidence(EVIDENCE / "civreg" / "civreg-birth" / "2.0.0", settings)
        vat = read_evidence(EVIDENCE / "tax" / "tax-vat-return" / "1.0.0", settings)
        valid = _certify(registry, "civreg", "civreg-birth", "2.0.0", birth)
        past = dt.datetime.now(dt.UTC) - dt.timedelta(days=800)
        expired = _certify(registry, "socsec", "civreg-birth", "2.0.0", birth, now=past)
        accepted = {**birth.files}
        status = next(p for p in accepted if p.endswith("reject-mother-born-after-child.status"))
        accepted[status] = b"200"  # accepting what it must refuse: the optional case fails
        revoked = _certify(registry, "busreg", "civreg-birth", "2.0.0", Evidence(accepted))
        revoked = revoke(registry, revoked.id, actor="certifier-bob", reason=REASON)
        stale = _certify(registry, "tax", "tax-vat-return", "1.0.0", vat)
        old = version_checksums(registry.store, stale.version_iri)[0]
        registry.store.update(
            "PREFIX spdx: <http://spdx.org/rdf/terms#>\n"
            "DELETE { GRAPH ?g { ?c spdx:checksumValue ?old } }\n"
            f"INSERT {{ GRAPH ?g {{ ?c spdx:checksumValue {STALE_SUM} }} }}\n"
            f'WHERE {{ GRAPH ?g {{ ?c spdx:checksumValue ?old FILTER(STR(?old) = "{old}") }} }}'
        )
    uv, thread, port = _serve(create_app(settings))
    yield Issued(
        LiveServer(f"http://127.0.0.1:{port}", settings, home), valid, expired, revoked, stale
    )
    uv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def client(issued: Issued) -> Iterator[httpx.Client]:
    with issued.server.client() as c:
        yield c


def text_of(body: str) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


# the certificate page


@pytest.mark.parametrize("lang", _i18n.LANGUAGES)
def test_certificate_page_in_every_language(
    client: httpx.Client, issued: Issued, lang: str
) -> None:
    for cert in (issued.valid, issued.expired, issued.revoked, issued.stale):
        answer = client.get(f"/certificates/{cert.id}", headers={"Accept-Language": lang})
        assert answer.status_code == 200, answer.text[:300]
        check_accessible(answer.text, lang)
        assert t(lang, "certificate.signature_valid") in answer.text


def test_certificate_page_states_every_fact(client: httpx.Client, issued: Issued) -> None:
    cert = issued.valid
    body = client.get(f"/certificates/{cert.id}").text
    words = text_of(body)
    assert '<a href="/agencies/civreg">Civil Registry Office</a>' in body
    assert 'href="/interfaces/civreg-birth"' in body
    assert 'href="/interfaces/civreg-birth#v-2.0.0">2.0.0</a>' in body
    assert f"{t('en', 'certificate.state_heading')}" in words
    assert t("en", "certificate.state.certified") in words
    assert f"<dd>{cert.issuer}</dd>" in body and "<dd>certifier-ada</dd>" in body
    assert f'<time datetime="{cert.issued}">' in body
    assert f'<time datetime="{cert.valid_until}">' in body
    assert cert.suite_sha256 in body and cert.suite_iri in body
    assert all(sha256 in body for sha256 in cert.artefacts) and cert.artefacts
    assert cert.key_id in body
    suite = find_suite("civreg-birth", "2.0.0")
    cases = re.findall(r'<tr class="case-([A-Za-z]+)">\s*<th scope="row">([^<]+) <code>', body)
    assert sorted(html.unescape(c) for _, c in cases) == sorted(c.title for c in suite.cases)
    assert {outcome for outcome, _ in cases} == {"passed"}
    assert f'href="/certificates/{cert.id}.pdf"' in body
    assert f'href="/api/certificates/{cert.id}?format=turtle"' in body
    assert 'href="/.well-known/nif-certificate-key"' in body
    badge = f"{issued.server.url}/badge/civreg/civreg-birth/2.0.0"
    page = f"{issued.server.url}/certificates/{cert.id}"
    assert f"[![NIF: certified 2.0.0]({badge})]({page})" in body
    assert f"&lt;img src=&#34;{badge}&#34;" in body
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body and 'role="img"' in body


def test_revoked_page_says_when_by_whom_and_why(client: httpx.Client, issued: Issued) -> None:
    body = client.get(f"/certificates/{issued.revoked.id}").text
    words = text_of(body)
    assert t("en", "certificate.state.revoked") in words
    assert f'<time datetime="{issued.revoked.revocation.at}">' in body  # type: ignore[union-attr]
    assert "<dd>certifier-bob</dd>" in body
    assert "Évidence forgée: Łódź&#39;s test system, not production" in body
    failed = re.findall(r'<tr class="case-failed">\s*<th scope="row">[^<]+ <code>([^<]+)', body)
    assert failed == ["reject-mother-born-after-child"]
    assert "NIF: revoked 2.0.0" in body


def test_expired_and_stale_pages_say_why(client: httpx.Client, issued: Issued) -> None:
    expired = text_of(client.get(f"/certificates/{issued.expired.id}").text)
    assert t("en", "certificate.state.expired") in expired
    assert f"expired on {issued.expired.valid_until}" in expired
    stale = text_of(client.get(f"/certificates/{issued.stale.id}", headers=HTML).text)
    assert t("en", "certificate.state.needs_recertification") in stale
    assert "the artefact checksums of tax-vat-return@1.0.0 changed" in stale


def test_unknown_certificate_is_404(client: httpx.Client) -> None:
    for cert_id in ("cert-20200101-00000000", "nope", "cert-20200101-00000000.pdf"):
        page = client.get(f"/certificates/{cert_id}", headers=HTML)
        assert page.status_code == 404, cert_id
        assert page.headers["content-type"].startswith("text/html")
        assert 'role="alert"' in page.text
        check_accessible(page.text, "en")
        assert client.get(f"/certificates/{cert_id}").status_code == 404


# the PDF


def pdf_text(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(answer.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_pdf_states_holder_interface_version_state_and_dates(
    client: httpx.Client, issued: Issued
) -> None:
    cert = issued.valid
    answer = client.get(f"/certificates/{cert.id}.pdf")
    assert answer.headers["content-disposition"] == f'inline; filename="{cert.id}.pdf"'
    text = pdf_text(answer)
    assert "Civil Registry Office (civreg)" in text
    assert "civreg-birth" in text and "2.0.0" in text
    assert t("en", "certificate.state.certified") in text
    issued = dt.datetime.fromisoformat(cert.issued.replace("Z", "+00:00"))
    assert format_date(issued, format="long", locale="en") in text
    until = dt.date.fromisoformat(cert.valid_until[:10])
    assert format_date(until, format="long", locale="en") in text
    assert cert.suite_sha256 in text.replace(" ", "")


def test_revoked_pdf_says_revoked_with_the_reason_as_written(
    client: httpx.Client, issued: Issued
) -> None:
    text = pdf_text(client.get(f"/certificates/{issued.revoked.id}.pdf"))
    assert t("en", "certificate.state.revoked") in text
    assert "certifier-bob" in text
    assert "Évidence forgée: Łódź's test system" in text  # beyond Latin-1, nothing folded
    german = pdf_text(
        client.get(f"/certificates/{issued.revoked.id}.pdf", headers={"Accept-Language": "de"})
    )
    assert t("de", "certificate.state.revoked") in german


def test_unknown_certificate_pdf_is_404(client: httpx.Client) -> None:
    assert client.get("/certificates/cert-20200101-00000000.pdf").status_code == 404


# the badge


@pytest.mark.parametrize(
    ("agency", "interface", "version", "text"),
    [
        ("civreg", "civreg-birth", "2.0.0", "certified 2.0.0"),
        ("socsec", "civreg-birth", "2.0.0", "expired 2.0.0"),
        ("busreg", "civreg-birth", "2.0.0", "revoked 2.0.0"),
        ("tax", "tax-vat-return", "1.0.0", "needs re-certification 1.0.0"),
        ("vehreg", "civreg-birth", "2.0.0", "not certified 2.0.0"),
        ("civreg", "civreg-birth", "1.0.0", "not certified 1.0.0"),
    ],
)
def test_badge_shows_the_state(
    client: httpx.Client, agency: str, interface: str, version: str, text: str
) -> None:
    answer = client.get(f"/badge/{agency}/{interface}/{version}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.headers["cache-control"] == "max-age=300"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert f'aria-label="NIF: {text}"' in answer.text


def test_badge_etag(client: httpx.Client) -> None:
    first = client.get("/badge/civreg/civreg-birth/2.0.0")
    etag = first.headers["etag"]
    again = client.get("/badge/civreg/civreg-birth/2.0.0", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    other = client.get("/badge/socsec/civreg-birth/2.0.0")
    assert other.headers["etag"] != etag
    stale = client.get("/badge/socsec/civreg-birth/2.0.0", headers={"If-None-Match": etag})
    assert stale.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/badge/nobody/civreg-birth/2.0.0",
        "/badge/civreg/no-such-interface/2.0.0",
        "/badge/civreg/civreg-birth/9.9.9",
    ],
)
def test_badge_of_what_does_not_exist_is_404(client: httpx.Client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/json")
    assert "image/svg" not in answer.headers["content-type"]


# the interface and agency pages


def test_interface_page_shows_certificates_and_the_certification_page(
    client: httpx.Client, issued: Issued
) -> None:
    body = client.get("/interfaces/civreg-birth").text
    check_accessible(body, "en")
    section = body[body.index('id="v-2.0.0-certificates"') :]
    for cert in (issued.valid, issued.expired, issued.revoked):
        assert f'href="/certificates/{cert.id}"' in section
    assert '<a href="/agencies/socsec">Social Security Institute</a>' in section
    words = text_of(section)
    for state in ("certified", "expired", "revoked"):
        assert t("en", f"certificate.state.{state}") in words
    assert 'href="/certification/civreg-birth/2.0.0"' in body
    assert 'href="/certification/civreg-birth/1.0.0"' not in body  # no suite for 1.0.0
    assert 'id="v-1.0.0-certificates"' not in body
    tax = client.get("/interfaces/tax-vat-return").text
    assert f'href="/certificates/{issued.stale.id}"' in tax
    assert t("en", "certificate.state.needs_recertification") in text_of(tax)


def test_agency_page_lists_its_certificates(client: httpx.Client, issued: Issued) -> None:
    body = client.get("/agencies/busreg", headers={"Accept-Language": "fr"}).text
    check_accessible(body, "fr")
    assert f'href="/certificates/{issued.revoked.id}"' in body
    assert t("fr", "certificate.state.revoked") in text_of(body)
    assert "NIF: révoqué 2.0.0" in body  # the badge in the page's language
    none = client.get("/agencies/vehreg").text
    assert t("en", "agency.certificates.none") in none


# the example queries


def select(client: httpx.Client, query: str) -> list[dict[str, str]]:
    answer = client.post(
        "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200, answer.text[:500]
    return [
        {name: value["value"] for name, value in row.items()}
        for row in answer.json()["results"]["bindings"]
    ]


def test_example_valid_certificates(client: httpx.Client, issued: Issued) -> None:
    query = BY_ID["certified-agencies"].query
    rows = select(client, query)
    assert [(r["agency"], r["version"], r["certificate"]) for r in rows] == [
        ("civreg", "2.0.0", issued.valid.iri)
    ]
    vat = query.replace('"civreg-birth"', '"tax-vat-return"').replace(">= 2", ">= 1")
    assert select(client, vat) == []  # stale: its pinned checksums are no longer current
    older = query.replace(">= 2", ">= 3")
    assert select(client, older) == []


def test_example_needs_recertification(client: httpx.Client, issued: Issued) -> None:
    rows = select(client, BY_ID["needs-recertification"].query)
    assert [(r["certificate"], r["agency"], r["interface"], r["version"]) for r in rows] == [
        (issued.stale.iri, "tax", "tax-vat-return", "1.0.0")
    ]
    assert rows[0]["artefactsChanged"] == "true" and rows[0]["suiteChanged"] == "false"


def test_example_failed_cases(client: httpx.Client, issued: Issued) -> None:
    rows = select(client, BY_ID["failed-cases"].query)
    assert [(r["runId"], r["case"], r["mandatory"]) for r in rows] == [
        (issued.revoked.run, "reject-mother-born-after-child", "false")
    ]
    assert rows[0]["title"] and rows[0]["summary"]


def test_examples_on_the_query_page(client: httpx.Client) -> None:
    for example in sorted(CERTIFICATE_EXAMPLES):
        body = client.get(f"/query?example={example}").text
        assert 'role="alert"' not in body, example
        assert result_cells(body), example
        check_accessible(body, "en")
