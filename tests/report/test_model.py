"""The report model and its JSON form: stable field names, back from its JSON, steps with their findings."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import TypeAdapter

import nif
from nif.report import Finding, Location, Report, Severity, Verdict, render_json
from tests.report.conftest import handmade


def test_the_fixture_report_is_a_real_en16931_failure(report: Report) -> None:
    assert report.verdict == Verdict.INVALID
    assert any(f.rule_id == "BR-CO-15" and f.severity == Severity.FATAL for f in report.findings)


def test_json_field_names_are_stable(report: Report) -> None:
    data = json.loads(render_json(report))
    assert {"verdict", "findings", "steps", "source", "sha256", "counts"} <= set(data)
    assert data["verdict"] == "invalid"
    assert data["source"] == "bad-invoice.xml"
    assert data["counts"]["fatal"] >= 1
    finding = next(f for f in data["findings"] if f["rule_id"] == "BR-CO-15")
    assert {"severity", "rule_id", "message", "location", "step"} <= set(finding)
    assert finding["severity"] == "fatal"
    assert {"line", "xpath"} <= set(finding["location"])
    step = data["steps"][-1]
    assert {"name", "kind", "engine", "engine_version", "status", "artefacts", "millis"} <= set(
        step
    )
    assert all(len(a["sha256"]) == 64 for a in step["artefacts"])
    assert "svrl" not in step


def test_a_report_comes_back_from_its_json(report: Report) -> None:
    data = json.loads(json.dumps(report.to_dict()))
    assert Report.from_dict(data).to_dict() == data


def test_json_of_several_reports_is_an_array_in_the_order_given(report: Report) -> None:
    other = handmade("first.xml")
    data = json.loads(render_json([other, report]))
    assert [d["source"] for d in data] == ["first.xml", "bad-invoice.xml"]


def test_findings_by_step_matches_names_then_kinds() -> None:
    report = handmade()
    report.findings.append(Finding(Severity.ERROR, "schematron", "by kind", "K-1"))
    groups = {step.name: [f.rule_id for f in found] for step, found in report.findings_by_step()}
    assert groups["xsd:a.xsd"] == ["cvc-1", "W-1"]
    assert groups["schematron:b.sch"] == ["K-1"]
    assert groups["codelists"] == ["I-1"]
    assert list(groups)[: len(report.steps)] == [s.name for s in report.steps]


def test_json_keys_come_in_a_stable_order(report: Report) -> None:
    """Diffs of reports stay small: keys keep their order, optional ones are left out."""
    data = json.loads(render_json(report))
    report_keys = (
        "report_format created nif_version source sha256 size media_type profile context verdict"
        " counts"
    )
    assert list(data) == [*report_keys.split(), "truncated", "steps", "findings"]
    assert list(data["counts"]) == ["fatal", "error", "warning", "info"]
    step_keys = ["name", "kind", "engine", "engine_version", "status", "artefacts", "millis"]
    assert list(data["steps"][-1]) == step_keys
    assert list(data["findings"][0])[:5] == ["severity", "step", "rule_id", "message", "location"]
    kept = handmade().to_dict()
    assert kept["findings"][2]["location"] == {"pointer": "/x"}
    assert list(kept["steps"][2]) == [*step_keys, "error"]


def test_a_report_says_when_and_by_which_nif_it_was_made(report: Report) -> None:
    data = report.to_dict()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["created"])
    assert data["nif_version"] == nif.__version__
    assert Report.from_dict(data).created == data["created"]


def test_an_older_report_comes_back_without_inventing_its_date(report: Report) -> None:
    data = report.to_dict()
    del data["created"], data["nif_version"]
    back = Report.from_dict(data)
    assert (back.created, back.nif_version) == (None, None)
    assert "created" not in back.to_dict() and "nif_version" not in back.to_dict()


def test_a_truncated_report_comes_back_with_its_exact_counts() -> None:
    report = handmade()
    report.omitted = {"error": 7}
    report.steps[1].findings_omitted = 7
    data = json.loads(render_json(report))
    assert data["truncated"] is True and data["steps"][1]["findings_omitted"] == 7
    back = Report.from_dict(data)
    assert back.omitted == {"error": 7} and back.counts == report.counts
    assert back.steps[1].findings_omitted == 7


def test_severities_are_read_by_name_and_alias() -> None:
    finding = {"severity": "warn", "step": "xsd", "message": "m", "location": {"line": 2}}
    assert Finding.from_dict(finding) == Finding(Severity.WARNING, "xsd", "m", None, Location(2))
    with pytest.raises(ValueError, match="unknown severity 'loud'"):
        Finding.from_dict({**finding, "severity": "loud"})
    with pytest.raises(ValueError, match="severity"):
        Finding.from_dict({**finding, "severity": 3})


def test_a_report_missing_a_field_is_refused() -> None:
    data = handmade().to_dict()
    del data["steps"][0]["engine"]
    with pytest.raises(ValueError, match="engine"):
        Report.from_dict(data)


def test_dropping_raw_outputs_forgets_svrl_and_kosit_report_only(report: Report) -> None:
    copy = Report.from_dict(report.to_dict())
    copy.steps[-1].svrl, copy.steps[-1].kosit_report = "<svrl/>", "<rep:report/>"
    before = copy.to_dict()
    copy.drop_raw_outputs()
    assert [(s.svrl, s.kosit_report) for s in copy.steps] == [(None, None)] * len(copy.steps)
    assert copy.to_dict() == before


def test_dropping_raw_outputs_can_keep_the_kosit_report_alone(report: Report) -> None:
    copy = Report.from_dict(report.to_dict())
    copy.steps[-1].svrl, copy.steps[-1].kosit_report = "<svrl/>", "<rep:report/>"
    copy.drop_raw_outputs(keep_kosit_report=True)
    assert [s.svrl for s in copy.steps] == [None] * len(copy.steps)
    assert copy.steps[-1].kosit_report == "<rep:report/>"


def test_the_json_schema_describes_the_keys_in_their_published_order() -> None:
    written = TypeAdapter(Report).json_schema(mode="serialization")
    keys = list(json.loads(render_json(handmade())))
    assert list(written["properties"]) == keys
    assert written["properties"]["counts"]["readOnly"] is True
    read = TypeAdapter(Report).json_schema(mode="validation")
    for computed in ("report_format", "counts", "truncated"):
        assert computed not in read["properties"] and computed not in read["required"]
