"""The demo registry's certification evidence: every folder passes its suite and yields a
certificate that is certified and verifies."""

from __future__ import annotations

from nif.certify import CaseOutcome, Purpose, RunStore, find_suite, read_evidence, run_suite
from nif.certify._certificates import certificate_graph, find_certificates
from nif.certify._demo import ACTOR, demo_evidence, issue_demo_certificates
from nif.certify._keys import load_or_create
from nif.certify._model import CertificateState
from nif.certify._standing import badge_for, standing
from nif.certify._verify import verify_certificate
from nif.registry import Registry
from tests.conftest import ROOT

EVIDENCE = ROOT / "registry" / "evidence"


def test_the_demo_evidence_folders_are_the_agencies_suites() -> None:
    found = [(a, i, v) for a, i, v, _ in demo_evidence(EVIDENCE)]
    assert found == [("civreg", "civreg-birth", "2.0.0"), ("tax", "tax-vat-return", "1.0.0")]


def test_every_case_of_the_demo_evidence_passes(demo_registry: Registry) -> None:
    for agency, interface, version, folder in demo_evidence(EVIDENCE):
        run = run_suite(
            demo_registry,
            find_suite(interface, version),
            agency=agency,
            evidence=read_evidence(folder, demo_registry.settings),
            actor="tests",
            purpose=Purpose.CERTIFICATION,
        )
        outcomes = {r.case: r.outcome for r in run.results}
        assert set(outcomes.values()) == {CaseOutcome.PASSED}, (interface, outcomes)
        assert len(run.evidence) == len(list(folder.iterdir()))


def test_demo_certificates_are_issued_kept_and_certified(demo: Registry) -> None:
    key = load_or_create(demo.settings.home)
    certificates = issue_demo_certificates(demo, key)
    held = sorted((c.agency, c.interface, c.version) for c in certificates)
    assert held == [("civreg", "civreg-birth", "2.0.0"), ("tax", "tax-vat-return", "1.0.0")]
    assert {c.issued_by for c in certificates} == {ACTOR}
    stored = find_certificates(demo.store, demo.settings)
    assert sorted(c.id for c in stored) == sorted(c.id for c in certificates)

    runs = RunStore(demo.settings.home)
    try:
        for cert in certificates:
            run = runs.get(cert.run)
            assert run.passed and run.purpose is Purpose.CERTIFICATION and run.actor == ACTOR
            assert standing(demo.store, demo.settings, cert).state is CertificateState.CERTIFIED
            state, best = badge_for(
                demo.store, demo.settings, cert.agency, cert.interface, cert.version
            )
            assert state is CertificateState.CERTIFIED and best is not None and best.id == cert.id
            graph = certificate_graph(demo.store, demo.settings, cert.id)
            check = verify_certificate(demo.store, demo.settings, graph, [key.public])
            assert check.ok, check.problems
    finally:
        runs.close()
