"""The whole certification flow on the demo registry, as a competence centre lives it: evidence
or a live endpoint -> run -> certificate -> verification, and every way that chain must break
(a changed schema, an edited certificate file, failing evidence, a self-test, expiry)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from nif.certify import (
    CaseOutcome,
    Endpoint,
    Evidence,
    Purpose,
    Run,
    RunStore,
    find_suite,
    run_graph,
    run_iri,
    run_suite,
)
from nif.certify._certificates import certificate_graph, issue
from nif.certify._keys import SigningKey, load_or_create
from nif.certify._model import Certificate, CertificateState
from nif.certify._signature import SignatureStatus
from nif.certify._standing import badge_for, standing
from nif.certify._suite import CaseKind
from nif.certify._verify import parse_certificate, verify_certificate
from nif.errors import CertificationError
from nif.registry import Registry
from nif.registry._namespaces import EARL
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.certify.certified import changed_schema
from tests.certify.endpoints import EndpointServer
from tests.certify.evidence import failing_evidence, passing_evidence
from tests.conftest import ROOT, cli_runner

SUITES = ("civreg-birth@2.0.0", "tax-vat-return@1.0.0")
AGENCY = {"civreg-birth": "civreg", "tax-vat-return": "tax"}
OPEN = {"endpoint_allow_http": True, "endpoint_allow_private": True, "endpoint_timeout": 10.0}


def run_on(
    registry: Registry,
    suite: str,
    *,
    files: dict[str, bytes] | None = None,
    endpoint: EndpointServer | None = None,
    purpose: Purpose = Purpose.CERTIFICATION,
) -> Run:
    """A run of the suite `interface@version` on evidence files or an endpoint, kept in the
    run store as the CLI and the service keep theirs."""
    interface, version = suite.split("@")
    evidence = Evidence(files) if files is not None else None
    target = None
    if endpoint is not None:
        settings = registry.settings.replace(**OPEN)
        target = Endpoint(endpoint.endpoint(interface, version), {}, settings)
    run = run_suite(
        registry,
        find_suite(interface, version),
        agency=AGENCY[interface],
        evidence=evidence,
        endpoint=target,
        actor="certifier",
        purpose=purpose,
    )
    runs = RunStore(registry.settings.home)
    try:
        runs.save(run, evidence)
        assert runs.get(run.id).to_dict() == run.to_dict()
    finally:
        runs.close()
    return run


def key(registry: Registry) -> SigningKey:
    return load_or_create(registry.settings.home)


def check(registry: Registry, graph: Graph) -> tuple[bool, CertificateState, tuple[str, ...]]:
    found = verify_certificate(registry.store, registry.settings, graph, [key(registry).public])
    return found.ok, found.state, found.problems


def stored_check(registry: Registry, cert: Certificate) -> tuple[bool, CertificateState, tuple]:
    return check(registry, certificate_graph(registry.store, registry.settings, cert.id))


def earl_outcomes(registry: Registry, run: Run) -> dict[str, str]:
    """Each case's EARL outcome (local name) in the run's graph, by case identifier."""
    graph = run_graph(run, registry.settings, registry.store)
    suite = find_suite(run.interface, run.version)
    by_iri = {c.iri: c.identifier for c in suite.cases}
    rows = graph.query(
        "SELECT ?test ?outcome WHERE { ?a a earl:Assertion ; earl:test ?test ;"
        " earl:result ?r . ?r earl:outcome ?outcome }",
        initNs={"earl": EARL},
    )
    return {by_iri[str(r[0])]: str(r[1]).removeprefix(str(EARL)) for r in rows}  # type: ignore[index]


@pytest.mark.parametrize("suite", SUITES)
def test_passing_evidence_yields_a_certificate_that_verifies(demo: Registry, suite: str) -> None:
    run = run_on(demo, suite, files=passing_evidence(suite))
    assert run.passed and not run.failed_mandatory
    cert = issue(demo, run, key(demo), actor="certifier")
    assert cert.run == run.id and cert.agency == run.agency
    assert stored_check(demo, cert) == (True, CertificateState.CERTIFIED, ())
    assert badge_for(demo.store, demo.settings, cert.agency, cert.interface, cert.version) == (
        CertificateState.CERTIFIED,
        cert,
    )
    stored_run = Graph().parse(data=demo.store.read_graph(run_iri(demo.settings, run.id)))
    outcomes = set(stored_run.objects(None, EARL.outcome))
    assert outcomes == {EARL.passed}


def test_a_changed_schema_needs_recertification_and_verify_names_it(
    demo: Registry, tmp_path: Path
) -> None:
    run = run_on(demo, "civreg-birth@2.0.0", files=passing_evidence("civreg-birth@2.0.0"))
    cert = issue(demo, run, key(demo), actor="certifier")
    changed_schema(demo, tmp_path)

    found = standing(demo.store, demo.settings, cert)
    assert found.state is CertificateState.NEEDS_RECERTIFICATION
    assert any("artefact checksums of civreg-birth@2.0.0 changed" in r for r in found.reasons)
    ok, state, problems = stored_check(demo, cert)
    assert not ok and state is CertificateState.NEEDS_RECERTIFICATION
    assert any("artefact checksums" in p for p in problems)
    assert all("signature" not in p for p in problems)  # the file is intact; the registry moved
    with pytest.raises(CertificationError, match="artefact"):
        issue(demo, run, key(demo), actor="certifier")  # the old run no longer describes it
    fresh = run_on(demo, "civreg-birth@2.0.0", files=passing_evidence("civreg-birth@2.0.0"))
    renewed = issue(demo, fresh, key(demo), actor="certifier")
    assert stored_check(demo, renewed)[:2] == (True, CertificateState.CERTIFIED)


@pytest.mark.parametrize("edit", ["validUntil", "holder"])
def test_an_edited_certificate_file_fails_verification(demo: Registry, edit: str) -> None:
    run = run_on(demo, "civreg-birth@2.0.0", files=passing_evidence("civreg-birth@2.0.0"))
    cert = issue(demo, run, key(demo), actor="certifier")
    turtle = certificate_graph(demo.store, demo.settings, cert.id).serialize(format="turtle")
    assert check(demo, parse_certificate(turtle.encode(), "cert.ttl"))[0]
    if edit == "validUntil":
        later = str(int(cert.valid_until[:4]) + 10) + cert.valid_until[4:]
        assert turtle.count(cert.valid_until) == 1
        edited = turtle.replace(cert.valid_until, later)
    else:
        other = cert.agency_iri.replace("/agency/civreg", "/agency/tax")
        assert turtle.count(cert.agency_iri) == 1
        edited = turtle.replace(cert.agency_iri, other)

    found = verify_certificate(
        demo.store,
        demo.settings,
        parse_certificate(edited.encode(), "cert.ttl"),
        [key(demo).public],
    )
    assert not found.ok
    assert found.signature.status is SignatureStatus.MISMATCH
    assert any("differs from the certificate this registry issued" in p for p in found.problems)


@pytest.mark.parametrize("suite", SUITES)
def test_failing_evidence_yields_no_certificate_and_earl_names_the_failed_cases(
    demo: Registry, suite: str
) -> None:
    run = run_on(demo, suite, files=failing_evidence(suite))
    assert not run.passed
    failed = {r.case for r in run.results if r.outcome is CaseOutcome.FAILED}
    assert failed and set(run.failed_mandatory) >= failed
    with pytest.raises(CertificationError, match="did not pass") as refused:
        issue(demo, run, key(demo), actor="certifier")
    for case in run.failed_mandatory:
        assert case in str(refused.value)

    outcomes = earl_outcomes(demo, run)
    assert {c for c, o in outcomes.items() if o == "failed"} == failed
    assert {r.case: str(r.outcome) for r in run.results} == outcomes
    assert not demo.store.read_graph(run_iri(demo.settings, run.id))  # never published


def test_a_conforming_endpoint_is_certified(
    demo: Registry, conforming_endpoint: EndpointServer
) -> None:
    run = run_on(demo, "civreg-birth@2.0.0", endpoint=conforming_endpoint)
    assert run.passed, [(r.case, r.summary) for r in run.results]
    assert run.endpoint is not None and run.endpoint.startswith(conforming_endpoint.url)
    cert = issue(demo, run, key(demo), actor="certifier")
    assert stored_check(demo, cert) == (True, CertificateState.CERTIFIED, ())
    assert set(earl_outcomes(demo, run).values()) == {"passed"}


@pytest.mark.parametrize("suite", SUITES)
def test_a_nonconforming_endpoint_is_not_certified_and_its_failures_are_named(
    demo: Registry, nonconforming_endpoint: EndpointServer, suite: str
) -> None:
    run = run_on(demo, suite, endpoint=nonconforming_endpoint)
    assert not run.passed
    rejects = {r.case for r in run.results if r.kind is CaseKind.REJECT and r.mandatory}
    assert rejects and rejects <= set(run.failed_mandatory)  # it accepts what it must refuse
    with pytest.raises(CertificationError, match="did not pass"):
        issue(demo, run, key(demo), actor="certifier")
    outcomes = earl_outcomes(demo, run)
    assert all(outcomes[case] == "failed" for case in rejects)
    assert {c for c, o in outcomes.items() if o == "failed"} == {
        r.case for r in run.results if r.outcome is CaseOutcome.FAILED
    }


def test_a_self_test_run_cannot_be_issued(demo: Registry) -> None:
    suite = "civreg-birth@2.0.0"
    run = run_on(demo, suite, files=passing_evidence(suite), purpose=Purpose.SELF_TEST)
    assert run.passed
    with pytest.raises(CertificationError, match="self-test"):
        issue(demo, run, key(demo), actor="certifier")
    assert badge_for(demo.store, demo.settings, "civreg", "civreg-birth", "2.0.0") == (
        CertificateState.NONE,
        None,
    )


def test_an_expired_certificate_shows_expired(demo: Registry) -> None:
    suite = "tax-vat-return@1.0.0"
    run = run_on(demo, suite, files=passing_evidence(suite))
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    cert = issue(demo, run, key(demo), actor="certifier", valid_days=30, now=long_ago)
    found = standing(demo.store, demo.settings, cert)
    assert found.state is CertificateState.EXPIRED
    assert found.reasons == (f"expired on {cert.valid_until}",)
    assert badge_for(demo.store, demo.settings, "tax", "tax-vat-return", "1.0.0") == (
        CertificateState.EXPIRED,
        cert,
    )
    ok, state, problems = stored_check(demo, cert)
    assert not ok and state is CertificateState.EXPIRED and problems == found.reasons
    # still valid on a day within its term
    within = long_ago + dt.timedelta(days=10)
    assert standing(demo.store, demo.settings, cert, now=within).state is CertificateState.CERTIFIED


def test_the_cli_runs_issues_and_verifies_and_an_edited_export_fails(
    demo_home: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    env = {**os.environ, "NIF_HOME": str(home), "NIF_ACTOR": "cli-certifier"}
    env.pop("NIF_STORE", None)
    nif = cli_runner(tmp_path, env, 600)
    evidence = ROOT / "registry" / "evidence" / "civreg" / "civreg-birth" / "2.0.0"
    failing = tmp_path / "failing"
    for name, content in failing_evidence("civreg-birth@2.0.0").items():
        (failing / name).parent.mkdir(parents=True, exist_ok=True)
        (failing / name).write_bytes(content)
    run = ["certify", "run", "--agency", "civreg", "--interface", "civreg-birth@2.0.0"]

    refused = json.loads(nif(*run, "--evidence", str(failing), "--json", ok=1).stdout)
    assert not refused["passed"] and "produce-registration" in refused["failed_mandatory"]
    assert "did not pass" in nif("certify", "issue", refused["id"], ok=2).stderr

    passed = json.loads(nif(*run, "--evidence", str(evidence), "--json").stdout)
    assert passed["passed"] and passed["actor"] == "cli-certifier"
    cert = json.loads(nif("certify", "issue", passed["id"], "--json").stdout)
    assert cert["run"] == passed["id"] and cert["issued_by"] == "cli-certifier"
    verified = nif("certify", "verify", cert["id"]).stdout
    assert "state: certified" in verified and verified.rstrip().endswith("ok")

    with Registry(EmbeddedStore(home / "store"), Settings(home=home)) as registry:
        turtle = certificate_graph(registry.store, registry.settings, cert["id"]).serialize(
            format="turtle"
        )
    exported = tmp_path / "certificate.ttl"
    exported.write_text(turtle, "utf-8")
    assert json.loads(nif("certify", "verify", str(exported), "--json").stdout)["ok"]
    later = str(int(cert["valid_until"][:4]) + 5) + cert["valid_until"][4:]
    exported.write_text(turtle.replace(cert["valid_until"], later), "utf-8")
    edited = json.loads(nif("certify", "verify", str(exported), "--json", ok=1).stdout)
    assert not edited["ok"] and edited["signature"]["status"] == "mismatch"
    assert "not ok" in nif("certify", "verify", str(exported), ok=1).stdout
