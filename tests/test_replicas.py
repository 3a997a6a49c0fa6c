"""Two `nif serve` processes on one remote RDF store (Virtuoso, the Oxigraph server) and one
PostgreSQL behave as one service: a write through A is what B answers at its very next request,
a token revoked is refused by both, two writes based on one version never both land, and a
replica killed in the middle of a write leaves the record old or new, the same on both, with
the audit saying which."""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nif.registry import Registry
from nif.settings import Settings
from tests import replicas
from tests.conftest import ROOT
from tests.replicas import Replica

ADDRESS = ROOT / "registry" / "interfaces" / "civreg-address"
NEW = "civreg-marriage"
SCHEMA = "schemas/2.0.0/address-lookup-request.schema.json"
PURPOSES = '"court-summons"]'
EXAMPLE = json.loads(
    (ADDRESS / "examples/2.0.0/AddressLookupRequest/valid-benefit-payment.json").read_text()
)


@pytest.fixture(params=["virtuoso", "oxigraph-server"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings of a remote store (emptied) and a fresh PostgreSQL database, the demo loaded."""
    server = request.getfixturevalue(
        "virtuoso" if request.param == "virtuoso" else "oxigraph_server"
    )
    server.clear()
    settings = server.settings_for(Settings(home=tmp_path / "loader", actor="tests"))
    settings = request.getfixturevalue("postgres").settings_for(settings)
    with Registry.open(settings) as registry:
        registry.load_folder(ROOT / "registry", check=False, actor="tests")
    return settings


@pytest.fixture
def pair(shared: Settings, tmp_path: Path) -> Iterator[list[Replica]]:
    with replicas.running(shared, 2, tmp_path / "replicas") as started:
        yield started


def admin(settings: Settings) -> str:
    return replicas.token(settings, "admin", name="operator")


def marriage(purpose: str) -> bytes:
    """civreg-address under another identifier, its 2.0.0 request admitting `purpose` too."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(ADDRESS.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(ADDRESS).as_posix()
            text = path.read_bytes()
            if name == "interface.ttl":
                text = text.replace(b"civreg-address", NEW.encode()).replace(
                    b"gov/address", b"gov/marriage"
                )
            elif name == SCHEMA:
                text = text.replace(PURPOSES.encode(), f'"court-summons", "{purpose}"]'.encode())
            zf.writestr(name, text)
    return buffer.getvalue()


def verdict(replica: Replica, purpose: str) -> str:
    message = json.dumps({**EXAMPLE, "purpose": purpose}).encode()
    with replica.client() as client:
        answer = client.post(
            "/api/validate",
            params={"interface": f"{NEW}@2.0.0", "message_type": "AddressLookupRequest"},
            files={"file": ("message.json", message)},
        )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["verdict"])


def etag(replica: Replica, record: str) -> str:
    with replica.client() as client:
        answer = client.get(f"/api/records/{record}", params={"format": "ntriples"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == f'"{hashlib.sha256(answer.content).hexdigest()}"'
    return answer.headers["etag"]


def test_a_record_stored_through_a_validates_through_b_at_once(
    shared: Settings, pair: list[Replica]
) -> None:
    a, b = pair
    token = admin(shared)
    with a.client(token) as writer:
        for number in range(1, 4):
            purpose = f"purpose-{number}"
            answer = writer.put(
                f"/api/records/{NEW}",
                content=marriage(purpose),
                headers={"Content-Type": "application/zip"},
            )
            assert answer.status_code in (200, 201), answer.text
            # B cached the version's pins at the request before: the very next one sees the new
            assert verdict(b, purpose) == "valid"
            if number > 1:
                assert verdict(b, f"purpose-{number - 1}") == "invalid"
            assert verdict(a, purpose) == "valid"
            assert etag(a, NEW) == etag(b, NEW) == answer.headers["etag"]


def test_a_token_revoked_on_a_is_refused_by_b(shared: Settings, pair: list[Replica]) -> None:
    a, b = pair
    token = replicas.token(shared, "admin", name="short-lived")
    with b.client(token) as client:
        assert client.get("/api/audit", params={"limit": 1}).status_code == 200
    # the operator revokes it on A's machine, with A's settings
    revoke = subprocess.run(
        [sys.executable, "-m", "nif", "token", "revoke", token.split("_")[1]],
        env={**os.environ, **replicas.environment(shared), "NIF_HOME": str(a.home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert revoke.returncode == 0, revoke.stderr
    for replica in (b, a):
        with replica.client(token) as client:
            answer = client.get("/api/audit", params={"limit": 1})
        assert answer.status_code == 401
        assert "revoked" in answer.json()["message"]


def test_two_writes_based_on_one_version_through_two_replicas(
    shared: Settings, pair: list[Replica]
) -> None:
    a, b = pair
    token = admin(shared)
    agency = (ROOT / "registry" / "agencies" / "civreg.ttl").read_text("utf-8")
    desk = "Civil Registry interoperability desk"
    for round_ in range(3):
        tag = etag(a, "civreg")
        with b.client() as reader:
            before = len(reader.get("/api/records/civreg/history").json()["versions"])

        def write(replica: Replica, label: str, tag: str = tag, round_: int = round_) -> int:
            body = agency.replace(desk, f"{desk} ({label} {round_})").encode()
            with replica.client(token) as client:
                answer = client.put(
                    "/api/records/civreg",
                    content=body,
                    headers={"Content-Type": "text/turtle", "If-Match": tag},
                )
            return answer.status_code

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            statuses = sorted(pool.map(write, (a, b), ("A", "B")))
        assert statuses == [200, 412]
        with b.client() as reader:
            after = reader.get("/api/records/civreg/history").json()["versions"]
        assert len(after) == before + 1
        assert f'"{after[-1]["sha256"]}"' == etag(a, "civreg") == etag(b, "civreg")


def big_agency(number: int) -> bytes:
    """civreg's record with thousands of keywords: a write that takes a while to store."""
    text = (ROOT / "registry" / "agencies" / "civreg.ttl").read_text("utf-8")
    extra = " ;\n".join(
        f'  <http://www.w3.org/ns/dcat#keyword> "keyword {i} of attempt {number}"@en'
        for i in range(20_000)
    )
    return (text.rstrip().rstrip(".") + " ;\n" + extra + " .\n").encode()


def pending_seen(reader: httpx.Client, deadline: float) -> bool:
    """Poll the audit until a write's pending entry shows (it is about to touch the store)."""
    while time.monotonic() < deadline:
        entries = reader.get("/api/audit", params={"limit": 3}).json()["entries"]
        if any(e["outcome"] == "pending" for e in entries):
            return True
        time.sleep(0.01)
    return False


def test_a_replica_killed_during_a_write_leaves_old_or_new_and_the_audit_says_so(
    shared: Settings, pair: list[Replica], tmp_path: Path
) -> None:
    a, b = pair
    token = admin(shared)
    settled: list[dict[str, str]] = []
    for attempt in range(4):
        old = etag(b, "civreg")
        body = big_agency(attempt)
        with concurrent.futures.ThreadPoolExecutor(1) as pool, b.client(token) as reader:
            sent = pool.submit(_put_ignoring_the_kill, a, token, body)
            assert pending_seen(reader, time.monotonic() + 600), "no write reached the store"
            a.kill()  # kill -9 while it writes the store
            sent.result()
            unsettled = reader.get("/api/audit", params={"limit": 5}).json()["entries"]
        if not any(e["outcome"] == "pending" for e in unsettled):
            a = pair[0] = replicas.start(shared, tmp_path / "replicas", f"a{attempt}")
            continue  # the write had ended before the kill: nothing to settle
        # B's start settles it as well as the next write would: A's restart does here
        a = pair[0] = replicas.start(shared, tmp_path / "replicas", f"a{attempt}")
        current = etag(a, "civreg")
        assert etag(b, "civreg") == current, "the replicas read different versions"
        if current != old:
            assert f"keyword 0 of attempt {attempt}".encode() in _canonical(b, "civreg")
        # a write through B finds nothing left to settle
        with b.client(token) as writer:
            tax = (ROOT / "registry" / "agencies" / "tax.ttl").read_bytes()
            answer = writer.put(
                "/api/records/tax", content=tax, headers={"Content-Type": "text/turtle"}
            )
            assert answer.status_code == 200, answer.text
            entries = writer.get("/api/audit", params={"limit": 50}).json()["entries"]
        assert all(e["outcome"] != "pending" for e in entries)
        found = [
            e
            for e in entries
            if ("interrupted write" in e["detail"] or e["outcome"] == "interrupted")
            and e not in settled
        ]
        assert len(found) == 1, entries[:6]
        settled.append(found[0])
        with b.client() as reader:
            versions = reader.get("/api/records/civreg/history").json()["versions"]
        assert f'"{versions[-1]["sha256"]}"' == current  # history caught up with the store
        if found[0]["outcome"] == "interrupted":
            assert current == old
        else:
            assert found[0]["outcome"] == "stored" and current != old
    assert settled, "no kill landed between the pending entry and the history"
    assert {e["action"] for e in settled} == {"submit"}


def _put_ignoring_the_kill(replica: Replica, token: str, body: bytes) -> int | None:
    try:
        with replica.client(token) as client:
            return client.put(
                "/api/records/civreg", content=body, headers={"Content-Type": "text/turtle"}
            ).status_code
    except httpx.HTTPError:
        return None


def _canonical(replica: Replica, record: str) -> bytes:
    with replica.client() as client:
        return client.get(f"/api/records/{record}", params={"format": "ntriples"}).content
