"""Evidence-mode runs of the demo suites on the demo registry: outcomes, summaries, hashes."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import pytest

import nif
from nif.certify import (
    CaseKind,
    CaseOutcome,
    CaseResult,
    Endpoint,
    Evidence,
    Mode,
    Purpose,
    Run,
    Suite,
    evidence_from_zip,
    find_suite,
    run_suite,
)
from nif.errors import InputError, NotFoundError, UsageError
from nif.registry import Registry, version_checksums
from nif.registry._message_types import resolve_message_types
from nif.registry._validation import Target
from tests.certify.endpoints import EndpointServer
from tests.certify.evidence import failing_evidence, passing_evidence, vat_receipt, zip_of
from tests.conftest import ROOT

SUITES = {
    "civreg-birth/2.0.0": "civreg",
    "tax-vat-return/1.0.0": "tax",
    "civreg-address/1.0.0": "civreg",
    "busreg-company/2.0.0": "busreg",
    "socsec-employment/1.0.0": "socsec",
    "tax-income-statement/2.0.0": "tax",
    "vehreg-inspection/1.0.0": "vehreg",
    "vehreg-registration/1.0.0": "vehreg",
}


def suite_of(name: str) -> Suite:
    interface, version = name.split("/")
    return find_suite(interface, version)


def run(registry: Registry, name: str, files: dict[str, bytes], **more: object) -> Run:
    return run_suite(
        registry,
        suite_of(name),
        agency=SUITES[name],
        evidence=Evidence(files),
        actor="tester",
        purpose=Purpose.SELF_TEST,
        **more,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("name", sorted(SUITES))
def test_passing_evidence_passes_every_case(demo_registry: Registry, name: str) -> None:
    files = passing_evidence(name)
    suite = suite_of(name)
    result = run(demo_registry, name, files)
    assert result.passed and result.failed_mandatory == ()
    assert [r.case for r in result.results] == [c.identifier for c in suite.cases]
    assert {r.outcome for r in result.results} == {CaseOutcome.PASSED}, [
        r.summary for r in result.results
    ]
    assert re.fullmatch(r"run-\d{8}-[0-9a-f]{8}", result.id)
    assert result.id[4:12] == result.started[:10].replace("-", "")
    assert result.started <= result.ended
    assert (result.interface, result.version) == tuple(name.split("/"))
    assert result.mode is Mode.EVIDENCE and result.endpoint is None
    assert result.suite_iri == suite.iri and result.suite_sha256 == suite.sha256
    assert result.tool_version == nif.__version__
    assert result.evidence == tuple(
        sorted((p, hashlib.sha256(c).hexdigest()) for p, c in files.items())
    )
    version_iri = resolve_message_types(demo_registry.store, suite.interface, suite.version)[
        0
    ].version_iri
    assert result.artefacts == version_checksums(demo_registry.store, version_iri)
    for case_result in result.results:
        if case_result.evidence is not None:
            assert (
                case_result.evidence_sha256
                == hashlib.sha256(files[case_result.evidence]).hexdigest()
            )


def test_passing_summaries_say_why(demo_registry: Registry) -> None:
    result = run(demo_registry, "civreg-birth/2.0.0", passing_evidence("civreg-birth/2.0.0"))
    consume = result.result("consume-newborn")
    assert consume.summary == (
        "the answer is valid against civreg-birth@2.0.0/BirthRegistration "
        "and meets its 2 assertions"
    )
    assert consume.evidence == "answers/consume-newborn.xml"
    assert len(consume.reports) == 1 and consume.reports[0]["verdict"] == "valid"
    assert consume.reports[0]["profile"] == "civreg-birth@2.0.0/BirthRegistration"
    assert result.result("reject-missing-mother-id").summary == "refused with HTTP 422"
    assert result.result("reject-missing-mother-id").status == 422


def test_artefact_checksums_cover_every_schema_rules_and_part(demo_registry: Registry) -> None:
    ref = resolve_message_types(demo_registry.store, "tax-vat-return", "1.0.0")[0]
    found = version_checksums(demo_registry.store, ref.version_iri)
    assert found == tuple(sorted(set(found))) and all(
        re.fullmatch(r"[0-9a-f]{64}", s) for s in found
    )
    content = {hashlib.sha256(p.read_bytes()).hexdigest() for p in _schemas("tax-vat-return/1.0.0")}
    assert set(found) == content  # receipt + return XSDs, their Schematron, the common part


def _schemas(name: str) -> list[Path]:
    interface, version = name.split("/")
    folder = ROOT / "registry" / "interfaces" / interface / "schemas" / version
    return [p for p in folder.rglob("*") if p.is_file()]


def test_failing_birth_evidence_names_what_failed(demo_registry: Registry) -> None:
    result = run(demo_registry, "civreg-birth/2.0.0", failing_evidence("civreg-birth/2.0.0"))
    assert not result.passed
    assert result.failed_mandatory == (
        "produce-registration",
        "consume-newborn",
        "reject-missing-mother-id",
    )
    produce = result.result("produce-registration")
    assert produce.outcome is CaseOutcome.FAILED
    assert produce.summary == (
        "the message is invalid against civreg-birth@2.0.0/BirthRegistration: 1 error"
    )
    assert produce.details and produce.details[0].startswith("error: ")
    assert produce.reports[0]["verdict"] == "invalid"
    consume = result.result("consume-newborn")
    assert consume.outcome is CaseOutcome.FAILED
    assert consume.summary == (
        'assertion "The registration echoes the notification\'s identifier." failed: '
        "expected 'BN-2024-000871', got 'BN-2024-999999'"
    )
    assert consume.reports[0]["verdict"] == "valid"  # valid, but not the right answer
    reject = result.result("reject-missing-mother-id")
    assert reject.outcome is CaseOutcome.FAILED
    assert reject.summary == "accepted with HTTP 200 instead of refusing (HTTP 400 or 422)"
    optional = result.result("reject-mother-born-after-child")
    assert (
        optional.outcome is CaseOutcome.CANT_TELL
        and optional.summary == "no evidence for this case"
    )
    assert result.counts() == {"passed": 0, "failed": 3, "cantTell": 1, "inapplicable": 0}


@pytest.mark.parametrize("name", sorted(set(SUITES) - {"civreg-birth/2.0.0"}))
def test_failing_evidence_fails_the_mandatory_cases(demo_registry: Registry, name: str) -> None:
    result = run(demo_registry, name, failing_evidence(name))
    assert not result.passed
    mandatory = suite_of(name).mandatory
    assert list(result.failed_mandatory) == [c.identifier for c in mandatory]
    for case in mandatory:
        outcome = result.result(case.identifier)
        assert outcome.outcome is CaseOutcome.FAILED, outcome.summary
    # each kind breaks its own way: the first mandatory case of the kind shows it
    first = {c.kind: result.result(c.identifier) for c in reversed(mandatory)}
    assert first[CaseKind.PRODUCE].summary.startswith(
        f"the message is invalid against {name.replace('/', '@')}/"
    )
    if CaseKind.CONSUME in first:  # a valid answer, but not the right one
        assert first[CaseKind.CONSUME].summary.startswith("assertion ")
        assert " failed: " in first[CaseKind.CONSUME].summary
        assert first[CaseKind.CONSUME].reports[0]["verdict"] == "valid"
    assert first[CaseKind.REJECT].summary.startswith("accepted with HTTP 200")


def test_a_zip_of_the_evidence_gives_the_same_outcomes(demo_registry: Registry) -> None:
    files = failing_evidence("tax-vat-return/1.0.0")
    direct = run(demo_registry, "tax-vat-return/1.0.0", files)
    zipped = run_suite(
        demo_registry,
        suite_of("tax-vat-return/1.0.0"),
        agency="tax",
        evidence=evidence_from_zip(zip_of(files), demo_registry.settings),
        actor="tester",
        purpose=Purpose.CERTIFICATION,
    )
    assert zipped.purpose is Purpose.CERTIFICATION
    assert [(r.outcome, r.summary) for r in zipped.results] == [
        (r.outcome, r.summary) for r in direct.results
    ]
    assert zipped.evidence == direct.evidence and zipped.id != direct.id


def test_a_message_that_is_not_well_formed_fails(demo_registry: Registry) -> None:
    files = {**passing_evidence("civreg-birth/2.0.0"), "produce-registration.xml": b"<Birth"}
    produce = run(demo_registry, "civreg-birth/2.0.0", files).result("produce-registration")
    assert produce.outcome is CaseOutcome.FAILED
    assert "is invalid against civreg-birth@2.0.0/BirthRegistration: 1 error" in produce.summary
    assert "not well-formed" in produce.details[0]


def test_several_failed_assertions_are_all_in_the_details(demo_registry: Registry) -> None:
    answer = passing_evidence("tax-vat-return/1.0.0")["consume-monthly.xml"]
    wrong = answer.replace(b"VR-2024-04-000318", b"VR-1").replace(b">accepted<", b">rejected<")
    wrong = wrong.replace(b"</Status>", b"</Status><Error code='X'>no</Error>")
    files = {**passing_evidence("tax-vat-return/1.0.0"), "consume-monthly.xml": wrong}
    consume = run(demo_registry, "tax-vat-return/1.0.0", files).result("consume-monthly")
    assert consume.outcome is CaseOutcome.FAILED, consume.summary
    assert consume.summary.endswith("(and 1 more assertion)")
    assert len(consume.details) == 2
    assert any("expected 'accepted', got 'rejected'" in d for d in consume.details)


def test_a_consume_answer_recorded_with_an_error_status_fails(demo_registry: Registry) -> None:
    answer = passing_evidence("civreg-birth/2.0.0")["answers/consume-newborn.xml"]
    files = {
        "evidence.toml": b'[consume-newborn]\nfile = "answer.xml"\nstatus = 500\n'
        b'[reject-missing-mother-id]\nfile = "receipt.xml"\n'
        b"[produce-registration]\nfile = 'reg.xml'\n[reject-mother-born-after-child]\nstatus = 201\n",
        "reg.xml": answer,
        "answer.xml": answer,
        "receipt.xml": answer,
    }
    result = run(demo_registry, "civreg-birth/2.0.0", files)
    consume = result.result("consume-newborn")
    assert consume.outcome is CaseOutcome.FAILED and consume.status == 500
    assert consume.summary == "the answer came with HTTP status 500, not a success (2xx)"
    reject = result.result("reject-missing-mother-id")  # an answer but no refusal type
    assert reject.outcome is CaseOutcome.FAILED
    assert reject.summary == "the answer is not the refusal expected (HTTP 400 or 422)"
    assert result.result("produce-registration").outcome is CaseOutcome.PASSED
    accepted = result.result("reject-mother-born-after-child")
    assert accepted.outcome is CaseOutcome.FAILED
    assert accepted.summary == "accepted with HTTP 201 instead of refusing (HTTP 422)"


def test_a_consume_case_with_only_a_status(demo_registry: Registry) -> None:
    files = {
        "evidence.toml": b"[consume-newborn]\nstatus = 503\n[produce-registration]\nstatus = 200\n"
    }
    with pytest.raises(InputError, match="produce case"):
        run(demo_registry, "civreg-birth/2.0.0", files)
    files = {"evidence.toml": b"[consume-newborn]\nstatus = 503\n"}
    result = run(demo_registry, "civreg-birth/2.0.0", files)
    consume = result.result("consume-newborn")
    assert consume.outcome is CaseOutcome.FAILED and consume.evidence is None
    assert consume.summary == "the answer came with HTTP status 503, not a success (2xx)"
    files = {"evidence.toml": b"[consume-newborn]\nstatus = 200\n"}
    consume = run(demo_registry, "civreg-birth/2.0.0", files).result("consume-newborn")
    assert consume.outcome is CaseOutcome.CANT_TELL
    assert consume.summary == "no answer file for this case"


def test_a_refusal_type_answer_must_be_valid(demo_registry: Registry) -> None:
    name = "tax-vat-return/1.0.0"
    broken = passing_evidence(name)["reject-total-not-sum-of-lines.xml"].replace(b"<Error", b"<Err")
    broken = broken.replace(b"</Error>", b"</Err>")
    files = {**passing_evidence(name), "reject-total-not-sum-of-lines.xml": broken}
    reject = run(demo_registry, name, files).result("reject-total-not-sum-of-lines")
    assert reject.outcome is CaseOutcome.FAILED
    assert "HTTP 422 or an answer of type tax-vat-return@1.0.0/VatReturnReceipt" in reject.summary
    assert reject.reports and reject.reports[0]["verdict"] == "invalid"


def test_a_refusal_type_answer_must_meet_the_cases_assertions(demo_registry: Registry) -> None:
    """A valid receipt that accepts the invalid return is no refusal, whatever its status."""
    name = "tax-vat-return/1.0.0"
    accepted = vat_receipt(suite_of(name).message(suite_of(name).case("consume-monthly")))
    files = {
        **passing_evidence(name),
        "reject-total-not-sum-of-lines.xml": accepted,
        "reject-total-not-sum-of-lines.status": b"200",
    }
    reject = run(demo_registry, name, files).result("reject-total-not-sum-of-lines")
    assert reject.outcome is CaseOutcome.FAILED
    assert "is no refusal" in reject.summary
    assert "expected 'rejected', got 'accepted'" in reject.summary
    assert reject.reports and reject.reports[0]["verdict"] == "valid"


def test_progress_reports_each_case_as_it_is_judged(demo_registry: Registry) -> None:
    seen: list[CaseResult] = []
    result = run(
        demo_registry,
        "civreg-address/1.0.0",
        passing_evidence("civreg-address/1.0.0"),
        progress=seen.append,
    )
    assert seen == list(result.results)


def test_profiles_are_built_once_until_the_registry_changes(
    demo_registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    real = Target.profile

    def counting(self: Target, *args: object, **kwargs: object) -> object:
        built.append(self.ref.message_type)
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Target, "profile", counting)
    files = passing_evidence("tax-vat-return/1.0.0")
    demo_registry.changed()  # as a write does: what runs share is dropped
    first = run(demo_registry, "tax-vat-return/1.0.0", files)
    second = run(demo_registry, "tax-vat-return/1.0.0", files)
    assert sorted(built) == ["VatReturn", "VatReturnReceipt"]
    assert first.passed and second.passed and first.artefacts == second.artefacts
    demo_registry.changed()
    run(demo_registry, "tax-vat-return/1.0.0", files)
    assert sorted(built) == ["VatReturn", "VatReturn", "VatReturnReceipt", "VatReturnReceipt"]


def test_unknown_agency_version_or_message_type(demo_registry: Registry) -> None:
    files = passing_evidence("civreg-birth/2.0.0")
    suite = suite_of("civreg-birth/2.0.0")
    common = {"evidence": Evidence(files), "actor": "t", "purpose": Purpose.SELF_TEST}
    with pytest.raises(NotFoundError, match=r"no agency with identifier 'nobody'"):
        run_suite(demo_registry, suite, agency="nobody", **common)  # type: ignore[arg-type]
    missing = dataclasses.replace(suite, version="9.9.9")
    with pytest.raises(NotFoundError, match=r"no version 9.9.9"):
        run_suite(demo_registry, missing, agency="civreg", **common)  # type: ignore[arg-type]
    case = dataclasses.replace(suite.cases[0], expected_type=suite.cases[0].expected_type + "X")  # type: ignore[operator]
    strange = dataclasses.replace(suite, cases=(case, *suite.cases[1:]))
    with pytest.raises(NotFoundError, match=r"BirthRegistrationX>, which civreg-birth@2.0.0"):
        run_suite(demo_registry, strange, agency="civreg", **common)  # type: ignore[arg-type]


def test_exactly_one_of_evidence_or_endpoint(demo_registry: Registry) -> None:
    with pytest.raises(UsageError, match=r"either evidence or an endpoint"):
        run_suite(
            demo_registry,
            suite_of("civreg-birth/2.0.0"),
            agency="civreg",
            actor="t",
            purpose=Purpose.SELF_TEST,
        )


def test_evidence_errors_stop_the_run_before_it_starts(demo_registry: Registry) -> None:
    files = {**passing_evidence("civreg-birth/2.0.0"), "consume-newbron.xml": b"<a/>"}
    with pytest.raises(InputError, match=r"consume-newbron.xml"):
        run(demo_registry, "civreg-birth/2.0.0", files)


def test_endpoint_mode_judges_produce_cases_on_a_consume_answer(
    demo_registry: Registry, conforming_endpoint: EndpointServer
) -> None:
    allowed = {"endpoint_allow_http": True, "endpoint_allow_private": True}
    settings = demo_registry.settings.replace(**allowed)
    seen: list[str] = []
    result = run_suite(
        demo_registry,
        suite_of("civreg-birth/2.0.0"),
        agency="civreg",
        endpoint=Endpoint(conforming_endpoint.endpoint("civreg-birth", "2.0.0"), {}, settings),
        actor="tester",
        purpose=Purpose.SELF_TEST,
        progress=lambda r: seen.append(r.case),
    )
    assert seen[-1] == "produce-registration"  # judged after the consume cases
    assert result.results[0].case == "produce-registration"  # listed in suite order
    produce = result.result("produce-registration")
    assert produce.outcome is CaseOutcome.PASSED
    assert produce.summary == (
        "the answer to consume-newborn is valid against civreg-birth@2.0.0/BirthRegistration "
        "and meets its 1 assertion"
    )
    assert result.evidence == () and result.mode is Mode.ENDPOINT
