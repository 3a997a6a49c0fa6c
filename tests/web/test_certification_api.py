"""The certification API through a real server: runs (evidence and endpoint mode), who may run,
see, issue and revoke, the whole flow from evidence to a verified and then revoked certificate,
the audit of every write attempt, and the secrecy of endpoint header values."""

from __future__ import annotations

import contextlib
import http.server
import io
import logging
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from nif.auth import TokenStore
from nif.certify import available
from nif.registry import Registry
from nif.registry._namespaces import EARL, NIF
from nif.settings import Settings
from tests.certify import endpoints
from tests.conftest import ROOT
from tests.web.certification import (
    BIRTH,
    BROKEN_REGISTRATION,
    VAT,
    evidence_zip,
    issued,
    passed_run,
    start_run,
)
from tests.web.conftest import LiveServer
from tests.web.messages import heavy_company_extract

MakeServer = Callable[..., LiveServer]
BIRTH_EXAMPLES = ROOT / "registry/interfaces/civreg-birth/examples/2.0.0/BirthNotification"
RUNS = "/api/certification/runs"
CERTIFICATES = "/api/certificates"
WHO = ["anonymous", "revoked", "publisher-own", "publisher-other", "certifier", "admin"]
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


def credentials(live: LiveServer, who: str) -> str | None:
    """A token of `who` (civreg is the own agency: the runs are of civreg-birth)."""
    match who:
        case "anonymous":
            return None
        case "publisher-own":
            return live.token("publisher", "civreg", name="civreg CI")
        case "publisher-other":
            return live.token("publisher", "tax", name="tax CI")
        case "certifier":
            return live.token("certifier", name="competence centre")
        case "admin":
            return live.token("admin", name="operator")
    token = live.token("certifier", name="former certifier")
    tokens = TokenStore(live.home / "secrets.sqlite")
    try:
        tokens.revoke(token.split("_")[1])
    finally:
        tokens.close()
    return token


def audit(live: LiveServer, action: str) -> list[dict[str, Any]]:
    """The audit entries of `action`, oldest first."""
    with live.client(live.token("admin", name="auditor")) as admin:
        entries = admin.get("/api/audit", params={"limit": 10_000}).json()["entries"]
    return [e for e in reversed(entries) if e["action"] == action]


@pytest.fixture
def live(make_server: MakeServer) -> LiveServer:
    return make_server(validation_workers=1)


# runs


def test_who_may_run_a_suite_and_for_what(live: LiveServer) -> None:
    expected = {
        "anonymous": (401, None),
        "revoked": (401, None),
        "publisher-own": (201, "self-test"),
        "publisher-other": (403, None),
        "certifier": (201, "certification"),
        "admin": (201, "certification"),
    }
    for who in WHO:
        with live.client(credentials(live, who)) as client:
            answer = start_run(client)
            status, purpose = expected[who]
            assert answer.status_code == status, (who, answer.text)
            if status != 201:
                assert answer.json()["status"] == status
                continue
            run = answer.json()
            assert (run["purpose"], run["agency"], run["passed"]) == (purpose, "civreg", True)
            assert answer.headers["location"] == f"{RUNS}/{run['id']}"
            assert client.get(answer.headers["location"]).json() == run
    entries = audit(live, "certification.run")
    assert [e["outcome"] for e in entries] == [
        "refused",
        "refused",
        "stored",
        "refused",
        "stored",
        "stored",
    ]
    assert [e["actor"] for e in entries[:2]] == ["anonymous", "unauthenticated token"]
    assert entries[3]["actor"].endswith("(tax CI)")
    assert "its own agency" in entries[3]["detail"]
    assert entries[3]["target"] == "civreg civreg-birth@2.0.0"
    assert entries[2]["detail"].startswith("run-") and "(passed)" in entries[2]["detail"]


def test_runs_are_seen_by_their_agency_and_certifiers_only(live: LiveServer) -> None:
    with (
        live.client(credentials(live, "publisher-own")) as civreg,
        live.client(credentials(live, "publisher-other")) as tax,
        live.client(credentials(live, "certifier")) as certifier,
        live.client() as anonymous,
    ):
        own = start_run(civreg).json()
        theirs = start_run(tax, VAT).json()
        certified = passed_run(certifier)
        assert tax.get(f"{RUNS}/{own['id']}").status_code == 404
        hidden = tax.get(f"{RUNS}/{own['id']}/earl")
        missing = tax.get(f"{RUNS}/run-20000101-00000000")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["message"].replace(own["id"], "?") == missing.json()[
            "message"
        ].replace("run-20000101-00000000", "?")
        assert civreg.get(f"{RUNS}/{theirs['id']}").status_code == 404
        assert civreg.get(f"{RUNS}/{certified['id']}").json()["id"] == certified["id"]
        listed = [r["id"] for r in civreg.get(RUNS).json()["runs"]]
        assert listed == [certified["id"], own["id"]]
        assert civreg.get(RUNS, params={"agency": "tax"}).json() == {"runs": []}
        assert [r["id"] for r in tax.get(RUNS).json()["runs"]] == [theirs["id"]]
        everything = certifier.get(RUNS).json()["runs"]
        assert {r["id"] for r in everything} == {own["id"], theirs["id"], certified["id"]}
        assert "results" not in everything[0]
        vat = certifier.get(RUNS, params={"interface": "tax-vat-return", "version": "1.0.0"})
        assert [r["id"] for r in vat.json()["runs"]] == [theirs["id"]]
        assert certifier.get(RUNS, params={"version": "9.9.9"}).json() == {"runs": []}
        for path in (RUNS, f"{RUNS}/{own['id']}", f"{RUNS}/{own['id']}/earl"):
            assert anonymous.get(path).status_code == 401


BAD_FORMS: list[tuple[dict[str, Any], bool, int, str]] = [
    ({"interface": "civreg-birth@2.0.0"}, True, 400, "'agency'"),
    ({"agency": "civreg"}, True, 400, "'interface'"),
    ({"agency": "civreg", "interface": "civreg-birth"}, True, 400, "version"),
    (
        {"agency": "civreg", "interface": "civreg-birth@2.0.0", "version": "1.0.0"},
        True,
        400,
        "'version' is '1.0.0'",
    ),
    ({"agency": "civreg", "interface": "civreg-birth@2.0.0"}, False, 400, "either"),
    (
        {"agency": "civreg", "interface": "civreg-birth@2.0.0", "endpoint": "https://x.example"},
        True,
        400,
        "either",
    ),
    ({"agency": "civreg", "interface": "civreg-birth@9.9.9"}, True, 404, "2.0.0"),
    ({"agency": "nobody", "interface": "civreg-birth@2.0.0"}, True, 404, "nobody"),
    (
        {"agency": "civreg", "interface": "civreg-birth", "version": "2.0.0", "header": "X: y"},
        True,
        400,
        "'header'",
    ),
]


@pytest.mark.parametrize(("form", "with_evidence", "status", "says"), BAD_FORMS)
def test_a_bad_run_request_says_what_is_wrong(
    server: LiveServer, form: dict[str, Any], with_evidence: bool, status: int, says: str
) -> None:
    files = {"evidence": ("e.zip", evidence_zip(*BIRTH), "application/zip")}
    with server.client(server.token("certifier")) as client:
        answer = client.post(RUNS, data=form, files=files if with_evidence else None)
    assert answer.status_code == status, answer.text
    assert says in answer.json()["message"]


def test_evidence_that_is_not_a_zip_or_too_large_is_refused(make_server: MakeServer) -> None:
    live = make_server(validation_workers=1, max_upload_bytes=4000)
    form = {"agency": "civreg", "interface": "civreg-birth@2.0.0"}
    with live.client(credentials(live, "certifier")) as client:
        not_zip = client.post(RUNS, data=form, files={"evidence": ("e.zip", b"PK? no", "x/y")})
        assert not_zip.status_code == 400
        assert "zip" in not_zip.json()["message"]
        big = b"<a>" + b" " * 5000 + b"</a>"
        too_large = client.post(RUNS, data=form, files={"evidence": ("e.zip", big, "x/y")})
        assert too_large.status_code == 413
        assert "max_upload_bytes" in too_large.json()["message"]
        assert client.get(RUNS).json() == {"runs": []}
    refusals = [e["detail"] for e in audit(live, "certification.run")]
    assert len(refusals) == 2
    assert "zip" in refusals[0] and "max_upload_bytes" in refusals[1]


def test_failing_evidence_names_the_failed_cases_and_yields_no_certificate(
    live: LiveServer,
) -> None:
    with live.client(credentials(live, "certifier")) as client:
        answer = start_run(client, edits=[BROKEN_REGISTRATION])
        assert answer.status_code == 201
        run = answer.json()
        assert not run["passed"]
        assert run["failed_mandatory"] == ["produce-registration"]
        failed = next(r for r in run["results"] if r["case"] == "produce-registration")
        assert failed["outcome"] == "failed" and failed["reports"]
        earl = Graph().parse(data=client.get(f"{RUNS}/{run['id']}/earl").text, format="turtle")
        outcomes = {
            str(earl.value(a, EARL.test)).rsplit("#", 1)[-1].rsplit("/", 1)[-1]: earl.value(
                earl.value(a, EARL.result), EARL.outcome
            )
            for a in earl.subjects(RDF.type, EARL.Assertion)
        }
        assert EARL.failed in outcomes.values()
        assert sum(o == EARL.failed for o in outcomes.values()) == 1
        refused = client.post(CERTIFICATES, json={"run": run["id"]})
        assert refused.status_code == 409
        assert "produce-registration" in refused.json()["message"]
        assert client.get(CERTIFICATES, params={"agency": "civreg"}).json() == {"certificates": []}
    assert [e["outcome"] for e in audit(live, "certificate.issue")] == ["refused"]


@pytest.mark.parametrize("media", list(RDF_FORMATS))
def test_a_run_as_earl_in_each_syntax(server: LiveServer, media: str) -> None:
    with server.client(server.token("certifier")) as client:
        run = passed_run(client, VAT)
        by_accept = client.get(f"{RUNS}/{run['id']}/earl", headers={"Accept": media})
    assert by_accept.status_code == 200
    assert by_accept.headers["content-type"].split(";")[0] == media
    graph = Graph().parse(data=by_accept.content, format=RDF_FORMATS[media])
    assertions = set(graph.subjects(RDF.type, EARL.Assertion))
    assert len(assertions) == len(run["results"])
    assert {graph.value(graph.value(a, EARL.result), EARL.outcome) for a in assertions} == {
        EARL.passed
    }
    activity = URIRef(f"{server.settings.registry.base_iri}certification/run/{run['id']}")
    assert graph.value(activity, NIF.suiteChecksum) == Literal(run["suite"]["sha256"])


def test_earl_format_parameter_and_refusals(server: LiveServer) -> None:
    with server.client(server.token("certifier")) as client:
        run = passed_run(client)
        path = f"{RUNS}/{run['id']}/earl"
        assert client.get(path, params={"format": "ntriples"}).headers["content-type"] == (
            "application/n-triples"
        )
        assert client.get(path, params={"format": "svg"}).status_code == 400
        assert client.get(path, headers={"Accept": "image/png"}).status_code == 406


# certificates


def test_who_may_issue_a_certificate(live: LiveServer) -> None:
    with live.client(credentials(live, "certifier")) as certifier:
        runs = [passed_run(certifier)["id"] for _ in range(2)]
    expected = {
        "anonymous": 401,
        "revoked": 401,
        "publisher-own": 403,
        "publisher-other": 403,
        "certifier": 201,
        "admin": 201,
    }
    made = []
    for who in WHO:
        with live.client(credentials(live, who)) as client:
            run = runs[len(made)] if expected[who] == 201 else runs[0]
            answer = client.post(CERTIFICATES, json={"run": run, "valid_days": 30})
            assert answer.status_code == expected[who], (who, answer.text)
            if answer.status_code == 201:
                certificate = answer.json()
                made.append(certificate)
                assert answer.headers["location"] == f"{CERTIFICATES}/{certificate['id']}"
                assert certificate["state"] == "certified"
                assert certificate["run"] == run
                assert certificate["valid_until"][:10] > certificate["issued"][:10]
    entries = audit(live, "certificate.issue")
    assert [e["outcome"] for e in entries] == ["refused"] * 4 + ["issued"] * 2
    assert [e["actor"] for e in entries[:2]] == ["anonymous", "unauthenticated token"]
    assert "certifier or admin" in entries[2]["detail"]


def test_what_cannot_be_certified(live: LiveServer) -> None:
    with (
        live.client(credentials(live, "publisher-own")) as publisher,
        live.client(credentials(live, "certifier")) as certifier,
    ):
        self_test = start_run(publisher).json()
        answer = certifier.post(CERTIFICATES, json={"run": self_test["id"]})
        assert answer.status_code == 409
        assert "self-test" in answer.json()["message"]
        run = passed_run(certifier)
        assert certifier.post(CERTIFICATES, json={"run": run["id"]}).status_code == 201
        again = certifier.post(CERTIFICATES, json={"run": run["id"]})
        assert again.status_code == 409
        unknown = certifier.post(CERTIFICATES, json={"run": "run-20000101-00000000"})
        assert unknown.status_code == 404
        for body, says in [
            ({"run": run["id"], "valid_days": 0}, "valid_days"),
            ({"run": run["id"], "extra": 1}, "extra"),
            ({}, "run"),
        ]:
            bad = certifier.post(CERTIFICATES, json=body)
            assert bad.status_code == 400 and says in bad.json()["message"], bad.text
        not_json = certifier.post(
            CERTIFICATES, content=b"{", headers={"Content-Type": "application/json"}
        )
        assert not_json.status_code == 400
        assert "not JSON" in not_json.json()["message"]
    outcomes = [e["outcome"] for e in audit(live, "certificate.issue")]
    assert outcomes == ["refused", "issued", "refused", "refused"] + ["refused"] * 4


def test_issue_read_verify_revoke(live: LiveServer) -> None:
    with (
        live.client(credentials(live, "certifier")) as certifier,
        live.client() as anyone,
    ):
        certificate = issued(certifier)
        path = f"{CERTIFICATES}/{certificate['id']}"
        shown = anyone.get(path).json()
        assert shown == certificate
        assert (shown["state"], shown["reasons"], shown["revocation"]) == ("certified", [], None)
        listed = anyone.get(CERTIFICATES, params={"agency": "civreg", "state": "certified"})
        assert [c["id"] for c in listed.json()["certificates"]] == [certificate["id"]]
        assert anyone.get(CERTIFICATES, params={"agency": "tax"}).json()["certificates"] == []
        iri = URIRef(certificate["iri"])
        for media, fmt in RDF_FORMATS.items():
            answer = anyone.get(path, headers={"Accept": media})
            assert answer.headers["content-type"].split(";")[0] == media
            graph = Graph().parse(data=answer.content, format=fmt)
            assert graph.value(iri, NIF.signingKey) == Literal(certificate["key_id"])
        turtle = anyone.get(path, params={"format": "turtle"}).content

        check = anyone.get(f"{path}/verify").json()
        assert (check["ok"], check["state"], check["problems"]) == (True, "certified", [])
        assert check["signature"]["status"] == "valid"
        held = anyone.post(
            f"{CERTIFICATES}/verify", content=turtle, headers={"Content-Type": "text/turtle"}
        ).json()
        assert held["ok"] and held["issued_here"]
        edited = turtle.replace(b"2.0.0", b"2.0.1")
        tampered = anyone.post(
            f"{CERTIFICATES}/verify", content=edited, headers={"Content-Type": "text/turtle"}
        )
        assert tampered.status_code == 200
        assert not tampered.json()["ok"]
        assert tampered.json()["signature"]["status"] == "mismatch"

        revoked = certifier.post(f"{path}/revoke", json={"reason": "the endpoint was retired"})
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["state"] == "revoked"
        assert revoked.json()["revocation"]["reason"] == "the endpoint was retired"
        after = anyone.get(f"{path}/verify").json()
        assert (after["ok"], after["state"], after["signature"]["status"]) == (
            False,
            "revoked",
            "valid",
        )
        assert any("the endpoint was retired" in p for p in after["problems"])
        assert anyone.get(path).json()["state"] == "revoked"
        by_state = anyone.get(CERTIFICATES, params={"state": "revoked"}).json()["certificates"]
        assert [c["id"] for c in by_state] == [certificate["id"]]
        again = certifier.post(f"{path}/revoke", json={"reason": "twice"})
        assert again.status_code == 409
    assert [e["outcome"] for e in audit(live, "certificate.revoke")] == ["revoked", "refused"]


def test_who_may_revoke_a_certificate(live: LiveServer) -> None:
    with live.client(credentials(live, "certifier")) as certifier:
        certificates = [issued(certifier)["id"] for _ in range(2)]
    expected = {
        "anonymous": 401,
        "revoked": 401,
        "publisher-own": 403,
        "publisher-other": 403,
        "certifier": 200,
        "admin": 200,
    }
    done = 0
    for who in WHO:
        with live.client(credentials(live, who)) as client:
            target = certificates[done] if expected[who] == 200 else certificates[0]
            answer = client.post(f"{CERTIFICATES}/{target}/revoke", json={"reason": "test"})
            assert answer.status_code == expected[who], (who, answer.text)
            done += answer.status_code == 200
    with live.client(credentials(live, "certifier")) as certifier:
        missing = certifier.post(
            f"{CERTIFICATES}/cert-20000101-00000000/revoke", json={"reason": "x"}
        )
        assert missing.status_code == 404
        blank = certifier.post(f"{CERTIFICATES}/{certificates[0]}/revoke", json={"reason": ""})
        assert blank.status_code == 400
    entries = audit(live, "certificate.revoke")
    assert [e["outcome"] for e in entries] == ["refused"] * 4 + ["revoked"] * 2 + ["refused"] * 2
    assert entries[0]["target"] == certificates[0]


def test_unknown_certificates_and_bad_files(server: LiveServer) -> None:
    with server.client() as anyone:
        for path in ("cert-20000101-00000000", "cert-20000101-00000000/verify", "nothing"):
            answer = anyone.get(f"{CERTIFICATES}/{path}")
            assert answer.status_code == 404, path
        wrong_type = anyone.post(
            f"{CERTIFICATES}/verify", content=b"x", headers={"Content-Type": "text/plain"}
        )
        assert wrong_type.status_code == 415
        not_rdf = anyone.post(
            f"{CERTIFICATES}/verify", content=b"<<", headers={"Content-Type": "text/turtle"}
        )
        assert not_rdf.status_code == 400
        no_certificate = anyone.post(
            f"{CERTIFICATES}/verify",
            content=b"<urn:a> <urn:b> <urn:c> .",
            headers={"Content-Type": "application/n-triples"},
        )
        assert no_certificate.status_code == 400
        assert "dqv:QualityCertificate" in no_certificate.json()["message"]


# endpoint mode and the secrecy of header values

SECRET = "s3cr3t-api-key-value-0d1f"
QUERY_SECRET = "qu3ry-s3cr3t-77ab"


@pytest.fixture(scope="module")
def conforming(
    demo_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[endpoints.EndpointServer]:
    """The conforming test implementation of civreg-birth 2.0.0, over the demo profiles."""
    home = tmp_path_factory.mktemp("endpoint-home")
    shutil.copytree(demo_home, home, dirs_exist_ok=True)
    settings = Settings(home=home)
    with Registry.open(settings) as registry:
        profiles = endpoints.demo_profiles(registry)
    with endpoints.running(profiles, settings, conforming=True) as implementation:
        yield implementation


def test_endpoint_header_values_are_sent_and_never_kept_or_shown(
    make_server: MakeServer,
    conforming: endpoints.EndpointServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    live = make_server(validation_workers=1, endpoint_allow_http=True, endpoint_allow_private=True)
    url = conforming.endpoint("civreg-birth", "2.0.0") + f"?key={QUERY_SECRET}"
    form = {"agency": "civreg", "interface": "civreg-birth@2.0.0", "endpoint": url}
    with live.client(credentials(live, "certifier")) as client:
        answer = client.post(RUNS, data={**form, "header": [f"X-Api-Key: {SECRET}"]})
        assert answer.status_code == 201, answer.text
        run = answer.json()
        assert run["passed"] and run["mode"] == "endpoint"
        assert run["endpoint"] == conforming.endpoint("civreg-birth", "2.0.0")
        sent = [r for r in conforming.received if r.headers.get("x-api-key") == SECRET]
        assert sent, "the endpoint never got the header"
        bad = client.post(RUNS, data={**form, "header": [f"X-Api-Key {SECRET}"]})
        assert bad.status_code == 400
        assert "line 1" in bad.json()["message"]
        shown = [
            answer.text,
            bad.text,
            client.get(f"{RUNS}/{run['id']}").text,
            client.get(f"{RUNS}/{run['id']}/earl").text,
            client.get(RUNS).text,
        ]
        certificate = client.post(CERTIFICATES, json={"run": run["id"]})
        assert certificate.status_code == 201
        shown.append(client.get(f"{CERTIFICATES}/{certificate.json()['id']}?format=ntriples").text)
    shown.append(str(audit(live, "certification.run")))
    shown.append(caplog.text)
    for text in shown:
        assert SECRET not in text
        assert QUERY_SECRET not in text
    for path in live.home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


# the service's start


def test_the_demo_service_starts_with_its_suites_and_verifying_certificates(
    make_server: MakeServer,
) -> None:
    live = make_server(demo=False, load_demo=True, validation_workers=1)
    with live.client() as anyone:
        certificates = anyone.get(CERTIFICATES).json()["certificates"]
        assert {(c["agency"], c["interface"], c["version"]) for c in certificates} == {BIRTH, VAT}
        for certificate in certificates:
            assert certificate["state"] == "certified"
            assert certificate["issued_by"] == "nif serve (demo certificates)"
            check = anyone.get(f"{CERTIFICATES}/{certificate['id']}/verify").json()
            assert check["ok"], check["problems"]
        for interface, version in available():
            suite = (
                f"{live.settings.registry.base_iri}conformance/{interface}/{version}/manifest.ttl"
            )
            query = f"ASK {{ GRAPH <{suite}> {{ <{suite}> <{NIF.suiteChecksum}> ?sha }} }}"
            answer = anyone.get(
                "/sparql",
                params={"query": query},
                headers={"Accept": "application/sparql-results+json"},
            )
            assert answer.json()["boolean"], suite
    with live.client(credentials(live, "certifier")) as certifier:
        runs = certifier.get(RUNS).json()["runs"]
    assert {r["id"] for r in runs} == {c["run"] for c in certificates}


def test_a_runs_messages_are_checked_by_the_workers_which_stop_a_runaway(
    make_server: MakeServer,
) -> None:
    """A run's validations go to the service's worker pool: one over its time limit is
    stopped there (its case cannot tell), and the service keeps answering."""
    server = make_server(step_timeout=0.2, validation_workers=1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("produce-extract.xml", heavy_company_extract(20_000))
    with server.client(server.token("certifier")) as client:
        answer = client.post(
            "/api/certification/runs",
            data={"agency": "busreg", "interface": "busreg-company@2.0.0"},
            files={"evidence": ("evidence.zip", buffer.getvalue(), "application/zip")},
        )
        assert answer.status_code == 201, answer.text
        produce = next(r for r in answer.json()["results"] if r["case"] == "produce-extract")
        assert produce["outcome"] == "cantTell"
        assert "time limit exceeded" in produce["summary"]
        assert client.get("/health").status_code == 200


@contextlib.contextmanager
def _held_endpoint() -> Iterator[tuple[str, threading.Event, threading.Event]]:
    """An endpoint on 127.0.0.1 that holds every request until `release` is set: its URL, the
    event set when a request came, and `release`."""
    called, release = threading.Event(), threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            called.set()
            release.wait(60)
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/civreg-birth/2.0.0", called, release
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_a_run_takes_a_place_in_the_validation_pool(make_server: MakeServer) -> None:
    """A run holds one of the `max_concurrent_validations` places while it runs, as a
    validation does: with one place, a validation or a second run sent meanwhile gets 429."""
    live = make_server(
        max_concurrent_validations=1,
        validation_workers=1,
        rate_limit=0,
        endpoint_allow_http=True,
        endpoint_allow_private=True,
    )
    newborn = (BIRTH_EXAMPLES / "valid-newborn.xml").read_bytes()
    token = credentials(live, "certifier")
    answers: dict[str, Any] = {}
    with _held_endpoint() as (url, called, release):
        form = {"agency": "civreg", "interface": "civreg-birth@2.0.0", "endpoint": url}

        def run() -> None:
            with live.client(token) as client:
                answers["run"] = client.post(RUNS, data=form)

        first = threading.Thread(target=run)
        first.start()
        try:
            assert called.wait(60), "the run never reached the endpoint"
            with live.client(token) as client:
                validation = client.post("/api/validate", content=newborn)
                second = start_run(client)
        finally:
            release.set()
            first.join(120)
    for refused in (validation, second):
        assert refused.status_code == 429, refused.text
        assert "max_concurrent_validations" in refused.json()["message"]
    assert answers["run"].status_code == 201, answers["run"].text
    outcomes = [(e["outcome"], e["detail"]) for e in audit(live, "certification.run")]
    assert [o for o, _ in outcomes] == ["refused", "stored"]
    assert "max_concurrent_validations" in outcomes[0][1]
    with live.client(token) as client:
        assert client.post("/api/validate", content=newborn).status_code == 200
