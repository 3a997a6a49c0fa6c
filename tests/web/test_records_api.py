"""Writing the registry over HTTP through a real server: submission, withdrawal, history, the
audit log, and the authorisation matrix (who may write which record)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import hashlib
import io
import json
import logging
import os
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Graph, Literal, URIRef

from nif.auth import TokenStore
from tests.conftest import ROOT
from tests.web.conftest import LiveServer

REGISTRY = ROOT / "registry"
ADDRESS = "civreg-address"
BIRTH = "civreg-birth"
NEW = "civreg-marriage"
BUSREG = "busreg-company"
CIVREG_AGENCY = "https://registry.nif.example/agency/civreg"
ADDRESS_TITLE = ('dct:title "Address lookup"@en', 'dct:title "Address lookup (revised)"@en')
DESK = ("Civil Registry interoperability desk", "Civil Registry interoperability desk (24/7)")
UNKNOWN_TOKEN = "nif_0123456789abcdef_" + "A" * 43
MALFORMED_TOKEN = "let-me-in"

MakeServer = Callable[..., LiveServer]
Edits = Sequence[tuple[str, str]]


def _edited(text: str, edits: Edits) -> str:
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text


def bundle(interface: str, edits: Edits = ()) -> bytes:
    """A bundle zip of a demo interface: its record (edited), schemas and examples."""
    root = REGISTRY / "interfaces" / interface
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("interface.ttl", _edited((root / "interface.ttl").read_text("utf-8"), edits))
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.name != "interface.ttl":
                zf.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


def fresh(make_server: MakeServer, **changes: object) -> LiveServer:
    """A server of its own over a copy of the demo home (one validation worker: none is used)."""
    return make_server(validation_workers=1, **changes)


def new_interface() -> bytes:
    """A new interface of civreg: civreg-address under another identifier and endpoint."""
    return bundle(ADDRESS, [(ADDRESS, NEW), ("gov/address", "gov/marriage")])


def agency(identifier: str, edits: Edits = ()) -> bytes:
    text = (REGISTRY / "agencies" / f"{identifier}.ttl").read_text("utf-8")
    return _edited(text, edits).encode()


def put(client: httpx.Client, record: str, body: bytes, media: str) -> httpx.Response:
    return client.put(f"/api/records/{record}", content=body, headers={"Content-Type": media})


def current(client: httpx.Client, record: str) -> str | int:
    """A record as N-Triples, or the status when it cannot be read (404 once withdrawn)."""
    answer = client.get(f"/api/records/{record}", params={"format": "ntriples"})
    return answer.text if answer.status_code == 200 else answer.status_code


def snapshot(client: httpx.Client) -> dict[str, str | int]:
    records = (ADDRESS, BIRTH, NEW, BUSREG, "civreg", "tax", "tax-vat-return")
    return {r: current(client, r) for r in records}


def audit(live: LiveServer) -> list[dict[str, Any]]:
    with live.client(live.token("admin", name="auditor")) as admin:
        answer = admin.get("/api/audit", params={"limit": 1000})
    assert answer.status_code == 200, answer.text
    return answer.json()["entries"]


def token_id(token: str) -> str:
    return token.split("_")[1]


# the authorisation matrix

WHO = [
    "anonymous",
    "publisher-A",
    "publisher-B",
    "certifier",
    "admin",
    "revoked",
    "unknown",
    "malformed",
]
OPS = [
    "put-cross-graph",
    "put-foreign-node",
    "put-existing",
    "put-new",
    "put-agency",
    "delete",
    "get-bundle",
    "get-records",
    "get-record-version",
    "get-catalog",
    "get-iri",
    "get-sparql-description",
    "get-docs-asset",
    "audit",
    "proposals",
    "proposal",
    "accept-proposal",
    "reject-proposal",
    "metrics",
]
"""`put-cross-graph`: a civreg interface whose IRI is a certificate's graph (only nif writes
there); `put-foreign-node`: civreg-birth also stating a node of tax's record. Refused for all.
The proposal ops read and decide busreg's proposal (`busreg_proposal`), which only reviewers see;
a publisher's new interface (`put-new`) is itself proposed (202). `metrics` reads `/metrics`:
admins only (`metrics_public` off), and not audited (it writes nothing)."""
PUBLIC_READS = {
    "get-bundle": 200,
    "get-records": 200,
    "get-record-version": 200,
    "get-catalog": 200,
    "get-iri": 200,
    "get-sparql-description": 200,
    "get-docs-asset": 200,
}
"""Reads anyone may make, whatever token (if any) comes with them; nothing audits them."""
UNAUTHENTICATED = {**dict.fromkeys(OPS, 401), **PUBLIC_READS}
REFUSED = {**dict.fromkeys(OPS, 403), **PUBLIC_READS}
FOREIGN = {"put-cross-graph": 422, "put-foreign-node": 422}
OTHER_AGENCY_PROPOSAL = {"proposals": 200, "proposal": 404}
REVIEWER = {"proposals": 200, "proposal": 200, "accept-proposal": 200, "reject-proposal": 409}
EXPECTED: dict[str, dict[str, int]] = {
    "anonymous": UNAUTHENTICATED,
    "publisher-A": {
        **FOREIGN,
        "put-existing": 200,
        "put-new": 202,
        "put-agency": 200,
        "delete": 200,
        "audit": 403,
        **PUBLIC_READS,
        **OTHER_AGENCY_PROPOSAL,
        "accept-proposal": 403,
        "reject-proposal": 403,
        "metrics": 403,
    },
    "publisher-B": {**REFUSED, **OTHER_AGENCY_PROPOSAL},
    "certifier": {**REFUSED, **REVIEWER},
    "admin": {
        **FOREIGN,
        "put-existing": 200,
        "put-new": 201,
        "put-agency": 200,
        "delete": 200,
        "audit": 200,
        **PUBLIC_READS,
        **REVIEWER,
        "metrics": 200,
    },
    "revoked": UNAUTHENTICATED,
    "unknown": UNAUTHENTICATED,
    "malformed": UNAUTHENTICATED,
}


def credentials(live: LiveServer, who: str) -> str | None:
    match who:
        case "anonymous":
            return None
        case "publisher-A":
            return live.token("publisher", "civreg", name="civreg CI")
        case "publisher-B":
            return live.token("publisher", "tax", name="tax CI")
        case "certifier":
            return live.token("certifier", name="competence centre")
        case "admin":
            return live.token("admin", name="operator")
        case "revoked":
            token = live.token("publisher", "civreg", name="old civreg CI")
            tokens = TokenStore(live.home / "secrets.sqlite")
            try:
                tokens.revoke(token_id(token))
            finally:
                tokens.close()
            return token
        case "unknown":
            return UNKNOWN_TOKEN
        case _:
            return MALFORMED_TOKEN


CERTIFICATE_GRAPH = "https://registry.nif.example/certificate/cert-20261122-0a1b2c3d"
VAT_MESSAGE = "https://registry.nif.example/interface/tax-vat-return/1.0.0/VatReturn"
BIRTH_RULES = "https://registry.nif.example/interface/civreg-birth/2.0.0/artefact/birth.sch"
FOREIGN_NODE = [
    (
        'dct:identifier "civreg-birth" ;',
        f'dct:identifier "civreg-birth" ;\n  dct:references <{VAT_MESSAGE}> ;',
    ),
    (
        "@prefix nif:",
        f"<{VAT_MESSAGE}> <https://w3id.org/nif/ns#rules> <{BIRTH_RULES}> .\n@prefix nif:",
    ),
]


def cross_graph() -> bytes:
    """civreg's new interface under the IRI of a certificate's graph."""
    edits = [(ADDRESS, NEW), ("gov/address", "gov/marriage")]
    main = (f"<https://registry.nif.example/interface/{NEW}>", f"<{CERTIFICATE_GRAPH}>")
    return bundle(ADDRESS, [*edits, main])


def busreg_proposal(live: LiveServer) -> str:
    """busreg's move of busreg-company 3.0.0-beta.1 to Completed, kept for review: its id."""
    body = bundle(BUSREG, [("status/UnderDevelopment>", "status/Completed>")])
    with live.client(live.token("publisher", "busreg", name="busreg CI")) as busreg:
        answer = put(busreg, BUSREG, body, "application/zip")
    assert answer.status_code == 202, answer.text
    return str(answer.json()["proposal"]["id"])


def operate(client: httpx.Client, op: str, proposal: str = "") -> httpx.Response:
    match op:
        case "put-cross-graph":
            return put(client, NEW, cross_graph(), "application/zip")
        case "put-foreign-node":
            return put(client, BIRTH, bundle(BIRTH, FOREIGN_NODE), "application/zip")
        case "put-existing":
            return put(client, ADDRESS, bundle(ADDRESS, [ADDRESS_TITLE]), "application/zip")
        case "put-new":
            return put(client, NEW, new_interface(), "application/zip")
        case "put-agency":
            return put(client, "civreg", agency("civreg", [DESK]), "text/turtle")
        case "delete":
            return client.delete(f"/api/records/{BIRTH}")
        case "get-bundle":
            return client.get(f"/api/records/{ADDRESS}/bundle")
        case "get-records":
            return client.get("/api/records")
        case "get-record-version":
            return client.get(f"/api/records/{ADDRESS}/history/1")
        case "get-catalog":
            return client.get("/catalog", params={"page": 1}, headers={"Accept": "text/turtle"})
        case "get-iri":
            return client.get(f"/interface/{ADDRESS}", headers={"Accept": "text/turtle"})
        case "get-sparql-description":
            return client.get("/sparql", headers={"Accept": "text/turtle"})
        case "get-docs-asset":
            return client.get("/docs/assets/swagger-ui.css")
        case "proposals":
            return client.get("/api/proposals")
        case "proposal":
            return client.get(f"/api/proposals/{proposal}")
        case "accept-proposal":
            return client.post(f"/api/proposals/{proposal}/accept", json={"comment": "ok"})
        case "reject-proposal":
            return client.post(f"/api/proposals/{proposal}/reject", json={"comment": "no"})
        case "metrics":
            return client.get("/metrics")
        case _:
            return client.get("/api/audit")


def expected_change(op: str, before: dict[str, str | int], after: dict[str, str | int]) -> None:
    """What a successful operation changed, and that it changed nothing else."""
    changed = {r for r in before if before[r] != after[r]}
    match op:
        case "put-existing":
            assert changed == {ADDRESS}
            assert '"Address lookup (revised)"@en' in str(after[ADDRESS])
        case "put-new":
            assert changed == {NEW}
            assert before[NEW] == 404
            assert f'"{NEW}"' in str(after[NEW])
        case "put-agency":
            assert changed == {"civreg"}
            assert DESK[1] in str(after["civreg"])
        case "delete":
            assert changed == {BIRTH}
            assert after[BIRTH] == 404
        case "accept-proposal":
            assert changed == {BUSREG}
            assert "status/Completed" in str(after[BUSREG])
        case _:
            assert changed == set()


@contextlib.contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every log line of the service (nif, uvicorn, access log) and the client, at DEBUG."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect(logging.DEBUG)
    names = ["", "nif", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore"]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)


@pytest.mark.parametrize("who", WHO)
def test_authorisation_matrix(make_server: MakeServer, who: str) -> None:
    """Each write endpoint as `who`, one after the other on one server (they touch different
    records): the status, what changed, the audit entry, and no secret anywhere."""
    live = fresh(make_server)
    token = credentials(live, who)
    proposal = busreg_proposal(live)
    for op in OPS:
        with live.client() as reader, captured_logs() as logs:
            before = snapshot(reader)
            with live.client(token) as client:
                answer = operate(client, op, proposal)
            after = snapshot(reader)
        expected = EXPECTED[who][op]
        assert answer.status_code == expected, (op, answer.text)
        if expected >= 400:
            body = answer.json()
            assert body["status"] == expected
            assert (
                body["error"]
                == {
                    401: "unauthenticated",
                    403: "forbidden",
                    404: "not_found",
                    409: "review_conflict",
                    422: "rejected",
                }[expected]
            )
            if expected == 422:
                shown = {"put-cross-graph": CERTIFICATE_GRAPH, "put-foreign-node": VAT_MESSAGE}
                assert shown[op] in body["message"], op
            assert after == before, f"{op}: a refused request changed the registry"
        elif expected == 202 or op in ("proposals", "proposal"):
            assert after == before, f"{op}: a proposal or a read changed the registry"
        else:
            expected_change(op, before, after)
        if expected == 401:
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        entries = audit(live)
        if op not in ("audit", "proposals", "proposal", "metrics", *PUBLIC_READS):
            _audited_as(entries[0], op, token, expected)
        assert any("/api/" in line for line in logs), "the service's log was not captured"
        if token:
            secret = token.split("_", 2)[-1]
            shown = [answer.text, json.dumps(entries), *logs]
            assert not [s for s in shown if secret in s or token in s], op


def _audited_as(entry: dict[str, Any], op: str, token: str | None, status: int) -> None:
    if token is None:
        actor = "anonymous"
    elif status == 401:
        actor = "unauthenticated token"
    else:
        actor = f"token:{token_id(token)} ("
    assert entry["actor"].startswith(actor), (op, entry)
    actions = {"delete": "withdraw", "accept-proposal": "accept", "reject-proposal": "reject"}
    action = "propose" if status == 202 else actions.get(op, "submit")
    assert entry["action"] == action, (op, entry)
    outcomes = {"refused"} if status >= 400 else {"stored", "withdrawn", "proposed"}
    assert entry["outcome"] in outcomes, (op, entry)


def test_publisher_b_cannot_take_over_a_record_by_naming_itself_publisher(
    make_server: MakeServer,
) -> None:
    """Tax submits civreg-address with itself as publisher: the stored record is civreg's."""
    live = fresh(make_server)
    hijack = bundle(ADDRESS, [("agency/civreg>", "agency/tax>")])
    with live.client() as reader, live.client(live.token("publisher", "tax")) as tax:
        before = current(reader, ADDRESS)
        answer = put(tax, ADDRESS, hijack, "application/zip")
        assert answer.status_code == 403, answer.text
        assert "as stored" in answer.json()["message"]
        assert current(reader, ADDRESS) == before


def test_publisher_may_not_submit_another_agency_record(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client() as reader, live.client(live.token("publisher", "civreg")) as civreg:
        before = current(reader, "tax")
        answer = put(civreg, "tax", agency("tax", [("Tax Administration", "Ours")]), "text/turtle")
        assert answer.status_code == 403
        assert "tax" in answer.json()["message"]
        assert current(reader, "tax") == before


def test_publisher_of_an_agency_not_in_the_registry_is_refused(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client(live.token("publisher", "nowhere")) as client:
        answer = put(client, "civreg", agency("civreg"), "text/turtle")
    assert answer.status_code == 403
    assert "'nowhere'" in answer.json()["message"]


def test_revoked_token_works_until_revoked(make_server: MakeServer) -> None:
    live = fresh(make_server)
    token = live.token("publisher", "civreg")
    with live.client(token) as client, live.client() as reader:
        assert put(client, "civreg", agency("civreg", [DESK]), "text/turtle").status_code == 200
        tokens = TokenStore(live.home / "secrets.sqlite")
        try:
            tokens.revoke(token_id(token))
        finally:
            tokens.close()
        before = current(reader, "civreg")
        answer = put(client, "civreg", agency("civreg"), "text/turtle")
        assert answer.status_code == 401
        assert "revoked" in answer.json()["message"]
        assert current(reader, "civreg") == before
        assert client.delete(f"/api/records/{BIRTH}").status_code == 401
        assert current(reader, BIRTH) != 404


# submission


def _as(fmt: str, edit: tuple[str, str]) -> bytes:
    graph = Graph().parse(data=agency("civreg", [edit]).decode(), format="turtle")
    return graph.serialize(format=fmt, encoding="utf-8")


SYNTAXES = [
    ("text/turtle", "turtle"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
    ("application/n-triples; charset=utf-8", "nt"),
]


def test_put_each_rdf_syntax(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client(live.token("admin")) as client:
        for number, (media, fmt) in enumerate(SYNTAXES):
            desk = (DESK[0], f"{DESK[0]} ({fmt})")
            answer = put(client, "civreg", _as(fmt, desk), media)
            assert answer.status_code == 200, (media, answer.text)
            body = answer.json()
            assert body["replaced"] == [CIVREG_AGENCY]
            assert body["records"][0]["identifier"] == "civreg"
            assert body["conforms"] is True
            assert desk[1] in str(current(client, "civreg")), media
            versions = client.get("/api/records/civreg/history").json()["versions"]
            assert len(versions) == number + 2


def test_put_new_interface_pins_its_bundle_and_is_public(make_server: MakeServer) -> None:
    live = fresh(make_server, registry_review=False)  # else proposed (tests/web/test_proposals_api)
    with live.client(live.token("publisher", "civreg", name="civreg CI")) as client:
        answer = put(client, NEW, new_interface(), "application/zip")
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["replaced"] == []
        assert body["artefacts"] >= 2
        assert body["records"][0]["action"] == "submit"
        assert body["records"][0]["actor"].endswith("(civreg CI)")
        assert isinstance(body["results"], list)
        again = put(client, NEW, new_interface(), "application/zip")
        assert again.status_code == 200
        assert again.json()["records"][0]["sha256"] == body["records"][0]["sha256"]
    with live.client() as anonymous:
        record = anonymous.get(f"/api/records/{NEW}")
        assert record.status_code == 200
        assert f"{live.settings.registry.base_iri}files/{NEW}/schemas/1.0.0/" in record.text
        history = anonymous.get(f"/api/records/{NEW}/history").json()
        assert [v["action"] for v in history["versions"]] == ["submit", "submit"]


def _waiting_on(path: os.PathLike[str]) -> bool:
    """Whether some process waits for the flock on `path` (a `->` line of /proc/locks)."""
    info = os.stat(path)
    inode = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    lines = Path("/proc/locks").read_text("ascii").splitlines()
    return any("->" in line and "FLOCK" in line and inode in line.split() for line in lines)


def test_a_submission_waits_off_the_event_loop(make_server: MakeServer) -> None:
    """While a PUT waits for the registry's write lock (held here), the service still answers:
    the submission runs in a worker thread, not on the event loop."""
    live = fresh(make_server)
    lock_path = live.home / "registry.lock"
    with (
        lock_path.open("w") as lock,
        live.client(live.token("admin")) as client,
        concurrent.futures.ThreadPoolExecutor(1) as pool,
    ):
        fcntl.flock(lock, fcntl.LOCK_EX)
        pending = pool.submit(put, client, "civreg", agency("civreg", [DESK]), "text/turtle")
        deadline = time.monotonic() + 120
        while not _waiting_on(lock_path):
            assert not pending.done(), pending.result().text
            assert time.monotonic() < deadline, "the submission never reached the write lock"
            time.sleep(0.05)
        with live.client() as other:
            assert other.get("/health").status_code == 200
            assert DESK[1] not in str(current(other, "civreg"))
        assert not pending.done()
        fcntl.flock(lock, fcntl.LOCK_UN)
        assert pending.result().status_code == 200


def test_id_must_be_the_record_in_the_body(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client(live.token("admin")) as client:
        before = current(client, "tax")
        answer = put(client, "tax", agency("civreg"), "text/turtle")
        assert answer.status_code == 400
        message = answer.json()["message"]
        assert "'tax'" in message and "'civreg'" in message
        assert current(client, "tax") == before
        for odd in ("a%00b", "...", "x" * 300):
            answer = put(client, odd, bundle(ADDRESS), "application/zip")
            assert answer.status_code == 400, (odd, answer.text)
            assert "'civreg-address'" in answer.json()["message"]


def test_a_body_of_two_records_is_refused(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client(live.token("admin")) as client:
        answer = put(client, "civreg", agency("civreg") + b"\n" + agency("tax"), "text/turtle")
    assert answer.status_code == 400
    assert "'civreg', 'tax'" in answer.json()["message"]


def test_refused_by_the_shapes_is_422_with_the_results(make_server: MakeServer) -> None:
    live = fresh(make_server)
    http_endpoint = (
        "<https://api.civreg.example.gov/address> ;",
        "<http://api.civreg.example.gov/address> ;",
    )
    with live.client(live.token("publisher", "civreg")) as client:
        before = current(client, ADDRESS)
        answer = put(client, ADDRESS, bundle(ADDRESS, [http_endpoint]), "application/zip")
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["error"] == "rejected"
        assert any(
            d["path"] == "http://www.w3.org/ns/dcat#endpointURL" and d["severity"] == "violation"
            for d in body["details"]
        ), body["details"]
        assert current(client, ADDRESS) == before
        refused = audit(live)[0]
        assert refused["outcome"] == "refused" and refused["action"] == "submit"


BAD_BODIES = [
    (b"<a> <b> .", "text/turtle", 400, "line"),
    (b"not a zip", "application/zip", 400, "not a readable zip"),
    (b"{}", "application/json", 415, "text/turtle"),
    (b"<a> <b> <c> .", "", 415, "Content-Type"),
    (b"", "text/turtle", 400, "no triples"),
]


def test_bad_bodies_are_refused_and_audited(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client(live.token("admin", name="operator")) as client:
        for body, media, status, words in BAD_BODIES:
            headers = {"Content-Type": media}
            answer = client.put("/api/records/civreg", content=body, headers=headers)
            assert answer.status_code == status, (media, answer.text)
            assert words in answer.json()["message"], (media, answer.text)
            entry = audit(live)[0]
            assert entry["outcome"] == "refused", (media, entry)
            assert entry["actor"].endswith("(operator)"), (media, entry)
            assert entry["detail"] == answer.json()["message"], (media, entry)


def test_body_over_the_upload_limit_is_413(make_server: MakeServer) -> None:
    live = fresh(make_server, max_upload_bytes=1000)
    with live.client(live.token("admin")) as client:
        answer = put(client, ADDRESS, bundle(ADDRESS), "application/zip")
    assert answer.status_code == 413
    assert "max_upload_bytes" in answer.json()["message"]
    entry = audit(live)[0]  # every write attempt is audited, this one too
    assert (entry["action"], entry["target"], entry["outcome"]) == ("submit", ADDRESS, "refused")
    assert "max_upload_bytes" in entry["detail"]


# withdrawal


def test_withdraw_keeps_the_history(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client(live.token("publisher", "civreg", name="civreg CI")) as client:
        answer = client.delete(f"/api/records/{BIRTH}")
        assert answer.status_code == 200
        assert answer.json()["action"] == "withdraw"
        assert client.get(f"/api/records/{BIRTH}").status_code == 404
        assert client.delete(f"/api/records/{BIRTH}").status_code == 404
        versions = client.get(f"/api/records/{BIRTH}/history").json()["versions"]
        assert [v["action"] for v in versions] == ["load", "withdraw"]
        assert versions[-1]["actor"].endswith("(civreg CI)")


def test_withdraw_unknown_record_is_404(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client(live.token("admin")) as client:
        answer = client.delete("/api/records/no-such-record")
    assert answer.status_code == 404
    assert "no-such-record" in answer.json()["message"]


def test_withdraw_agency_that_still_publishes_is_409(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client(live.token("publisher", "civreg")) as client:
        answer = client.delete("/api/records/civreg")
        assert answer.status_code == 409
        assert ADDRESS in answer.json()["message"]
        assert client.get("/api/records/civreg").status_code == 200


# reading


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("text/html;q=0.9, application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_read_a_record_in_the_format_asked(
    client: httpx.Client, accept: str | None, media: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    answer = client.get(f"/api/records/{ADDRESS}", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(media)
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt"}.get(media, media)
    graph = Graph().parse(data=answer.text, format=fmt)
    subject = URIRef(f"https://registry.nif.example/interface/{ADDRESS}")
    assert (subject, URIRef("http://purl.org/dc/terms/identifier"), Literal(ADDRESS)) in graph


def test_read_refuses_what_it_cannot_give(client: httpx.Client) -> None:
    assert client.get("/api/records/nothing-here").status_code == 404
    answer = client.get(f"/api/records/{ADDRESS}", headers={"Accept": "text/html"})
    assert answer.status_code == 406
    assert "text/turtle" in answer.json()["message"]
    assert client.get(f"/api/records/{ADDRESS}", params={"format": "yaml"}).status_code == 400


def test_history_is_public(client: httpx.Client) -> None:
    body = client.get(f"/api/records/{ADDRESS}/history").json()
    assert body["record"] == ADDRESS
    content = client.get(f"/api/records/{ADDRESS}", headers={"Accept": "application/n-triples"})
    assert body["versions"][-1]["sha256"] == hashlib.sha256(content.content).hexdigest()
    assert client.get("/api/records/never-was/history").status_code == 404


def test_audit_log_shows_refused_writes_without_secrets(make_server: MakeServer) -> None:
    live = fresh(make_server)
    tax = live.token("publisher", "tax", name="tax CI")
    with live.client(tax) as client:
        assert client.delete(f"/api/records/{BIRTH}").status_code == 403
    with live.client(MALFORMED_TOKEN) as client:
        assert client.delete(f"/api/records/{BIRTH}").status_code == 401
    entries = audit(live)
    assert entries[0]["actor"] == "unauthenticated token"
    assert entries[1]["actor"] == f"token:{token_id(tax)} (tax CI)"
    assert entries[1]["target"] == BIRTH and entries[1]["outcome"] == "refused"
    for path in live.home.glob("*.sqlite*"):
        assert tax.split("_", 2)[2].encode() not in path.read_bytes(), path
    assert MALFORMED_TOKEN not in json.dumps(entries)


def test_a_breaking_minor_version_is_refused_with_its_comparisons(
    make_server: MakeServer,
) -> None:
    """civreg-birth 2.0.0 breaks 1.0.0; published as 1.1.0 it is a minor: 422, nothing stored."""
    live = fresh(make_server)
    as_minor = bundle(BIRTH, [('dcat:version "2.0.0"', 'dcat:version "1.1.0"')])
    with live.client() as reader, live.client(live.token("publisher", "civreg")) as civreg:
        before = current(reader, BIRTH)
        answer = put(civreg, BIRTH, as_minor, "application/zip")
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["error"] == "incompatible"
        assert "civreg-birth@1.1.0 is refused" in body["message"]
        assert "major version" in body["message"]
        [comparison] = body["details"]["comparisons"]
        assert (comparison["old"], comparison["new"]) == (
            "civreg-birth@1.0.0",
            "civreg-birth@1.1.0",
        )
        [notification] = comparison["messages"]
        assert notification["name"] == "BirthNotification"
        assert notification["backward"]["verdict"] in ("incompatible", "unknown")
        assert notification["backward"]["reason"]
        assert comparison["only_new"] == ["BirthRegistration"]
        assert current(reader, BIRTH) == before
    assert audit(live)[0]["outcome"] == "refused"
