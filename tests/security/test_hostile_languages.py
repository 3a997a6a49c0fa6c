"""Hostile input to what issue 15 added for languages and offline docs: `Accept-Language` and
`?lang=` that are garbage or huge, and names under `/docs/assets/` that try to reach other
files. Each gets a clear 4xx (or the page in a supported language), never a 500 or a file
outside the viewers' own."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.web import conftest as web
from tests.web.conftest import LiveServer

demo_home, server = web.demo_home, web.server  # the fixtures, for this module

HTML = {"Accept": "text/html"}
LANGUAGE_HEADERS = [
    "de;q=abc",
    "*;q=2, fr;q=-1",
    "x" * 8000,
    "ДЕ, 中文, de-\u202e",
    ";;;,,,q=",
    "de-DE-1996-x-private-" + "a" * 500,
]


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


@pytest.mark.parametrize("header", LANGUAGE_HEADERS)
def test_hostile_accept_language_on_api_errors(client: httpx.Client, header: str) -> None:
    answer = client.get("/api/interfaces/nothing", headers={"Accept-Language": header.encode()})
    assert answer.status_code == 404
    body = answer.json()
    assert body["error"] == "not_found"
    assert body.get("localized_message") in (
        None,
        "Das Angefragte gibt es nicht.",
        "Ce qui est demandé n\u2019existe pas.",
    )


@pytest.mark.parametrize("header", LANGUAGE_HEADERS)
def test_hostile_accept_language_on_pages(client: httpx.Client, header: str) -> None:
    headers = {**HTML, "Accept-Language": header.encode()}
    for path, status in (("/", 200), ("/interfaces/nothing", 404)):
        answer = client.get(path, headers=headers)
        assert answer.status_code == status, (path, header)
        assert '<html lang="en">' in answer.text or '<html lang="de">' in answer.text


@pytest.mark.parametrize("lang", ["xx", "../de", "de%00", "<script>", "DE" * 400])
def test_hostile_lang_parameter_falls_back(client: httpx.Client, lang: str) -> None:
    answer = client.get("/", params={"lang": lang}, headers=HTML)
    assert answer.status_code == 200
    assert '<html lang="en">' in answer.text
    assert "<script>" not in answer.text.split("<body", 1)[0]
    assert "nif_lang" not in answer.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "name",
    [
        "..%2Fcore.py",
        "..%2F..%2F__init__.py",
        "%2Fetc%2Fpasswd",
        "swagger-ui.css%00.js",
        "swagger-ui.css.map",
        "SWAGGER-UI.CSS",
        "a" * 2000,
    ],
)
def test_docs_assets_serve_only_the_viewers_files(client: httpx.Client, name: str) -> None:
    answer = client.get(f"/docs/assets/{name}")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
    assert "fastapi" not in answer.text.lower() or "no documentation asset" in answer.text


def test_docs_assets_refuse_writes(client: httpx.Client) -> None:
    for method in ("POST", "PUT", "DELETE"):
        answer = client.request(method, "/docs/assets/swagger-ui.css", content=b"x")
        assert answer.status_code == 405, method
        assert answer.json()["error"] == "method_not_allowed"
