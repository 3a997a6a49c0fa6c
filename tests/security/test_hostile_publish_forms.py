"""Hostile inputs to the publisher forms: another agency's token, path tricks in upload and file
names, uploads over the limit, script in titles. Each is refused with the translated form page
(4xx, never a 500) and stores nothing, or is stored as inert text."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from nif.registry import sorted_ntriples
from tests.conftest import ROOT
from tests.web.conftest import LiveServer, demo_home, make_server  # noqa: F401 (fixtures)
from tests.web.test_publish_pages import post, record

MakeServer = Callable[..., LiveServer]
XSD = ROOT / "registry/interfaces/civreg-birth/schemas/1.0.0/birth.xsd"
VERSION = "/interfaces/civreg-birth/publish/version"


@pytest.fixture
def live(make_server: MakeServer) -> LiveServer:  # noqa: F811
    return make_server(validation_workers=1, max_upload_bytes=200_000)


def refused(answer: httpx.Response, status: int, text: str) -> None:
    assert answer.status_code == status, answer.text[:2000]
    assert answer.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in answer.text and text in answer.text


def test_another_agencys_token_cannot_publish_for_it(live: LiveServer) -> None:
    tax = live.token("publisher", "tax")
    before = sorted_ntriples(record(live, "civreg-birth"))
    data = {"identifier": "civreg-death", "title_en": "Death", "token": tax}
    data["endpoint"] = "https://api.civreg.example.gov/death"
    refused(post(live, "/agencies/civreg/publish", data), 403, "cannot publish interfaces of")
    data = {"from": "2.0.0", "version": "2.1.0", "token": tax}
    refused(post(live, VERSION, data), 403, "")
    assert sorted_ntriples(record(live, "civreg-birth")) == before
    with live.client() as client:
        assert client.get("/api/records/civreg-death").status_code == 404


@pytest.mark.parametrize(
    "name", ["../birth.xsd", "..\\birth.xsd", "schemas/birth.xsd", ".htaccess", "a b.xsd", "..", ""]
)
def test_path_tricks_in_upload_names_are_refused(live: LiveServer, name: str) -> None:
    admin = live.token("admin")
    before = sorted_ntriples(record(live, "civreg-birth"))
    data = {"from": "2.0.0", "version": "2.1.0", "token": admin}
    files = [("files", (name or "x", XSD.read_bytes(), "application/xml"))] if name else []
    data |= {"mt_identifier": "Other", "mt_schema": name or "../../../etc/passwd"}
    data |= {"mt_root_name": "Other"}
    answer = post(live, VERSION, data, files)
    refused(answer, 400, "a file name may hold letters")
    assert sorted_ntriples(record(live, "civreg-birth")) == before


def test_examples_must_name_a_message_type_of_the_new_version(live: LiveServer) -> None:
    data = {"from": "2.0.0", "version": "2.1.0", "token": live.token("admin")}
    data["example_type"] = "../../tax-vat-return/1.0.0/VatReturn"
    files = [("valid_examples", ("x.xml", b"<x/>", "application/xml"))]
    refused(post(live, VERSION, data, files), 400, "is not a message type of 2.1.0")


def test_an_upload_over_the_limit_is_refused(live: LiveServer) -> None:
    data = {"from": "2.0.0", "version": "2.1.0", "token": live.token("admin")}
    files = [("files", ("big.xsd", b"<a/>" + b" " * 300_000, "application/xml"))]
    answer = post(live, VERSION, data, files)
    assert answer.status_code == 413
    assert "max_upload_bytes" in answer.text
    assert "/civreg-birth/2.1.0>" not in record(live, "civreg-birth").serialize(format="nt")


def test_script_in_titles_is_inert(live: LiveServer) -> None:
    script = '<script>alert("x")</script>'
    data = {"title_en": script, "title_de": f"Geburt {script}", "token": live.token("admin")}
    data |= {"endpoint": "https://api.civreg.example.gov/birth"}
    answer = post(live, "/interfaces/civreg-birth/publish/metadata", data)
    assert answer.status_code == 200, answer.text[:2000]
    with live.client() as client:
        for path in ("/interfaces/civreg-birth", "/interfaces/civreg-birth/publish", "/"):
            page = client.get(path, params={"lang": "en"}).text
            assert script not in page
            assert "&lt;script&gt;" in page


def test_a_bad_version_or_endpoint_shows_the_form_again(live: LiveServer) -> None:
    admin = live.token("admin")
    data = {"from": "2.0.0", "version": "2.1", "notes_en": "kept", "token": admin}
    answer = post(live, VERSION, data)
    refused(answer, 400, "expected a semantic version")
    assert ">kept</textarea>" in answer.text
    assert admin not in answer.text
    data = {"title_en": "Birth", "endpoint": "javascript:alert(1)", "token": admin}
    refused(post(live, "/interfaces/civreg-birth/publish/metadata", data), 400, "https://")
    unknown = post(live, "/interfaces/civreg-birth/publish/nope", {"token": admin})
    assert unknown.status_code == 404
