"""Issuing and revoking certificates on the demo registry: what is written, and what is refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from nif.certify import CaseOutcome, Purpose, find_suite, run_iri
from nif.certify._certificates import (
    certificate_graph,
    find_certificates,
    get_certificate,
    issue,
    revoke,
)
from nif.certify._namespaces import OA
from nif.certify._publish import publish_suite
from nif.certify._signature import verify
from nif.errors import CertificationError, NotFoundError
from nif.registry import Registry
from nif.registry._namespaces import DQV, EARL, NIF, PROV
from nif.registry._records import sorted_ntriples
from tests.certify.certified import (
    certified,
    changed_schema,
    changed_suites,
    key_of,
    passing_run,
)


def stored(registry: Registry, iri: str) -> Graph:
    return Graph().parse(data=registry.store.read_graph(iri), format="nt")


def test_a_passing_certification_run_yields_a_signed_stored_certificate(demo: Registry) -> None:
    run = passing_run(demo)
    assert run.passed
    generation = demo.generation
    cert = issue(demo, run, key_of(demo), actor="ada", valid_days=30)
    assert (cert.agency, cert.interface, cert.version) == ("civreg", "civreg-birth", "2.0.0")
    assert cert.run == run.id and cert.issued_by == "ada"
    assert cert.suite_sha256 == run.suite_sha256 and cert.artefacts == run.artefacts
    assert cert.key_id == key_of(demo).key_id
    assert cert.valid_until[:10] > cert.issued[:10]
    assert demo.generation > generation

    graph = certificate_graph(demo.store, demo.settings, cert.id)
    node = URIRef(cert.iri)
    assert (node, RDF.type, DQV.QualityCertificate) in graph
    assert graph.value(node, OA.hasTarget) == URIRef(cert.version_iri)
    assert graph.value(node, NIF.holder) == URIRef(cert.agency_iri)
    assert graph.value(node, PROV.wasDerivedFrom) == URIRef(run_iri(demo.settings, run.id))
    assert verify(graph, node, [key_of(demo).public]).ok

    run_graph = stored(demo, run_iri(demo.settings, run.id))
    assert len(list(run_graph.subjects(RDF.type, EARL.Assertion))) == len(run.results)
    suite = find_suite("civreg-birth", "2.0.0")
    suite_graph = stored(demo, suite.iri)
    assert suite_graph.value(URIRef(suite.iri), NIF.suiteChecksum) == Literal(suite.sha256)

    assert [v.action for v in demo.versions(cert.id)] == ["issue"]
    assert demo.versions(cert.id)[0].kind == "certificate"
    entry = demo.audit_log(1)[0]
    assert (entry.actor, entry.action, entry.outcome) == ("ada", "certificate.issue", "issued")
    assert get_certificate(demo.store, demo.settings, cert.iri) == cert
    assert find_certificates(demo.store, demo.settings, agency="civreg") == [cert]
    assert find_certificates(demo.store, demo.settings, interface="civreg-birth", version="2.0.0")
    assert find_certificates(demo.store, demo.settings, agency="tax") == []
    assert find_certificates(demo.store, demo.settings, version="1.0.0") == []


def test_a_failed_run_is_refused_naming_its_failed_mandatory_cases(demo: Registry) -> None:
    run = passing_run(demo)
    case = next(r for r in run.results if r.mandatory)
    failed = dataclasses.replace(case, outcome=CaseOutcome.FAILED, summary="broken")
    run = dataclasses.replace(run, results=tuple(failed if r is case else r for r in run.results))
    with pytest.raises(CertificationError, match=f"did not pass: mandatory case.*{case.case}"):
        issue(demo, run, key_of(demo), actor="ada")
    assert find_certificates(demo.store, demo.settings) == []
    assert demo.audit_log(1)[0].outcome == "refused"


def test_a_self_test_run_is_refused(demo: Registry) -> None:
    run = passing_run(demo, Purpose.SELF_TEST)
    assert run.passed
    with pytest.raises(CertificationError, match="self-test run: only a certification run"):
        issue(demo, run, key_of(demo), actor="ada")


def test_a_run_on_artefacts_changed_since_is_refused(demo: Registry, tmp_path: Path) -> None:
    run = passing_run(demo)
    changed_schema(demo, tmp_path)
    with pytest.raises(CertificationError, match=r"artefact checksums .* 1 removed, 1 added"):
        issue(demo, run, key_of(demo), actor="ada")
    assert demo.store.read_graph(run_iri(demo.settings, run.id)) == b""


def test_a_run_on_a_suite_changed_since_is_refused(demo: Registry, tmp_path: Path) -> None:
    run = passing_run(demo)
    edited = find_suite("civreg-birth", "2.0.0", root=changed_suites(tmp_path))
    with pytest.raises(CertificationError, match=r"conformance suite .* changed since run"):
        issue(demo, run, key_of(demo), actor="ada", suite=edited)


def test_one_run_yields_one_certificate(demo: Registry) -> None:
    run = passing_run(demo)
    cert = issue(demo, run, key_of(demo), actor="ada")
    with pytest.raises(CertificationError, match=f"{cert.iri} was already issued from run"):
        issue(demo, run, key_of(demo), actor="ada")


def test_revoking_records_who_when_and_why_once(demo: Registry) -> None:
    cert = certified(demo)
    signed = sorted_ntriples(certificate_graph(demo.store, demo.settings, cert.id))
    revoked = revoke(demo, cert.id, actor="bob", reason="  the endpoint  was withdrawn ")
    assert revoked.revocation is not None
    assert (revoked.revocation.actor, revoked.revocation.reason) == (
        "bob",
        "the endpoint was withdrawn",
    )
    again = sorted_ntriples(certificate_graph(demo.store, demo.settings, cert.id))
    assert again == signed  # the signed graph never changes
    assert [v.action for v in demo.versions(cert.id)] == ["issue", "revoke"]
    with pytest.raises(CertificationError, match=r"already revoked .* by bob"):
        revoke(demo, cert.id, actor="bob", reason="again")


def test_unknown_certificates_are_not_found(demo: Registry) -> None:
    with pytest.raises(NotFoundError, match="no certificate cert-20260101-00000000"):
        revoke(demo, "cert-20260101-00000000", actor="bob", reason="x")
    with pytest.raises(NotFoundError, match="ids look like"):
        get_certificate(demo.store, demo.settings, "../etc/passwd")


def test_a_suite_is_published_once(demo: Registry) -> None:
    suite = find_suite("civreg-birth", "2.0.0")
    assert publish_suite(demo, suite)
    generation = demo.generation
    assert not publish_suite(demo, suite)
    assert demo.generation == generation
