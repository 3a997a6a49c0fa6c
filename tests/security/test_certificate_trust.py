"""Certificates stand on their signatures (issue 11, §3).

A certificate graph written into the store by other means than `issue` (older data, an import,
a remote store written by others), whose signature does not verify with the registry's key, is
never counted as certified: not by standing, badges, `/api/certificates`, the agency and
interface pages. A revocation counts only when signed with that key. And a third party checks
an exported certificate offline, with the published key, in an empty folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from nif.certify import CertificateState
from nif.certify._certificates import (
    certificate_graph,
    find_certificates,
    get_certificate,
    issue,
    revoke,
)
from nif.certify._keys import SigningKey, load_or_create
from nif.certify._model import Certificate
from nif.certify._namespaces import OA
from nif.certify._runner import agency_iri
from nif.certify._signature import SignatureStatus, sign
from nif.certify._standing import badge_for, standing
from nif.certify._verify import verify_certificate
from nif.registry import Registry, certificate_iri, revocation_iri, run_iri
from nif.registry._namespaces import DCTERMS, DQV, NIF, PROV
from nif.registry._records import sorted_ntriples
from nif.settings import Settings
from nif.store import open_store
from nif.web import create_app
from tests.certify import conftest as certify
from tests.certify.certified import certified, passing_run
from tests.web.conftest import LiveServer, _serve
from tests.web.test_pages import t

INVALID = CertificateState.SIGNATURE_INVALID
FORGERIES = ("tampered", "unsigned", "foreign key")
FORGED_IDS = {f: f"cert-20260101-0badc0d{i}" for i, f in enumerate(FORGERIES)}


demo_home, demo = certify.demo_home, certify.demo  # the fixtures, for this module


def forge(registry: Registry, genuine: Certificate, how: str, holder: str = "tax") -> str:
    """Write, straight into the store, a certificate of `holder` for the genuine one's version,
    copied from the genuine graph: edited after signing, unsigned, or signed with another key.
    Its IRI."""
    settings = registry.settings
    graph = certificate_graph(registry.store, settings, genuine.id)
    iri = URIRef(genuine.iri.replace(genuine.id, FORGED_IDS[how]))
    forged = Graph()
    for s, p, o in graph:
        subject = iri if s == URIRef(genuine.iri) else s
        if p == DCTERMS.identifier and subject == iri:
            o = Literal(FORGED_IDS[how])
        elif p == NIF.holder:
            o = URIRef(agency_iri(registry.store, holder))
        elif p == DCTERMS.title:
            o = Literal(str(o).replace(genuine.agency, holder, 1))
        forged.add((subject, p, o))
    if how == "unsigned":
        forged.remove((iri, NIF.signature, None))
        forged.remove((iri, NIF.signingKey, None))
    elif how == "foreign key":
        forged = sign(forged, iri, SigningKey.generate())
    # "tampered": the genuine signature over other content (holder, title, identifier)
    registry.store.replace_graph(str(iri), sorted_ntriples(forged))
    return str(iri)


def forge_revocation(registry: Registry, cert: Certificate, signed_by: SigningKey | None) -> None:
    """A revocation graph of `cert` written straight into the store (unsigned: as before)."""
    node = URIRef(revocation_iri(registry.settings, cert.id))
    graph = Graph()
    subject = URIRef(cert.iri)
    graph.add((subject, PROV.invalidatedAtTime, Literal("2026-01-02T00:00:00Z")))
    graph.add((subject, NIF.revokedBy, Literal("mallory")))
    graph.add((subject, NIF.revocationReason, Literal("forged: this agency cheated")))
    if signed_by is not None:
        graph = sign(graph, node, signed_by)
    registry.store.replace_graph(str(node), sorted_ntriples(graph))


# standing, badges and lists in the library


@pytest.mark.slow
@pytest.mark.parametrize("how", FORGERIES)
def test_a_certificate_whose_signature_fails_never_counts(demo: Registry, how: str) -> None:
    genuine = certified(demo)
    iri = forge(demo, genuine, how)
    state, cert = badge_for(demo.store, demo.settings, "tax", "civreg-birth", "2.0.0")
    assert state is INVALID and cert is not None and cert.iri == iri
    (listed,) = find_certificates(demo.store, demo.settings, agency="tax")
    now = standing(demo.store, demo.settings, listed)
    assert now.state is INVALID and now.reasons[0].startswith("signature ")
    assert not listed.signature.ok
    check = verify_certificate(
        demo.store,
        demo.settings,
        certificate_graph(demo.store, demo.settings, FORGED_IDS[how]),
        [load_or_create(demo.settings.home).public],
    )
    assert check.state is INVALID and not check.ok
    # the genuine certificate is untouched
    assert badge_for(demo.store, demo.settings, "civreg", "civreg-birth", "2.0.0")[0] is (
        CertificateState.CERTIFIED
    )


@pytest.mark.slow
def test_a_certificate_edited_in_place_is_signature_invalid(demo: Registry) -> None:
    genuine = certified(demo)
    demo.store.update(
        "PREFIX nif: <https://w3id.org/nif/ns#>\n"
        f"DELETE {{ GRAPH <{genuine.iri}> {{ <{genuine.iri}> nif:validUntil ?v }} }}\n"
        f'INSERT {{ GRAPH <{genuine.iri}> {{ <{genuine.iri}> nif:validUntil "2099-01-01T00:00:00Z" }} }}\n'
        f"WHERE {{ GRAPH <{genuine.iri}> {{ <{genuine.iri}> nif:validUntil ?v }} }}"
    )
    edited = get_certificate(demo.store, demo.settings, genuine.id)
    assert standing(demo.store, demo.settings, edited).state is INVALID
    assert badge_for(demo.store, demo.settings, "civreg", "civreg-birth", "2.0.0")[0] is INVALID


@pytest.mark.slow
def test_a_forged_revocation_is_ignored_and_a_signed_one_counts(demo: Registry) -> None:
    genuine = certified(demo)
    forge_revocation(demo, genuine, None)
    unsigned = get_certificate(demo.store, demo.settings, genuine.id)
    now = standing(demo.store, demo.settings, unsigned)
    assert unsigned.revocation is None and now.state is CertificateState.CERTIFIED
    assert "a revocation was ignored: signature unsigned" in now.notes[0]
    forge_revocation(demo, genuine, SigningKey.generate())
    foreign = get_certificate(demo.store, demo.settings, genuine.id)
    assert foreign.revocation is None
    assert "unknown key" in str(foreign.ignored_revocation)

    other = certified(demo)  # a real revocation of another certificate, replayed on this one
    revoke(demo, other.id, actor="bob", reason="misused")
    replayed = demo.store.read_graph(revocation_iri(demo.settings, other.id))
    demo.store.replace_graph(revocation_iri(demo.settings, genuine.id), replayed)
    assert get_certificate(demo.store, demo.settings, genuine.id).revocation is None
    assert get_certificate(demo.store, demo.settings, other.id).revocation is not None

    revoked = revoke(demo, genuine.id, actor="bob", reason="withdrawn")  # replaces the forgery
    assert revoked.revocation is not None and revoked.revocation.reason == "withdrawn"
    assert standing(demo.store, demo.settings, revoked).state is CertificateState.REVOKED


@pytest.mark.slow
def test_a_forged_certificate_cannot_claim_a_run(demo: Registry) -> None:
    genuine = certified(demo)
    run = passing_run(demo)
    forged = URIRef(genuine.iri.replace(genuine.id, FORGED_IDS["unsigned"]))
    graph = Graph()
    for s, p, o in certificate_graph(demo.store, demo.settings, genuine.id):
        if p not in (NIF.signature, NIF.signingKey):
            graph.add((forged if s == URIRef(genuine.iri) else s, p, o))
    graph.set((forged, PROV.wasDerivedFrom, URIRef(run_iri(demo.settings, run.id))))
    demo.store.replace_graph(str(forged), sorted_ntriples(graph))
    cert = issue(demo, run, load_or_create(demo.settings.home), actor="certifier")
    assert cert.run == run.id and cert.signature.ok


# the running service: badge, API, agency, interface and certificate pages


@pytest.fixture(scope="module")
def served(
    demo_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Certificate]]:
    """A service over a home with civreg's genuine certificate (its revocation forged) and the
    three forged certificates of tax for civreg-birth 2.0.0."""
    home = tmp_path_factory.mktemp("served") / "home"
    shutil.copytree(demo_home, home)
    settings = Settings(home=home)
    with Registry.open(settings) as registry:
        genuine = certified(registry)
        for how in FORGERIES:
            forge(registry, genuine, how)
        forge_revocation(registry, genuine, None)
    uv, thread, port = _serve(create_app(settings))
    yield LiveServer(f"http://127.0.0.1:{port}", settings, home), genuine
    uv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def client(served: tuple[LiveServer, Certificate]) -> Iterator[httpx.Client]:
    with served[0].client() as c:
        yield c


@pytest.mark.slow
def test_the_badge_shows_signature_invalid(client: httpx.Client) -> None:
    forged = client.get("/badge/tax/civreg-birth/2.0.0")
    assert forged.status_code == 200
    assert 'aria-label="NIF: signature invalid 2.0.0"' in forged.text
    genuine = client.get("/badge/civreg/civreg-birth/2.0.0")
    assert 'aria-label="NIF: certified 2.0.0"' in genuine.text  # the forged revocation: ignored


@pytest.mark.slow
def test_the_api_lists_and_shows_forgeries_as_signature_invalid(
    client: httpx.Client, served: tuple[LiveServer, Certificate]
) -> None:
    listed = client.get("/api/certificates", params={"agency": "tax"}).json()["certificates"]
    assert sorted(c["id"] for c in listed) == sorted(FORGED_IDS.values())
    assert {c["state"] for c in listed} == {"signature invalid"}
    assert all(c["signature"]["status"] != "valid" for c in listed)
    certified_ = client.get("/api/certificates", params={"state": "certified"}).json()
    assert [c["id"] for c in certified_["certificates"]] == [served[1].id]
    for how, cert_id in FORGED_IDS.items():
        shown = client.get(f"/api/certificates/{cert_id}").json()
        assert shown["state"] == "signature invalid", how
        assert shown["reasons"][0].startswith("signature "), how
        checked = client.get(f"/api/certificates/{cert_id}/verify").json()
        assert not checked["ok"] and checked["state"] == "signature invalid", how
    genuine = client.get(f"/api/certificates/{served[1].id}").json()
    assert genuine["state"] == "certified" and genuine["revocation"] is None
    assert "a revocation was ignored" in genuine["notes"][0]


@pytest.mark.slow
def test_agency_interface_and_certificate_pages_never_say_certified(
    client: httpx.Client, served: tuple[LiveServer, Certificate]
) -> None:
    invalid, certified_ = 'aria-label="NIF: signature invalid 2.0.0"', 'aria-label="NIF: certified'
    agency = client.get("/agencies/tax", headers={"Accept-Language": "en"}).text
    assert agency.count(invalid) == len(FORGERIES) and "Signature invalid" in agency
    assert certified_ not in agency
    interface = client.get("/interfaces/civreg-birth", headers={"Accept-Language": "en"}).text
    assert interface.count(invalid) == len(FORGERIES)
    assert interface.count(certified_) == 1  # civreg's genuine one
    for how, cert_id in FORGED_IDS.items():
        page = client.get(f"/certificates/{cert_id}", headers={"Accept-Language": "en"}).text
        assert t("en", "certificate.state.signature_invalid") in page, how
        assert t("en", "certificate.signature_invalid") in page, how
        assert certified_ not in page, how
    tampered = client.get(f"/certificates/{FORGED_IDS['tampered']}").text
    assert "signature mismatch" in tampered  # edited after signing
    genuine = client.get(f"/certificates/{served[1].id}").text
    assert t("en", "certificate.state.certified") in genuine
    assert "a revocation was ignored: signature unsigned" in genuine
    assert "forged: this agency cheated" not in genuine


# verifying offline, as a third party


def _nif(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nif", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.slow
def test_verify_offline_in_an_empty_folder(demo: Registry, tmp_path: Path) -> None:
    cert = certified(demo)
    demo.close()
    env = {**os.environ, "NIF_HOME": str(demo.settings.home)}
    env.pop("NIF_STORE", None)
    exported = _nif(tmp_path, env, "certify", "export", cert.id, "-o", str(tmp_path / "c.ttl"))
    assert exported.returncode == 0, exported.stderr
    key = _nif(tmp_path, env, "certify", "key")
    assert key.returncode == 0, key.stderr

    folder = tmp_path / "third-party"
    folder.mkdir()
    shutil.copy(tmp_path / "c.ttl", folder / "certificate.ttl")
    (folder / "key.pem").write_text(key.stdout, "ascii")
    tampered = (folder / "certificate.ttl").read_text("utf-8").replace("civreg", "busreg")
    (folder / "tampered.ttl").write_text(tampered, "utf-8")
    before = _files(folder)
    fresh = tmp_path / "fresh-home"
    unset = {k: v for k, v in os.environ.items() if not k.startswith("NIF_")}
    for env in (unset, {**unset, "NIF_HOME": str(fresh)}):
        done = _nif(folder, env, "certify", "verify", "certificate.ttl", "--key", "key.pem")
        assert done.returncode == 0, (done.stdout, done.stderr)
        lines = done.stdout.splitlines()
        assert lines[-1] == "ok"
        assert "  signature: valid" in done.stdout
        assert "issued by this registry: not checked (offline)" in done.stdout
        assert "not checked (needs the registry): that it has not been revoked" in done.stdout
        assert "pinned hashes: signed" in done.stdout and "state: certified" in done.stdout
        as_json = _nif(
            folder, env, "certify", "verify", "certificate.ttl", "--key", "key.pem", "--json"
        )
        report = json.loads(as_json.stdout)
        assert as_json.returncode == 0 and report["ok"] and report["unchecked"]
        bad = _nif(folder, env, "certify", "verify", "tampered.ttl", "--key", "key.pem")
        assert bad.returncode == 1, (bad.stdout, bad.stderr)
        assert "signature: mismatch" in bad.stdout and bad.stdout.splitlines()[-1] == "not ok"
        assert _files(folder) == before  # no store, no NIF_HOME, nothing
        assert not fresh.exists()


# on both stores: only a certificate's own graph makes it one, and only its signature counts


def _minimal(iri: URIRef, how: str, key: SigningKey) -> bytes:
    """A certificate graph with no records behind it: unsigned, or signed by `key`."""
    cert_id = str(iri).rsplit("/", 1)[-1]
    graph = Graph()
    for p, o in (
        (RDF.type, DQV.QualityCertificate),
        (DCTERMS.identifier, Literal(cert_id)),
        (DCTERMS.title, Literal("Certificate: tax implements civreg-birth@2.0.0")),
        (OA.hasTarget, URIRef("https://registry.nif.example/interface/x/2.0.0")),
        (NIF.holder, URIRef("https://registry.nif.example/agency/tax")),
        (DCTERMS.creator, Literal("someone")),
        (NIF.issuedBy, Literal("mallory")),
        (DCTERMS.issued, Literal("2026-01-01T00:00:00Z")),
        (NIF.validUntil, Literal("2099-01-01T00:00:00Z")),
        (PROV.wasDerivedFrom, URIRef("https://registry.nif.example/certification/run/r")),
        (NIF.suite, URIRef("https://registry.nif.example/conformance/x")),
        (NIF.suiteChecksum, Literal("0" * 64)),
    ):
        graph.add((iri, p, o))
    return sorted_ntriples(graph if how == "unsigned" else sign(graph, iri, key))


@pytest.mark.slow
@pytest.mark.parametrize("store_kind", ["embedded", "virtuoso", "oxigraph-server"])
def test_stored_graphs_count_only_on_their_signature(
    store_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = Settings(home=tmp_path / "home")
    if store_kind != "embedded":
        server = request.getfixturevalue(store_kind.replace("-", "_"))
        server.clear()
        settings = server.settings_for(settings)
    own = load_or_create(settings.home)
    prefix = certificate_iri(settings, "")
    iris = {how: URIRef(f"{prefix}cert-20260101-0000000{i}") for i, how in enumerate(FORGERIES)}
    graphs = {
        str(iris["unsigned"]): _minimal(iris["unsigned"], "unsigned", own),
        str(iris["foreign key"]): _minimal(iris["foreign key"], "signed", SigningKey.generate()),
        str(iris["tampered"]): _minimal(iris["tampered"], "signed", own).replace(
            b"mallory", b"trudy"
        ),
    }
    stray = URIRef(f"{prefix}cert-20260101-00000009")  # stated in another graph only
    leaked = _minimal(stray, "signed", own)
    store = open_store(settings)
    try:
        store.replace_graphs({**graphs, "https://registry.nif.example/agency/tax": leaked})
        found = find_certificates(store, settings)
        assert sorted(c.iri for c in found) == sorted(graphs)
        for cert in found:
            now = standing(store, settings, cert)
            assert now.state is INVALID and now.reasons[0].startswith("signature "), cert.iri
        assert {c.signature.status for c in found} == {
            SignatureStatus.UNSIGNED,
            SignatureStatus.UNKNOWN_KEY,
            SignatureStatus.MISMATCH,
        }
        genuine = URIRef(f"{prefix}cert-20260101-0000000a")
        store.replace_graph(str(genuine), _minimal(genuine, "signed", own))
        signed = get_certificate(store, settings, str(genuine))
        assert signed.signature.ok  # counts (its suite is unknown here: needs re-certification)
        assert standing(store, settings, signed).state is not INVALID
    finally:
        store.close()
