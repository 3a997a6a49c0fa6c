"""The web pages over HTTP: every page in every language, negotiation, escaping, forms, errors,
and the accessibility basics a parser can check (labels, headings, contrast)."""

from __future__ import annotations

import base64
import html.parser
import json
import re
import string
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from nif.web.pages import _i18n
from nif.web.pages._examples import EXAMPLES
from tests.conftest import ROOT
from tests.web.conftest import LiveServer

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
EXAMPLES_DIR = ROOT / "registry" / "interfaces" / "civreg-birth" / "examples" / "2.0.0"
VALID = EXAMPLES_DIR / "BirthNotification" / "valid-newborn.xml"
INVALID = EXAMPLES_DIR / "BirthNotification" / "invalid-mother-born-after-child.xml"
TARGET = "civreg-birth@2.0.0/BirthNotification"

PAGES = [
    "/",
    "/?q=birth&agency=civreg&status=Completed",
    "/agencies",
    "/agencies/civreg",
    "/interfaces/civreg-birth",
    "/self-test",
    "/self-test?interface=civreg-birth&version=2.0.0&message_type=BirthNotification",
    "/query",
    *(f"/query?example={e.id}" for e in EXAMPLES),
    "/certification/civreg-birth/2.0.0",
    "/certification",
    "/certification/runs/run-20260101-0a1b2c3d",
    "/certificates",
    "/certificates?agency=civreg&interface=civreg-birth&state=certified",
]


class Outline(html.parser.HTMLParser):
    """What the accessibility checks need from a page: html lang, headings, form controls and
    their labels, ids, tables and their header cells."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headings: list[int] = []
        self.labels: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.ids: list[str] = []
        self.tables = 0
        self.header_cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
        elif tag == "table":
            self.tables += 1
        elif tag == "th":
            self.header_cells += 1


def outline(text: str) -> Outline:
    parser = Outline()
    parser.feed(text)
    return parser


def check_accessible(text: str, lang: str) -> None:
    page = outline(text)
    assert page.lang == lang
    assert page.headings.count(1) == 1, page.headings
    assert page.headings[0] == 1
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    for control in page.controls:
        assert control.get("id") in page.labels or control.get("aria-label"), control
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    if page.tables:
        assert page.header_cells >= page.tables
    assert 'href="#main"' in text and 'id="main"' in text


def t(lang: str, key: str, **values: object) -> str:
    return _i18n.Translator(lang)(key, **values)


# the catalogues


def test_every_key_exists_in_every_language_with_the_same_placeholders() -> None:
    english = _i18n.catalogue("en")
    formatter = string.Formatter()
    for lang in _i18n.LANGUAGES:
        messages = _i18n.catalogue(lang)
        assert set(messages) == set(english), f"{lang}: {set(messages) ^ set(english)}"
        for key, text in messages.items():
            fields = {f for _, f, _, _ in formatter.parse(text) if f}
            expected = {f for _, f, _, _ in formatter.parse(english[key]) if f}
            assert fields == expected, f"{lang}.{key}"
            assert text.strip(), f"{lang}.{key} is empty"


def test_every_key_a_template_uses_is_in_the_catalogue() -> None:
    folder = Path(_i18n.__file__).parent
    sources = [*folder.glob("templates/*.html"), *folder.glob("*.py")]
    used = set()
    for source in sources:
        used |= set(
            re.findall(
                r"""\bt\(\s*["']([a-z_]+(?:\.[A-Za-z0-9_-]+)+)["']\s*[,)]""", source.read_text()
            )
        )
    assert used, "no keys found: the pattern is wrong"
    assert used <= set(_i18n.catalogue("en")), used - set(_i18n.catalogue("en"))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
        ("da, de;q=0.5, en;q=0.3", "de"),
        ("en;q=0.2, de-AT;q=0.9", "de"),
        ("de;q=0, fr;q=0.1", "fr"),
        ("da, *;q=0.1", "en"),
        ("da, nl", None),
        ("", None),
        ("de;q=abc, fr", "fr"),
    ],
)
def test_accept_language_by_q_value(header: str, expected: str | None) -> None:
    assert _i18n.negotiate(header) == expected


# every page, every language


@pytest.mark.parametrize("lang", _i18n.LANGUAGES)
def test_every_page_in_every_language(client: httpx.Client, lang: str) -> None:
    for path in PAGES:
        answer = client.get(path, headers={"Accept-Language": lang})
        assert answer.status_code == 200, (path, answer.text[:500])
        assert answer.headers["content-type"].startswith("text/html")
        check_accessible(answer.text, lang)
        assert t(lang, "nav.skip") in answer.text
        assert t(lang, "site.name") in answer.text


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/", "catalogue.title"),
        ("/agencies", "agencies.title"),
        ("/interfaces/civreg-birth", "interface.current"),
        ("/self-test", "self_test.detect"),
        ("/query", "query.examples"),
        ("/certification/civreg-birth/2.0.0", "certification.run_evidence"),
        ("/certification", "certification.index.show_runs"),
        ("/certification/runs/run-20260101-0a1b2c3d", "certification.public.open_submit"),
        ("/certificates", "certificates.any_state"),
    ],
)
def test_pages_speak_the_language_asked(client: httpx.Client, path: str, key: str) -> None:
    texts = {lang: t(lang, key) for lang in _i18n.LANGUAGES}
    assert len(set(texts.values())) == 3, "the three translations should differ"
    for lang, text in texts.items():
        body = client.get(path, headers={"Accept-Language": lang}).text
        assert text in body
        others = [v for k, v in texts.items() if k != lang]
        assert not any(other in body for other in others), (lang, key)


def test_lang_parameter_is_remembered_in_a_cookie(server: LiveServer) -> None:
    with server.client() as browser:
        chosen = browser.get("/?lang=de", headers={"Accept-Language": "fr"})
        assert '<html lang="de">' in chosen.text
        assert chosen.cookies.get("nif_lang") == "de"
        later = browser.get("/query", headers={"Accept-Language": "fr"})
        assert '<html lang="de">' in later.text
        switched = browser.get("/query?lang=fr")
        assert '<html lang="fr">' in switched.text
        assert '<html lang="fr">' in browser.get("/").text
    with server.client() as fresh:
        assert '<html lang="fr">' in fresh.get("/", headers={"Accept-Language": "fr"}).text
        assert '<html lang="en">' in fresh.get("/", headers={"Accept-Language": "nl"}).text
        assert '<html lang="en">' in fresh.get("/?lang=xx").text
        assert "nif_lang" not in fresh.get("/?lang=xx").cookies


def test_the_switcher_keeps_the_other_parameters(client: httpx.Client) -> None:
    body = client.get("/?q=birth&agency=civreg&lang=en").text
    assert 'href="/?q=birth&amp;agency=civreg&amp;lang=de"' in body
    assert 'href="/?q=birth&amp;agency=civreg&amp;lang=fr"' in body


# catalogue


def rows(body: str) -> list[str]:
    return re.findall(r'<a href="/interfaces/([^"]+)">', body)


def test_catalogue_search_and_filters(client: httpx.Client) -> None:
    everything = rows(client.get("/").text)
    assert len(everything) == 8 and "civreg-birth" in everything
    assert rows(client.get("/?q=BIRTH").text) == ["civreg-birth"]
    assert rows(client.get("/?agency=civreg").text) == ["civreg-address", "civreg-birth"]
    assert rows(client.get("/?agency=civreg&q=address").text) == ["civreg-address"]
    assert rows(client.get("/?status=Completed").text) == everything
    empty = client.get("/?status=Withdrawn", headers={"Accept-Language": "de"})
    assert rows(empty.text) == [] and t("de", "pager.none") in empty.text
    selected = client.get("/?agency=civreg&status=Completed").text
    assert '<option value="civreg" selected>' in selected
    assert '<option value="Completed" selected>' in selected


def test_catalogue_pages(client: httpx.Client) -> None:
    first = client.get("/?limit=3").text
    assert len(rows(first)) == 3
    assert 'rel="next" href="/?limit=3&amp;offset=3"' in first
    assert 'rel="prev"' not in first
    last = client.get("/?limit=3&offset=6").text
    assert len(rows(last)) == 2
    assert 'rel="prev" href="/?limit=3&amp;offset=3"' in last
    assert 'rel="next"' not in last
    seen = rows(first) + rows(client.get("/?limit=3&offset=3").text) + rows(last)
    assert seen == rows(client.get("/").text)


def test_catalogue_refuses_bad_filters_with_an_html_page(client: httpx.Client) -> None:
    for query in ("?status=Bogus", "?limit=0", "?limit=100000", "?agency=nobody"):
        answer = client.get("/" + query, headers=HTML)
        assert answer.status_code in (400, 404), query
        assert answer.headers["content-type"].startswith("text/html")
        assert 'role="alert"' in answer.text
        check_accessible(answer.text, "en")


def test_agency_page(client: httpx.Client) -> None:
    body = client.get("/agencies/civreg").text
    assert "<h1>Civil Registry Office</h1>" in body
    assert rows(body) == ["civreg-address", "civreg-birth"]
    assert "mailto:iop@civreg.example.gov" in body
    assert 'href="/agencies/civreg"' in client.get("/agencies").text


def test_interface_page_lists_versions_types_downloads_and_examples(
    client: httpx.Client,
) -> None:
    body = client.get("/interfaces/civreg-birth", headers={"Accept-Language": "fr"}).text
    assert "<h1>Enregistrement des naissances</h1>" in body  # the record's @fr title
    for version, status in (("2.0.0", "Completed"), ("1.0.0", "Deprecated")):
        assert f'id="v-{version}"' in body
        assert t("fr", f"status.{status}") in body
    assert "Première version. Dépréciée depuis la 2.0.0" in body
    assert "{urn:nif:demo:civreg:birth:2}BirthRegistration" in body
    assert t("fr", "direction.response") in body
    downloads = re.findall(r'href="(/api/artefacts/[0-9a-f]{64})" download="([^"]+)"', body)
    names = {name for _, name in downloads}
    assert {"birth.xsd", "birth.sch", "valid-newborn.xml"} <= names
    try_it = (
        "/self-test?interface=civreg-birth&amp;version=2.0.0&amp;message_type=BirthRegistration"
    )
    assert try_it in body


def test_schema_downloads_are_served(client: httpx.Client) -> None:
    body = client.get("/interfaces/civreg-birth").text
    href = re.search(r'href="(/api/artefacts/[0-9a-f]{64})" download="birth.xsd"', body)
    assert href is not None
    answer = client.get(href.group(1))
    assert answer.status_code == 200
    assert b"<xs:schema" in answer.content or b"<xsd:schema" in answer.content


# self-test


def self_test(client: httpx.Client, **data: str) -> httpx.Response:
    return client.post("/self-test", data=data, files={"file": ("", b"")})


def test_self_test_shows_an_invalid_verdict_with_the_offending_line(client: httpx.Client) -> None:
    content = INVALID.read_bytes()
    answer = client.post(
        "/self-test",
        data={"target": TARGET},
        files={"file": (INVALID.name, content, "application/xml")},
        headers={"Accept-Language": "de"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.text
    assert f"{t('de', 'self_test.verdict')}: {t('de', 'verdict.invalid')}" in body
    assert INVALID.name in body
    excerpt = re.search(
        r'<pre class="excerpt"[^>]*><span class="lineno">(\d+)</span> <code>(.*?)</code></pre>',
        body,
        re.S,
    )
    assert excerpt is not None
    number = int(excerpt.group(1))
    line = content.decode().split("\n")[number - 1]
    assert excerpt.group(2) == html_escape(line)
    assert t("de", "self_test.line", line=number) in body
    assert "BIRTH-02" in body
    # the uploaded message comes back in the text area, to edit and retest
    assert html_escape(content.decode().split("\n")[0]) in body


def html_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def test_self_test_detects_the_message_type_of_a_pasted_message(client: httpx.Client) -> None:
    answer = self_test(client, target="", message=VALID.read_text())
    assert answer.status_code == 200
    assert f"{t('en', 'self_test.verdict')}: {t('en', 'verdict.valid')}" in answer.text
    assert TARGET in answer.text


def test_self_test_report_downloads_are_the_report(client: httpx.Client) -> None:
    body = self_test(client, target=TARGET, message=INVALID.read_text()).text
    found = dict(
        (name, url)
        for url, name in re.findall(
            r'href="data:[^;]+;charset=utf-8;base64,([A-Za-z0-9+/=]+)" download="([^"]+)"', body
        )
    )
    report = json.loads(base64.b64decode(found["pasted_message.json"]))
    assert report["verdict"] == "invalid"
    assert report["profile"] == TARGET
    assert any(f["rule_id"] == "BIRTH-02" for f in report["findings"])
    junit = base64.b64decode(found["pasted_message.junit.xml"]).decode()
    assert junit.startswith("<?xml") and "<testsuites" in junit and "BIRTH-02" in junit


def test_self_test_escapes_the_message_and_its_findings(client: httpx.Client) -> None:
    hostile = '<script>alert("x")</script>\n<b onmouseover="x">&amp;</b'
    answer = self_test(client, target="", message=hostile)
    assert "<script>alert" not in answer.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in answer.text
    assert '<b onmouseover="x">' not in answer.text


def test_self_test_refusals_are_shown_beside_the_form(client: httpx.Client) -> None:
    empty = client.post(
        "/self-test",
        data={"target": "", "message": "  "},
        files={"file": ("", b"")},
        headers={"Accept-Language": "fr"},
    )
    assert empty.status_code == 400
    assert f'<p lang="fr">{html_escape(t("fr", "self_test.empty"))}</p>' in empty.text
    check_accessible(empty.text, "fr")
    bad_target = self_test(client, target="civreg-birth", message=VALID.read_text())
    assert bad_target.status_code == 400
    assert "INTERFACE@VERSION/MESSAGE-TYPE" in bad_target.text
    unknown = self_test(client, target="nope@1.0.0/X", message=VALID.read_text())
    assert unknown.status_code == 404
    assert 'role="alert"' in unknown.text and "nope" in unknown.text
    # the chosen target stays selected, even when the list does not have it
    assert '<option value="nope@1.0.0/X" selected>' in unknown.text
    undetectable = self_test(client, target="", message="<unknown xmlns='urn:x'/>")
    assert undetectable.status_code == 422
    assert t("en", "self_test.refused") in undetectable.text
    assert '<p lang="en">no registered message type' in undetectable.text  # nif speaks English


def test_self_test_form_is_prefilled_from_the_interface_page(client: httpx.Client) -> None:
    body = client.get(
        "/self-test?interface=civreg-birth&version=2.0.0&message_type=BirthNotification"
    ).text
    assert f'<option value="{TARGET}" selected>' in body
    assert 'enctype="multipart/form-data"' in body


def test_self_test_refuses_an_upload_over_the_limit(
    make_server: Callable[..., LiveServer],
) -> None:
    small = make_server(max_upload_bytes=1000, max_message_bytes=1000)
    with small.client() as client:
        answer = client.post(
            "/self-test",
            data={"target": ""},
            files={"file": ("big.xml", b"<a>" + b"x" * 2000 + b"</a>", "application/xml")},
            headers=HTML,
        )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "max_upload_bytes" in answer.text
    check_accessible(answer.text, "en")


# SPARQL page


def result_cells(body: str) -> list[str]:
    table = re.search(r'<table class="results">(.*?)</table>', body, re.S)
    assert table is not None, body[-2000:]
    return re.findall(r"<td>(.*?)</td>", table.group(1), re.S)


CERTIFICATE_EXAMPLES = {"certified-agencies", "needs-recertification", "failed-cases"}
"""Examples about certificates: none in the demo registry here, so no rows;
tests/web/test_certificate_pages.py runs them over issued certificates."""


def test_every_example_query_gives_a_table(client: httpx.Client) -> None:
    for example in EXAMPLES:
        body = client.get(f"/query?example={example.id}").text
        assert 'role="alert"' not in body, example.id
        assert result_cells(body) or example.id in CERTIFICATE_EXAMPLES, example.id
    body = client.get("/query?example=agency-interfaces").text
    cells = result_cells(body)
    assert "civreg-birth" in cells and "civreg-address" in cells
    assert '<th scope="col">interface</th>' in body
    assert html_escape(_examples_query("agency-interfaces")) in body


def _examples_query(id_: str) -> str:
    return next(e.query for e in EXAMPLES if e.id == id_)


def test_query_page_runs_a_posted_query_and_escapes_values(client: httpx.Client) -> None:
    query = 'SELECT ?v WHERE { BIND("<script>x</script>"@en AS ?v) }'
    answer = client.post("/query", data={"query": query})
    assert answer.status_code == 200
    assert "<script>x" not in answer.text
    assert '<span lang="en">&lt;script&gt;x&lt;/script&gt;</span>' in answer.text


def test_query_page_shows_ask_and_construct_answers(client: httpx.Client) -> None:
    ask = client.post(
        "/query", data={"query": 'ASK { ?s <http://purl.org/dc/terms/identifier> "civreg" }'}
    )
    assert t("en", "query.ask", answer=t("en", "query.yes")) in ask.text
    construct = client.post(
        "/query",
        data={
            "query": "CONSTRUCT { ?s <urn:x:id> ?id } WHERE"
            ' { ?s <http://purl.org/dc/terms/identifier> ?id FILTER(?id = "civreg") }'
        },
    )
    assert construct.status_code == 200
    assert '<th scope="col">subject</th>' in construct.text
    assert "urn:x:id" in construct.text


def test_query_page_shows_errors_clearly(client: httpx.Client) -> None:
    for query, status in (
        ("SELEKT nonsense", 400),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", 400),
    ):
        answer = client.post("/query", data={"query": query}, headers={"Accept-Language": "fr"})
        assert answer.status_code == status, answer.text[-1000:]
        assert t("fr", "query.error") in answer.text
        assert 'role="alert"' in answer.text
        assert html_escape(query) in answer.text  # the query stays in the text area
    unknown = client.get("/query?example=nope", headers=HTML)
    assert unknown.status_code == 404


# errors, static files, contrast


def test_unknown_pages_are_html_for_browsers_and_json_for_programs(client: httpx.Client) -> None:
    for path in ("/no-such-page", "/interfaces/no-such-interface", "/agencies/nobody"):
        page = client.get(path, headers={**HTML, "Accept-Language": "de"})
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert f"<h1>{t('de', 'error.404')}</h1>" in page.text
        check_accessible(page.text, "de")
        program = client.get(path, headers={"Accept": "application/json"})
        assert program.status_code == 404
        assert program.json()["error"] == "not_found"
    api = client.get("/api/no-such-thing", headers=HTML)
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/json")


def test_error_pages_escape_what_the_user_typed(client: httpx.Client) -> None:
    hostile = "/interfaces/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
    answer = client.get(hostile, headers={**HTML, "Accept-Language": "de"})
    assert answer.status_code == 404
    assert "<img src=x" not in answer.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in answer.text  # in nif's message
    assert 'href="/interfaces/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E?lang=fr"' in answer.text
    search = client.get("/", params={"q": '"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in search.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in search.text


def test_the_stylesheet_is_served(client: httpx.Client) -> None:
    answer = client.get("/static/nif.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in answer.text
    for bad in ("/static/nope.css", "/static/..%2Froutes.py", "/static/routes.py"):
        assert client.get(bad).status_code == 404, bad


CONTRAST_PAIRS = [
    ("text", "page"),
    ("text", "panel"),
    ("text", "code-bg"),
    ("muted", "page"),
    ("muted", "panel"),
    ("muted", "code-bg"),
    ("link", "page"),
    ("link", "panel"),
    ("brand-text", "brand"),
    ("brand", "page"),
    ("ok", "ok-bg"),
    ("ok", "page"),
    ("bad", "bad-bg"),
    ("bad", "page"),
    ("text", "bad-bg"),
    ("warn", "warn-bg"),
    ("warn", "page"),
    ("info", "info-bg"),
    ("info", "page"),
]
"""Every (text colour, background) pair the stylesheet uses, by custom property name."""


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_of_every_colour_pair_is_at_least_4_5() -> None:
    css = (Path(_i18n.__file__).parent / "static" / "nif.css").read_text()
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", css))
    assert contrast("#777777", "#ffffff") < 4.5 < contrast("#767676", "#ffffff")
    for fg, bg in CONTRAST_PAIRS:
        ratio = contrast(colours[fg], colours[bg])
        assert ratio >= 4.5, f"{fg} on {bg}: {ratio:.2f}"
    assert contrast(colours["focus"], colours["page"]) >= 3.0  # non-text contrast
    used = set(re.findall(r"var\(--([a-z-]+)\)", css))
    assert used <= set(colours), used - set(colours)
    paired = {name for pair in CONTRAST_PAIRS for name in pair} | {"line", "focus"}
    assert set(colours) <= paired, set(colours) - paired


def test_every_value_the_pages_translate_has_a_message() -> None:
    from nif.catalogue import STATUSES
    from nif.report import Severity, StepStatus, Verdict

    english = _i18n.catalogue("en")
    needed = {
        *(f"status.{s}" for s in STATUSES),
        *(f"severity.{s}" for s in Severity),
        *(f"step.{s}" for s in StepStatus),
        *(f"verdict.{v}" for v in Verdict),
        *(f"direction.{d}" for d in ("request", "response", "notification")),
        *(f"message.role_{r}" for r in ("schema", "rules")),
        *(f"lang.{lang}" for lang in _i18n.LANGUAGES),
        *(f"query.example.{e.id}" for e in EXAMPLES),
        *(f"error.{code}" for code in (400, 404, 413, 422, 429, 500, 503)),
    }
    assert needed <= set(english), needed - set(english)


def test_query_page_shows_the_row_limit_clearly(make_server: Callable[..., LiveServer]) -> None:
    limited = make_server(sparql_max_rows=3)
    with limited.client() as client:
        over = client.get("/query?example=versions-by-status")
        under = client.get("/query?example=agency-interfaces")
    assert over.status_code == 422
    alert = re.search(r'role="alert".*?</div>', over.text, re.S)
    assert alert is not None and "3" in alert.group(0)
    assert under.status_code == 200 and "civreg-birth" in result_cells(under.text)
