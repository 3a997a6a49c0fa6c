"""Hostile zips on the self-test page, hostile ids on the run pages and hostile certificate
filters: each refused with the translated page and a 4xx naming what is wrong (or simply
finding nothing), never a 500, nothing echoed unescaped.

The zip is read by `nif.archives.read_zip` (as the batch API and certification evidence are),
so zip-slip, bombs, encrypted and bad-UTF-8 entries meet the same guards here."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import httpx
import pytest

from tests.web.conftest import LiveServer, demo_home, make_server  # noqa: F401 (fixtures)
from tests.web.test_pages import HTML, VALID

MakeServer = Callable[..., LiveServer]


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(client: httpx.Client, content: bytes, name: str = "batch.zip") -> httpx.Response:
    return client.post(
        "/self-test",
        data={"target": ""},
        files={"file": (name, content, "application/zip")},
        headers={**HTML, "Accept-Language": "de"},
    )


def refusal(answer: httpx.Response, status: int) -> str:
    """The refusal shown beside the form, in the German page."""
    assert answer.status_code == status, answer.text
    assert '<html lang="de"' in answer.text
    found = re.search(r'<div class="alert error" role="alert"[^>]*>(.*?)</div>', answer.text, re.S)
    assert found is not None, answer.text
    return found.group(1)


@pytest.fixture
def small(make_server: MakeServer) -> LiveServer:  # noqa: F811
    return make_server(max_upload_bytes=300_000, validation_workers=1)


@pytest.mark.parametrize(
    ("entries", "status", "said"),
    [
        ({"../evil.xml": b"<a/>"}, 400, "outside"),
        ({"/etc/passwd.xml": b"<a/>"}, 400, "outside"),
        ({"a.xml": VALID.read_bytes(), "bomb.xml": b"<a>" + b" " * 400_000 + b"</a>"}, 413, ""),
        ({".hidden.xml": b"<a/>", "__MACOSX/x.xml": b"<a/>"}, 400, ""),
        ({f"{n}.xml": b"<a/>" for n in range(1001)}, 400, "1000"),
    ],
    ids=["zip-slip", "absolute", "bomb", "nothing-but-hidden", "too-many"],
)
def test_hostile_zips_are_refused_beside_the_form(
    small: LiveServer, entries: dict[str, bytes], status: int, said: str
) -> None:
    content = zipped(entries)
    with small.client() as client:
        shown = refusal(upload(client, content), status)
        assert "batch.zip" in shown and said in shown
        assert client.get("/health").status_code == 200


def test_not_a_zip_after_all_is_refused(small: LiveServer) -> None:
    with small.client() as client:
        shown = refusal(upload(client, b"PK\x03\x04 this is no archive"), 400)
        assert "zip" in shown


def test_hostile_entry_names_are_escaped(small: LiveServer) -> None:
    evil = '<img src=x onerror="alert(1)">.xml'
    with small.client() as client:
        answer = upload(client, zipped({evil: b"<a/>"}), name="<script>x</script>.zip")
    assert answer.status_code == 200, answer.text
    assert "<img src=x" not in answer.text and "<script>x" not in answer.text
    assert "&lt;img src=x onerror=" in answer.text
    assert 'download="img_src_x_onerror_alert_1.json"' in answer.text
    assert 'download="script.json"' in answer.text  # the name after its last "/"


@pytest.mark.parametrize(
    "path",
    [
        "/certification/runs/%3Cscript%3E",
        "/certification/runs/run-20260101-ZZZZZZZZ",
        "/certification/runs/" + "a" * 5000,
        "/certification/civreg-birth/%2e%2e/suite.zip",
        "/certification/%3Cscript%3E/1.0.0/suite.zip",
    ],
)
def test_hostile_run_ids_and_suite_names_are_404_pages(small: LiveServer, path: str) -> None:
    with small.client() as client:
        answer = client.get(path, headers=HTML)
        assert answer.status_code == 404, answer.text
        assert "<script>" not in answer.text
        posted = client.post(path, data={"token": "x"}, headers=HTML)
        assert posted.status_code in (404, 405), posted.text


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"agency": "<script>alert(1)</script>"}, 200),
        ({"interface": '" } } DELETE WHERE { ?s ?p ?o } #'}, 200),
        ({"agency": "x" * 5000}, 200),
        ({"state": "<b>revoked</b>"}, 400),
    ],
)
def test_hostile_certificate_filters_find_nothing_and_echo_nothing(
    small: LiveServer, params: dict[str, str], status: int
) -> None:
    with small.client() as client:
        answer = client.get("/certificates", params=params, headers=HTML)
        assert answer.status_code == status, answer.text
        assert "<script>alert" not in answer.text and "<b>revoked" not in answer.text
        if status == 200:
            assert "/certificates/cert-" not in answer.text
        assert client.get("/api/agencies").status_code == 200  # the store is intact
