"""The three languages done properly: French typography, dates, error pages and API errors in
German and French, step names, badges and vocabulary labels on the pages."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import DCTERMS, FOAF, SKOS

from nif.certify import badge_svg
from nif.certify._badge import TRANSLATED_TEXTS, BadgeState
from nif.web import _errors
from nif.web.pages import _i18n
from nif.web.pages._dates import date_text, datetime_text
from nif.web.pages._vocabulary import concept_label
from tests.conftest import ROOT
from tests.web.conftest import LiveServer
from tests.web.test_pages import HTML, INVALID, TARGET, check_accessible, t

PAGES = Path(_i18n.__file__).parent
ADMS = Namespace("http://www.w3.org/ns/adms#")
NNBSP = "\u202f"
CODE_EXAMPLES = {"certification.headers_help"}
"""French messages quoting code (an HTTP header `Name: value`), which keeps its own colon."""


def _french() -> dict[str, str]:
    text = (PAGES / "locales" / "fr.toml").read_text("utf-8")
    return _i18n._flatten(tomllib.loads(text))


def _prose(text: str) -> str:
    """`text` without placeholders, URLs, markup and code, which follow no typography."""
    return re.sub(r"\{[^}]*\}|https?://\S*|<[^>]*>|`[^`]*`|\?[a-z_]+=", "", text)


# French typography


def typography_faults(key: str, text: str) -> list[str]:
    """What `text` gets wrong of French typography (empty when nothing)."""
    prose = _prose(text)
    faults = []
    if re.search(r"[ \u00a0][:;!?»]", prose):
        faults.append("a space, not U+202F, before : ; ! ? »")
    if re.search(r"«[ \u00a0]", prose):
        faults.append("a space, not U+202F, after «")
    if re.search(r"«(?!\u202f)|(?<!\u202f)»", prose):
        faults.append("« » without U+202F inside")
    if key not in CODE_EXAMPLES and re.search(r"\w[:;!?](\s|$)", prose):
        faults.append("no U+202F before : ; ! ?")
    return faults


def test_french_messages_set_a_narrow_no_break_space_before_high_punctuation() -> None:
    faults = {key: f for key, text in _french().items() if (f := typography_faults(key, text))}
    assert not faults, faults


def test_the_typography_check_finds_each_fault() -> None:
    assert typography_faults("k", "Réponse : {answer}") != []
    assert typography_faults("k", "Réponse\u00a0: oui") != []
    assert typography_faults("k", "Réponse: oui") != []
    assert typography_faults("k", "la politique « {policy} »") != []
    assert typography_faults("k", "Réponse\u202f: « oui\u202f» ?") != []
    assert typography_faults("k", "Réponse\u202f: «\u202foui\u202f»\u202f?") == []
    assert typography_faults("k", "L'adresse https://exemple.fr/a?b=c, voir `Nom: valeur`") == []


def test_templates_put_no_fixed_colon_after_a_translated_label() -> None:
    """A colon after a label is `t("punct.colon")`, narrow-spaced in French."""
    for template in sorted((PAGES / "templates").glob("*.html")):
        text = template.read_text("utf-8")
        assert not re.search(r"\}\}:(\s|$)", text), template.name
    assert _i18n.catalogue("fr")["punct.colon"] == NNBSP + ":"
    assert _i18n.catalogue("de")["punct.colon"] == ":"


# dates


@pytest.mark.parametrize(
    ("lang", "day", "moment"),
    [
        ("en", "December 31, 2025", "March 4, 2026, 9:05:00\u202fAM UTC"),
        ("de", "31. Dezember 2025", "4. März 2026, 09:05:00 UTC"),
        ("fr", "31 décembre 2025", "4 mars 2026, 09:05:00 UTC"),
    ],
)
def test_one_date_format_per_language(lang: str, day: str, moment: str) -> None:
    assert date_text("2025-12-31", lang) == day
    assert date_text(dt.date(2025, 12, 31), lang) == day
    assert date_text("2025-12-31T23:00:00Z", lang) == day
    at = "2026-03-04T10:05:00+01:00"  # shown in UTC, whatever zone it was written in
    shown = datetime_text(at, lang)
    assert shown.replace("TU", "UTC").replace(" ", " ") == moment.replace(" ", " ")
    assert datetime_text(dt.datetime(2026, 3, 4, 9, 5, tzinfo=dt.UTC), lang) == shown


def test_dates_never_fail_a_page() -> None:
    assert date_text(None, "de") == "" and datetime_text("", "fr") == ""
    assert date_text("next tuesday", "de") == "next tuesday"
    assert datetime_text("2026-13-45T99:00", "fr") == "2026-13-45T99:00"


def test_certificate_dates_on_pages_follow_the_language(client: httpx.Client) -> None:
    """Certification pages list no certificates in the bare demo; the filters' use on them is
    covered by tests/web/test_certificate_pages.py. Here: the error page of an unknown one."""
    answer = client.get(
        "/certificates/cert-20200101-00000000", headers={**HTML, "Accept-Language": "de"}
    )
    assert answer.status_code == 404
    assert f"<h1>{t('de', 'error.404')}</h1>" in answer.text


# errors


def _codes() -> set[str]:
    return (
        {code for _, _, code in _errors._STATUS} | set(_errors._HTTP_CODES.values()) | {"internal"}
    )


@pytest.mark.parametrize("lang", _i18n.LANGUAGES)
def test_every_error_code_is_explained_in_every_language(lang: str) -> None:
    missing = {c for c in _codes() if f"error.code.{c}" not in _i18n.catalogue(lang)}
    assert not missing, missing


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_error_page_explains_the_code_in_the_language_and_keeps_the_detail(
    client: httpx.Client, lang: str
) -> None:
    answer = client.get("/interfaces/no-such-interface", headers={**HTML, "Accept-Language": lang})
    assert answer.status_code == 404
    body = answer.text
    assert f"<h1>{t(lang, 'error.404')}</h1>" in body
    assert t(lang, "error.code.not_found") in body
    assert '<span lang="en">' in body and "no-such-interface" in body  # nif's detail, marked
    check_accessible(body, lang)


def test_refusals_of_the_service_are_translated_pages(client: httpx.Client) -> None:
    """405 and 415-like refusals come from the framework, not from nif: still translated."""
    answer = client.delete("/agencies", headers={**HTML, "Accept-Language": "fr"})
    assert answer.status_code == 405
    assert f"<h1>{t('fr', 'error.405')}</h1>" in answer.text
    assert t("fr", "error.code.method_not_allowed") in answer.text


def test_too_large_upload_page_in_german(make_server: Callable[..., LiveServer]) -> None:
    small = make_server(max_upload_bytes=1000, max_message_bytes=1000)
    with small.client() as client:
        answer = client.post(
            "/self-test",
            data={"target": ""},
            files={"file": ("big.xml", b"<a>" + b"x" * 2000 + b"</a>", "application/xml")},
            headers={**HTML, "Accept-Language": "de"},
        )
    assert answer.status_code == 413
    assert f"<h1>{t('de', 'error.413')}</h1>" in answer.text
    assert t("de", "error.code.too_large") in answer.text
    assert "max_upload_bytes" in answer.text  # the detail, with the limit's name, kept
    check_accessible(answer.text, "de")


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_api_errors_add_a_localized_message_when_asked(client: httpx.Client, lang: str) -> None:
    answer = client.get("/api/interfaces/no-such-interface", headers={"Accept-Language": lang})
    assert answer.status_code == 404
    body = answer.json()
    assert body["error"] == "not_found"
    assert "no-such-interface" in body["message"]  # English, as before
    assert body["localized_message"] == t(lang, "error.code.not_found")


def test_api_errors_in_english_stay_as_they_were(client: httpx.Client) -> None:
    for header in ({}, {"Accept-Language": "en-GB"}, {"Accept-Language": "it, es;q=0.5"}):
        body = client.get("/api/interfaces/no-such-interface", headers=header).json()
        assert "localized_message" not in body, header
        assert set(body) == {"status", "error", "message"}


def test_invalid_parameters_are_explained_too(client: httpx.Client) -> None:
    answer = client.get(
        "/api/interfaces", params={"limit": "many"}, headers={"Accept-Language": "de"}
    )
    assert answer.status_code == 400
    assert answer.json()["localized_message"] == t("de", "error.code.bad_request")


# words on the pages


def test_report_steps_are_named_in_words(client: httpx.Client) -> None:
    answer = client.post(
        "/self-test",
        data={"target": TARGET},
        files={"file": (INVALID.name, INVALID.read_bytes(), "application/xml")},
        headers={"Accept-Language": "de"},
    )
    assert answer.status_code == 200
    headings = re.findall(r'<section class="step[^"]*">\s*<h3>(.*?) <span', answer.text)
    assert f"{t('de', 'step.name.xsd')} <code>birth.xsd</code>" in headings, headings
    assert f"{t('de', 'step.name.schematron')} <code>birth.sch</code>" in headings, headings
    assert t("de", "step.name.parse") in headings, headings


@pytest.mark.parametrize("lang", _i18n.LANGUAGES)
def test_transport_is_the_vocabulary_label_in_the_language(client: httpx.Client, lang: str) -> None:
    body = client.get("/interfaces/vehreg-inspection", headers={"Accept-Language": lang}).text
    label = concept_label("mq", "transports", lang)
    assert f"<dd>{label}</dd>" in body
    assert (
        label
        == {"en": "Message queue", "de": "Nachrichtenwarteschlange", "fr": "File de messages"}[lang]
    )


def test_unknown_concepts_are_shown_as_they_are() -> None:
    assert concept_label("carrier-pigeon", "transports", "de") == "carrier-pigeon"


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_badges_speak_the_page_language(lang: str) -> None:
    for state, text in TRANSLATED_TEXTS[lang].items():
        svg = badge_svg(state, "2.0.0", lang)
        assert f">{text} 2.0.0</text>" in svg
        assert f'xml:lang="{lang}"' in svg
    assert ">certified 2.0.0</text>" in badge_svg(BadgeState.CERTIFIED, "2.0.0")
    assert ">certified 2.0.0</text>" in badge_svg(BadgeState.CERTIFIED, "2.0.0", "it")
    assert set(TRANSLATED_TEXTS[lang]) == set(BadgeState)


# record data in the reader's language


@pytest.mark.parametrize(
    ("lang", "agency", "title", "notes"),
    [
        ("en", "Civil Registry Office", "Birth registration", "Adds the mother's"),
        ("de", "Standesamt", "Geburtsbeurkundung", "Ergänzt die persönliche Kennung der Mutter"),
        (
            "fr",
            "Office de l\u2019état civil",
            "Enregistrement des naissances",
            "Ajoute l\u2019identifiant",
        ),
    ],
)
def test_demo_records_are_shown_in_the_page_language(
    client: httpx.Client, lang: str, agency: str, title: str, notes: str
) -> None:
    headers = {"Accept-Language": lang}
    catalogue = client.get("/", params={"q": "birth"}, headers=headers).text
    assert f">{title}</a>" in catalogue
    interface = client.get("/interfaces/civreg-birth", headers=headers).text
    assert f"<h1>{title}</h1>" in interface
    assert notes.replace("'", "&#39;") in interface
    assert agency in client.get("/agencies", headers=headers).text


def test_every_demo_text_has_german_and_french() -> None:
    """Titles, descriptions, agency names and version notes of the demo records: each English
    text has a German and a French one beside it."""
    texts = {DCTERMS.title, DCTERMS.description, SKOS.prefLabel, FOAF.name, ADMS.versionNotes}
    paths = [*ROOT.glob("registry/agencies/*.ttl"), *ROOT.glob("registry/interfaces/*/*.ttl")]
    lacking = []
    for path in paths:
        graph = Graph().parse(path)
        for subject, prop, value in graph:
            if prop not in texts or not (isinstance(value, Literal) and value.language == "en"):
                continue
            langs = {v.language for v in graph.objects(subject, prop) if isinstance(v, Literal)}
            if not {"de", "fr"} <= langs:
                lacking.append(f"{path.parent.name}/{path.name}: {value}")
    assert len(paths) >= 13 and not lacking, lacking


def test_the_badge_route_speaks_the_language_named_in_the_url(client: httpx.Client) -> None:
    path = "/badge/vehreg/civreg-birth/2.0.0"
    answers = {lang: client.get(path, params={"lang": lang}) for lang in ("de", "fr", "xx")}
    assert ">nicht zertifiziert 2.0.0</text>" in answers["de"].text
    assert ">non certifié 2.0.0</text>" in answers["fr"].text
    assert ">not certified 2.0.0</text>" in answers["xx"].text  # unknown: English
    plain = client.get(path, headers={"Accept-Language": "de"})
    assert ">not certified 2.0.0</text>" in plain.text  # the same for every visitor
    assert len({a.headers["etag"] for a in (*answers.values(), plain)}) == 3
