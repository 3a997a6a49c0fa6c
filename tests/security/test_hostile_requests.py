"""Hostile input gets a clear answer, never a crash or a silent pass (issue 11, §4, service side).

Through a real service: deeply nested blank nodes in a certificate to verify, zip entries whose
names are not UTF-8 (batch validation, bundle submission, evidence), a bundle holding a file
and a folder of the same path, an evidence status of 5,000 digits; SPARQL queries past their
time limit are stopped and free their slot, two `query` parameters are a 400; version numbers
and forged identifiers in a record version's URL are plain refusals (issue 16); a write that
fails with an internal error is still audited; and a bundle's catalog cannot reach outside the
bundle, nor a bundled schema's external entity any file (issue 13).
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from nif.settings import Settings
from nif.web import create_app
from tests.conftest import ROOT
from tests.web import conftest as web
from tests.web.certification import BIRTH, evidence_zip
from tests.web.conftest import LiveServer
from tests.web.test_records_api import bundle
from tests.web.test_sparql import ASK_BIRTH, cross_join, slow_count

demo_home, make_server = web.demo_home, web.make_server  # the fixtures, for this module
MakeServer = Callable[..., LiveServer]
RUNS = "/api/certification/runs"
BAD_NAME = b"bad\xffname.xml"
SHOWN = "bad\\xffname.xml"
"""How the refusal shows the entry: the byte that is not UTF-8 escaped."""


def message(response: httpx.Response, *statuses: int) -> str:
    assert response.status_code in statuses, response.text
    body = response.json()
    assert "traceback" not in response.text.lower()
    return str(body["message"])


def nested_certificate(depth: int, key_id: str, *, alike: bool) -> bytes:
    """A certificate signed (so it claims) with the registry's key `key_id`, carrying a chain
    of blank nodes `depth` levels deep (two `alike` ones): checking the signature writes the
    graph canonically, and alike blank nodes are ordered by where they hang, all the way up."""
    chain = "[ ex:p " * depth + "1" + " ]" * depth
    return (
        "@prefix ex: <urn:ex:> .\n"
        "@prefix nif: <https://w3id.org/nif/ns#> .\n"
        "<https://registry.nif.example/certificate/cert-20260101-00000000>"
        " a <http://www.w3.org/ns/dqv#QualityCertificate> ;\n"
        f'  nif:signature "AAAA" ; nif:signingKey "{key_id}" ;\n'
        f"  ex:p {chain}{', ' + chain if alike else ''} .\n"
    ).encode()


def with_utf8_flag(entries: dict[str, bytes], rename: dict[str, bytes]) -> bytes:
    """A zip of `entries` whose names in `rename` are replaced (same length) by raw bytes that
    are not UTF-8, the zip claiming UTF-8 names (flag bit 11) as Python's zipfile reads them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    data = buffer.getvalue()
    for old, new in rename.items():
        assert len(old.encode()) == len(new)
        data = data.replace(old.encode(), new)
    patched = bytearray(data)
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = patched.find(signature)
        while at != -1:
            patched[at + flags + 1] |= 0x08
            at = patched.find(signature, at + 4)
    return bytes(patched)


# Certificates to verify


@pytest.mark.parametrize(("depth", "says"), [(2_000, "blank nodes"), (200_000, "256 KiB")])
def test_deeply_nested_alike_blank_nodes_are_refused(
    make_server: MakeServer, depth: int, says: str
) -> None:
    """2,000 levels: refused while ordering alike blank nodes (the recursion hit Python's limit
    there); 200,000 (the old service grew to ~1 GB and dropped the connection): too large for
    a certificate, refused before parsing."""
    live = make_server(validation_workers=1)
    with live.client() as client:
        key_id = client.get("/.well-known/nif-certificate-key").headers["etag"].strip('"')
        answer = client.post(
            "/api/certificates/verify",
            content=nested_certificate(depth, key_id, alike=True),
            headers={"Content-Type": "text/turtle"},
        )
        assert says in message(answer, 400, 413)
        assert client.get("/health").status_code == 200


def test_a_certificate_nested_deep_is_checked(make_server: MakeServer) -> None:
    """One chain of blank nodes 25,000 deep (under the size limit) is labelled without
    recursion: the signature is checked, and does not hold."""
    live = make_server(validation_workers=1)
    with live.client() as client:
        key_id = client.get("/.well-known/nif-certificate-key").headers["etag"].strip('"')
        answer = client.post(
            "/api/certificates/verify",
            content=nested_certificate(25_000, key_id, alike=False),
            headers={"Content-Type": "text/turtle"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["ok"] is False
    assert "signature" in answer.text


# Zip entries


def test_a_batch_entry_named_in_bad_utf8_is_refused_by_name(make_server: MakeServer) -> None:
    live = make_server(validation_workers=1)
    archive = with_utf8_flag(
        {"good.xml": b"<a/>", "PLACEHOLDER.xml": b"<a/>"},
        {"PLACEHOLDER.xml": BAD_NAME.ljust(15, b"x")},
    )
    with live.client() as client:
        answer = client.post(
            "/api/validate/batch", content=archive, headers={"Content-Type": "application/zip"}
        )
        assert SHOWN in message(answer, 400, 422)
        assert client.get("/health").status_code == 200


def test_a_bundle_entry_named_in_bad_utf8_is_refused_by_name(make_server: MakeServer) -> None:
    live = make_server(validation_workers=1)
    base = zipfile.ZipFile(io.BytesIO(bundle("civreg-address")))
    entries = {name: base.read(name) for name in base.namelist()}
    entries["PLACEHOLDER.xml"] = b"<a/>"
    archive = with_utf8_flag(entries, {"PLACEHOLDER.xml": BAD_NAME.ljust(15, b"x")})
    with live.client(live.token("admin")) as client:
        answer = client.put(
            "/api/records/civreg-address",
            content=archive,
            headers={"Content-Type": "application/zip"},
        )
        assert SHOWN in message(answer, 400, 422)


def test_a_bundle_with_a_file_and_a_folder_of_one_path_is_refused(
    make_server: MakeServer,
) -> None:
    live = make_server(validation_workers=1)
    base = zipfile.ZipFile(io.BytesIO(bundle("civreg-address")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in base.namelist():
            archive.writestr(name, base.read(name))
        archive.writestr("a", b"a file")
        archive.writestr("a/b.json", b"{}")
    with live.client(live.token("admin")) as client:
        answer = client.put(
            "/api/records/civreg-address",
            content=buffer.getvalue(),
            headers={"Content-Type": "application/zip"},
        )
        text = message(answer, 400, 422)
        assert "'a'" in text and "a/b.json" in text


def evidence_with(changes: dict[str, bytes], rename: dict[str, bytes] | None = None) -> bytes:
    """The demo evidence of civreg-birth 2.0.0 with `changes` made to its files."""
    base = zipfile.ZipFile(io.BytesIO(evidence_zip(*BIRTH)))
    entries = {name: base.read(name) for name in base.namelist()} | changes
    return with_utf8_flag(entries, rename or {})


def run(live: LiveServer, evidence: bytes) -> httpx.Response:
    form = {"agency": "civreg", "interface": "civreg-birth@2.0.0"}
    with live.client(live.token("certifier")) as client:
        return client.post(
            RUNS, data=form, files={"evidence": ("e.zip", evidence, "application/zip")}
        )


def test_an_evidence_entry_named_in_bad_utf8_is_refused_by_name(make_server: MakeServer) -> None:
    live = make_server(validation_workers=1)
    evidence = evidence_with(
        {"PLACEHOLDER.xml": b"<a/>"}, {"PLACEHOLDER.xml": BAD_NAME.ljust(15, b"x")}
    )
    assert SHOWN in message(run(live, evidence), 400, 422)


def test_an_evidence_status_of_5000_digits_is_refused(make_server: MakeServer) -> None:
    live = make_server(validation_workers=1)
    evidence = evidence_with({"reject-missing-mother-id.status": b"9" * 5000})
    text = message(run(live, evidence), 400, 422)
    assert "reject-missing-mother-id.status" in text and "HTTP status" in text
    assert len(text) < 1000


# record versions (client mode's reads)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/records/civreg-birth/history/0", 400),
        ("/api/records/civreg-birth/history/-1", 400),
        ("/api/records/civreg-birth/history/" + "9" * 40, 404),
        ("/api/records/civreg-birth/history/one", 400),
        ("/api/records/no-such-record/history/1", 404),
        ("/api/records/%2e%2e%2fsecrets.sqlite/history/1", 404),
        ("/api/records/x'%20OR%20'1'%3D'1/history/1", 404),
    ],
)
def test_a_record_version_out_of_range_or_forged_is_a_clear_refusal(
    make_server: MakeServer, path: str, status: int
) -> None:
    """A version number that is not one of the record's, and identifiers made to reach a file
    or to change the lookup's SQL, are answered as such: nothing else is read or shown."""
    live = make_server()
    with live.client() as client:
        answer = client.get(path)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == {400: "bad_request", 404: "not_found"}[status]
    if status == 400:
        assert body["details"][0]["where"] == "path.number"
    assert "traceback" not in answer.text.lower()
    assert str(live.home) not in answer.text, "a server path was shown"


# SPARQL


def test_queries_past_the_time_limit_stop_and_free_their_slots(make_server: MakeServer) -> None:
    """Two cartesian products and a count Oxigraph cannot interrupt, past the limit, take
    both slots; once they are answered the next query gets its slot (not 429). A product
    that writes rows fast is streamed once it passes what is held, and then cut off: the
    client sees an incomplete body, never a complete one."""
    live = make_server(
        validation_workers=1, sparql_timeout=0.5, sparql_max_concurrent=2, sparql_max_rows=0
    )
    with live.client() as client:
        for query in (cross_join("(COUNT(*) AS ?n)"), slow_count()):
            answer = client.get("/sparql", params={"query": query})
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"] == "query_timeout"
        try:
            answer = client.get("/sparql", params={"query": cross_join()})
        except httpx.RemoteProtocolError as exc:
            assert "incomplete chunked read" in str(exc)
        else:
            assert answer.status_code == 503, answer.text[:200]
            assert answer.json()["error"] == "query_timeout"
        answer = client.get("/sparql", params={"query": ASK_BIRTH})
        assert answer.status_code == 200, answer.text
        assert answer.json()["boolean"] is True


@pytest.mark.parametrize(
    "request_args",
    [
        {"method": "GET", "url": "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"},
        {"method": "POST", "url": "/sparql", "data": {"query": ["ASK {}", "ASK {}"]}},
        {
            "method": "POST",
            "url": "/sparql?query=ASK%7B%7D",
            "content": b"ASK {}",
            "headers": {"Content-Type": "application/sparql-query"},
        },
    ],
)
def test_two_queries_in_one_request_are_400(
    make_server: MakeServer, request_args: dict[str, Any]
) -> None:
    live = make_server(validation_workers=1)
    with live.client() as client:
        answer = client.request(**request_args)
    assert "several queries" in message(answer, 400)


# Audit


@dataclasses.dataclass
class Running:
    live: LiveServer
    app: FastAPI


@pytest.fixture
def running(demo_home: Path, tmp_path: Path) -> Iterator[Running]:
    """A service whose app (and so its store) the test can reach."""
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    settings = Settings(home=home).replace(validation_workers=1)
    app = create_app(settings)
    server, thread, port = web._serve(app)
    yield Running(LiveServer(f"http://127.0.0.1:{port}", settings, home), app)
    server.should_exit = True
    thread.join(timeout=30)


def test_a_write_failing_with_an_internal_error_is_audited(running: Running) -> None:
    """The store fails under the service (its files closed): each write attempt answers a
    generic error without a traceback, and is in the audit log with outcome `error`."""
    live = running.live
    admin, certifier = live.token("admin", name="operator"), live.token("certifier")
    running.app.state.services.registry.store.close()
    agency = (ROOT / "registry" / "agencies" / "civreg.ttl").read_bytes()
    # One client per request: the service closes a connection after an internal error.
    with live.client(admin) as client:
        put = client.put(
            "/api/records/civreg", content=agency, headers={"Content-Type": "text/turtle"}
        )
    with live.client(admin) as client:
        delete = client.delete("/api/records/civreg-address")
    with live.client(certifier) as client:
        revoke = client.post(
            "/api/certificates/cert-20260101-00000000/revoke", json={"reason": "test"}
        )
    for answer in (put, delete, revoke):
        assert answer.status_code == 500, answer.text
        assert answer.json()["error"] == "internal"
    with live.client(live.token("admin", name="auditor")) as client:
        entries = client.get("/api/audit", params={"limit": 100}).json()["entries"]
    failed = [(e["action"], e["target"]) for e in entries if e["outcome"] == "error"]
    errors = set(failed)
    assert len(failed) == len(errors), failed  # each once: the registry or the route, not both
    assert ("submit", "civreg") in errors
    assert ("withdraw", "civreg-address") in errors
    assert any(action.endswith("revoke") for action, _ in errors), entries
    assert all("internal error" in e["detail"] for e in entries if e["outcome"] == "error")


# Bundles over HTTP: catalogs and DOCTYPEs in artefacts


def put_bundle(live: LiveServer, interface: str, changes: dict[str, bytes]) -> httpx.Response:
    """A demo interface's bundle with `changes` made to its files, PUT as the admin."""
    base = zipfile.ZipFile(io.BytesIO(bundle(interface)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in ({n: base.read(n) for n in base.namelist()} | changes).items():
            archive.writestr(name, content)
    with live.client(live.token("admin")) as client:
        return client.put(
            f"/api/records/{interface}",
            content=buffer.getvalue(),
            headers={"Content-Type": "application/zip"},
        )


RESPONSE_SCHEMA = "schemas/1.0.0/address-lookup-response.schema.json"


@pytest.mark.parametrize(
    "target", ["file:///etc/", "../../../../../../etc/", "https://elsewhere.example/"]
)
def test_a_bundle_catalog_cannot_reach_outside_the_bundle(
    make_server: MakeServer, target: str
) -> None:
    live = make_server(validation_workers=1)
    schema = bundle("civreg-address")
    text = zipfile.ZipFile(io.BytesIO(schema)).read(RESPONSE_SCHEMA).decode()
    assert '"address.schema.json"' in text
    hostile = text.replace('"address.schema.json"', '"https://evil.example/passwd"')
    catalog = (
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">\n'
        f'  <rewriteURI uriStartString="https://evil.example/" rewritePrefix="{target}"/>\n'
        "</catalog>\n"
    )
    changes = {RESPONSE_SCHEMA: hostile.encode(), "catalog.xml": catalog.encode()}
    answer = put_bundle(live, "civreg-address", changes)
    text = message(answer, 400, 422)
    assert "catalog.xml" in text and "root:" not in text


def test_an_external_entity_in_a_bundled_schema_is_refused_unread(
    make_server: MakeServer,
) -> None:
    live = make_server(validation_workers=1)
    path = "schemas/2.0.0/birth.xsd"
    published = zipfile.ZipFile(io.BytesIO(bundle("civreg-birth"))).read(path)
    assert published.startswith(b"<?xml") and b"<!DOCTYPE" not in published
    declaration, rest = published.split(b"?>", 1)
    hostile = (
        declaration
        + b'?>\n<!DOCTYPE xs:schema [<!ENTITY leak SYSTEM "file:///etc/passwd">]>'
        + rest.replace(b"</xs:schema>", b"<!-- &leak; --></xs:schema>")
    )
    text = message(put_bundle(live, "civreg-birth", {path: hostile}), 400, 422)
    assert "birth.xsd, line 2" in text and "external entity 'leak'" in text
    assert "root:" not in text
