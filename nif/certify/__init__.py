"""Certification: conformance suites, runs, EARL results and certificates."""

from nif.certify._assertions import check_assertion
from nif.certify._badge import BADGE_TEXTS, badge_svg, badge_text
from nif.certify._certificates import (
    certificate_graph,
    find_certificates,
    get_certificate,
    issue,
    revoke,
)
from nif.certify._demo import finish_demo, start_demo
from nif.certify._documents import SYNTAXES, rdf_document
from nif.certify._earl import run_graph
from nif.certify._endpoint import Endpoint, parse_headers
from nif.certify._evidence import Evidence, evidence_from_zip, read_evidence
from nif.certify._keys import PublicKey, SigningKey, load_or_create
from nif.certify._manifest import available, find_suite, load_suite
from nif.certify._model import (
    CaseOutcome,
    CaseResult,
    Certificate,
    CertificateState,
    Exchange,
    Mode,
    Purpose,
    Revocation,
    Run,
)
from nif.certify._publish import publish_suite
from nif.certify._runner import run_suite
from nif.certify._runs import RUNS_SCHEMA, RunStore
from nif.certify._signature import SignatureStatus, Verification
from nif.certify._standing import Standing, badge_for, listed_certificates, standing
from nif.certify._suite import Assertion, CaseKind, Suite, SuiteFile, TestCase
from nif.certify._verify import (
    CertificateCheck,
    parse_certificate,
    verify_certificate,
    verify_certificate_file,
    verify_offline,
    verify_stored_certificate,
)
from nif.registry import run_iri

__all__ = [
    "BADGE_TEXTS",
    "RUNS_SCHEMA",
    "SYNTAXES",
    "Assertion",
    "CaseKind",
    "CaseOutcome",
    "CaseResult",
    "Certificate",
    "CertificateCheck",
    "CertificateState",
    "Endpoint",
    "Evidence",
    "Exchange",
    "Mode",
    "PublicKey",
    "Purpose",
    "Revocation",
    "Run",
    "RunStore",
    "SignatureStatus",
    "SigningKey",
    "Standing",
    "Suite",
    "SuiteFile",
    "TestCase",
    "Verification",
    "available",
    "badge_for",
    "badge_svg",
    "badge_text",
    "certificate_graph",
    "check_assertion",
    "evidence_from_zip",
    "find_certificates",
    "find_suite",
    "finish_demo",
    "get_certificate",
    "issue",
    "listed_certificates",
    "load_or_create",
    "load_suite",
    "parse_certificate",
    "parse_headers",
    "publish_suite",
    "rdf_document",
    "read_evidence",
    "revoke",
    "run_graph",
    "run_iri",
    "run_suite",
    "standing",
    "start_demo",
    "verify_certificate",
    "verify_certificate_file",
    "verify_offline",
    "verify_stored_certificate",
]
