"""Certification: conformance suites, runs, EARL results and certificates."""

from nif.certify._assertions import check_assertion
from nif.certify._earl import run_graph, run_iri
from nif.certify._endpoint import Endpoint
from nif.certify._evidence import Evidence, evidence_from_zip, read_evidence
from nif.certify._model import (
    CaseResult,
    Certificate,
    CertificateState,
    Exchange,
    Mode,
    Outcome,
    Purpose,
    Revocation,
    Run,
)
from nif.certify._runner import current_artefacts, run_suite
from nif.certify._runs import RunStore
from nif.certify._suite import (
    Assertion,
    Kind,
    Suite,
    SuiteFile,
    TestCase,
    available,
    find_suite,
    load_suite,
)

__all__ = [
    "Assertion",
    "CaseResult",
    "Certificate",
    "CertificateState",
    "Endpoint",
    "Evidence",
    "Exchange",
    "Kind",
    "Mode",
    "Outcome",
    "Purpose",
    "Revocation",
    "Run",
    "RunStore",
    "Suite",
    "SuiteFile",
    "TestCase",
    "available",
    "check_assertion",
    "current_artefacts",
    "evidence_from_zip",
    "find_suite",
    "load_suite",
    "read_evidence",
    "run_graph",
    "run_iri",
    "run_suite",
]
