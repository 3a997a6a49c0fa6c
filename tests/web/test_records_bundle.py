"""`GET /api/records/{id}/bundle` and the round trips a publisher makes through a real server:
a record read as Turtle or as a bundle zip and sent back unchanged stores the same record
(the same N-Triples, so the same hash in its history); an edited bundle changes only what
was edited."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import ROOT
from tests.web.conftest import LiveServer
from tests.web.test_records_api import BIRTH, put

INTERFACES = sorted(p.name for p in (ROOT / "registry" / "interfaces").iterdir() if p.is_dir())
MakeServer = Callable[..., LiveServer]


def ntriples(client: httpx.Client, record: str) -> bytes:
    answer = client.get(f"/api/records/{record}", params={"format": "ntriples"})
    assert answer.status_code == 200, answer.text
    return answer.content


def bundle(client: httpx.Client, record: str) -> bytes:
    answer = client.get(f"/api/records/{record}/bundle")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"] == f'attachment; filename="{record}.zip"'
    return answer.content


def last_hash(client: httpx.Client, record: str) -> str:
    versions = client.get(f"/api/records/{record}/history").json()["versions"]
    return str(versions[-1]["sha256"])


def test_every_demo_interface_comes_back_unchanged(make_server: MakeServer) -> None:
    """GET then PUT, as Turtle and as the bundle zip, of every demo interface: 200, and the
    stored N-Triples (and the hash the history keeps) are those before."""
    live = make_server(validation_workers=1)
    with live.client() as reader, live.client(live.token("admin")) as admin:
        for record in INTERFACES:
            before = ntriples(reader, record)
            turtle = reader.get(f"/api/records/{record}").content
            for body, media in (
                (turtle, "text/turtle"),
                (bundle(reader, record), "application/zip"),
            ):
                answer = put(admin, record, body, media)
                assert answer.status_code == 200, (record, media, answer.text)
                assert ntriples(reader, record) == before, (record, media)
                assert last_hash(reader, record) == hashlib.sha256(before).hexdigest()


def test_a_publisher_edits_its_record_in_the_bundle(make_server: MakeServer) -> None:
    """The civreg publisher downloads civreg-birth, changes its title and sends it back:
    stored at once (no new version, so no review), the files still pinned as before."""
    live = make_server(validation_workers=1)
    with live.client() as reader, live.client(live.token("publisher", "civreg")) as civreg:
        before = ntriples(reader, BIRTH)
        out = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(bundle(reader, BIRTH))) as zin,
            zipfile.ZipFile(out, "w") as zout,
        ):
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename == "interface.ttl":
                    assert b'"Birth registration"@en' in data
                    data = data.replace(b'"Birth registration"@en', b'"Births"@en')
                zout.writestr(info, data)
        answer = put(civreg, BIRTH, out.getvalue(), "application/zip")
        assert answer.status_code == 200, answer.text
        after = ntriples(reader, BIRTH)
    assert b'"Births"@en' in after
    assert before.replace(b'"Birth registration"@en', b'"Births"@en') == after


def test_an_agency_bundle_holds_its_record(server: LiveServer) -> None:
    with server.client() as client, zipfile.ZipFile(io.BytesIO(bundle(client, "civreg"))) as zf:
        assert zf.namelist() == ["agency.ttl"]


@pytest.mark.parametrize("record", ["nope", "civreg-birth%2F..", "https://elsewhere.example/x"])
def test_an_unknown_record_has_no_bundle(server: LiveServer, record: str) -> None:
    with server.client() as client:
        answer = client.get(f"/api/records/{record}/bundle")
    assert answer.status_code == 404, answer.text
    assert answer.json()["status"] == 404
