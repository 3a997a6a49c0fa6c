"""Batch validation: worker processes, input order, per-worker compiled validators, read errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nif.errors import InputError
from nif.report import Report, Severity, Verdict
from nif.settings import Settings
from nif.validate import ParsedJson, ParsedXml, Profile, _batch
from nif.validate._batch import (
    _auto_jobs,
    available_cpus,
    read_message,
    validate_file,
    validate_files,
)
from tests.conftest import EN16931, UBL_INVOICE_XSD

EN16931_UBL = EN16931 / "ubl/schematron/EN16931-UBL-validation.sch"
INVOICES = sorted((EN16931 / "ubl/examples").glob("ubl-tc434-example*.xml"))
CREDIT_NOTE = EN16931 / "ubl/examples/ubl-tc434-creditnote1.xml"
RULES = """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">
  <pattern><rule context="/*"><report id="R-1" test="true()">seen</report></rule></pattern>
</schema>
"""


@pytest.fixture(scope="module")
def profile() -> Profile:
    return Profile.from_files(xsd=UBL_INVOICE_XSD, schematron=[EN16931_UBL])


def summary(reports: list) -> list[tuple[str, str, list[tuple[str | None, str]]]]:
    return [
        (r.source, str(r.verdict), [(f.rule_id, str(f.severity)) for f in r.findings])
        for r in reports
    ]


@pytest.mark.slow
def test_two_workers_give_the_reports_of_one_process_in_input_order(profile: Profile) -> None:
    paths = [CREDIT_NOTE, *reversed(INVOICES), CREDIT_NOTE]
    ticks: list[None] = []
    parallel = validate_files(paths, profile, jobs=2, progress=lambda: ticks.append(None))
    assert [r.source for r in parallel] == [str(p) for p in paths]
    assert len(ticks) == len(paths)
    assert summary(parallel) == summary(validate_files(paths, profile, jobs=1))
    assert parallel[0].verdict == Verdict.INVALID, "a credit note is not a UBL Invoice"
    assert all(r.verdict == Verdict.VALID for r in parallel[1:-1])


@pytest.mark.slow
def test_workers_apply_severity_overrides_and_limits(tmp_path: Path) -> None:
    """The profile and settings reach the workers whole (overrides are a mappingproxy)."""
    deep = tmp_path / "deep.xml"
    deep.write_text("<a>" * 30 + "</a>" * 30, encoding="utf-8")
    paths = [deep, CREDIT_NOTE, deep]
    base = Profile.from_files(xsd=UBL_INVOICE_XSD)
    rule = next(f.rule_id for f in validate_files([CREDIT_NOTE], base, jobs=1)[0].findings)
    lowered = Profile.from_files(xsd=UBL_INVOICE_XSD, severity_overrides={rule: Severity.WARNING})
    settings = Settings(max_xml_depth=20)
    reports = validate_files(paths, lowered, settings=settings, jobs=2)
    assert reports[1].verdict == Verdict.VALID
    assert reports[1].findings[0].severity == Severity.WARNING
    assert reports[0].findings[0].rule_id == "xml.too-deep", "the depth limit reached the worker"


@pytest.mark.slow
def test_svrl_is_dropped_on_request(tmp_path: Path) -> None:
    rules = tmp_path / "rules.sch"
    rules.write_text(RULES, encoding="utf-8")
    profile = Profile.from_files(schematron=[rules])
    kept, dropped = (
        validate_files(INVOICES[:2], profile, jobs=2, keep_svrl=keep)[0] for keep in (True, False)
    )
    assert kept.steps[-1].svrl and kept.steps[-1].svrl.lstrip().startswith("<")
    assert all(step.svrl is None for step in dropped.steps)


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_an_unreadable_file_is_an_input_error(tmp_path: Path, jobs: int) -> None:
    missing = tmp_path / "gone.xml"
    with pytest.raises(InputError, match=r"gone\.xml: cannot read"):
        validate_files([INVOICES[0], missing], Profile(()), jobs=jobs)


def test_files_over_the_limit_are_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"<a>" + b" " * 100 + b"</a>")
    assert read_message(big, 1000).startswith(b"<a>")
    with pytest.raises(InputError, match="107 bytes is more than the limit of 100"):
        read_message(big, 100)


def test_one_file_names_its_source_as_given(tmp_path: Path) -> None:
    message = tmp_path / "m.xml"
    message.write_text("<m/>", encoding="utf-8")
    report = validate_file(message, Profile(()), Settings())
    assert report.source == str(message)
    assert report.verdict == Verdict.VALID


def test_small_batches_stay_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = tmp_path / "m.xml"
    message.write_text("<m/>", encoding="utf-8")
    assert _auto_jobs([message, message, tmp_path / "missing.xml"]) == 1
    monkeypatch.setattr(_batch, "AUTO_PARALLEL_BYTES", 8)
    assert _auto_jobs([message, message]) == available_cpus()


def test_no_files_no_reports(profile: Profile) -> None:
    assert validate_files([], profile) == []


class _SlowPick:
    """A `ProfilePicker` that picks a profile, then hangs in its first step."""

    def check(
        self,
        content: bytes,
        *,
        source: str,
        settings: Settings,
        watch: Callable[[str, str], None] | None,
        parsed: ParsedJson | ParsedXml | None,
    ) -> Report:
        assert watch is not None, "run in a worker"
        watch("profile", "picked@1.0.0/Slow")
        watch("check", "slow-step")
        time.sleep(60)
        raise AssertionError("the worker was not stopped")


@pytest.mark.slow
def test_a_check_stopped_after_a_pick_names_the_picked_profile(tmp_path: Path) -> None:
    message = tmp_path / "m.xml"
    message.write_text("<m/>", encoding="utf-8")
    (report,) = validate_files([message], _SlowPick(), settings=Settings(step_timeout=0.2))
    assert report.verdict == Verdict.ERROR
    assert report.profile == "picked@1.0.0/Slow"
    assert report.steps[0].name == "slow-step"
    assert "time limit" in (report.steps[0].error or "")
