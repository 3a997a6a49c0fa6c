"""The JSON form byte for byte: a report with every field set, against the JSON nif wrote when
its key order came from a serializer wrapped around pydantic's (see `golden/`)."""

from __future__ import annotations

from pathlib import Path

from nif.report import (
    ArtefactRef,
    Finding,
    Location,
    Report,
    Severity,
    StepResult,
    StepStatus,
    Verdict,
    render_json,
)

GOLDEN = Path(__file__).parent / "golden" / "every-field.json"


def every_field() -> Report:
    """A report in which every field of every class has a value, pending ones included."""
    located = Location(line=3, column=7, xpath="/a:Doc[1]/b[2]", pointer="/b/1")
    pending = Location.pending("/c", lambda pointer: (5, 11))
    findings = [
        Finding(
            Severity.FATAL,
            "schematron:rules.sch",
            "BR-01: «total» \u2028 missing",
            "BR-01",
            located,
            schema_location="#/properties/b",
            test="exists(cbc:Total)",
        ),
        Finding(Severity.ERROR, "json-schema:s.json", "not a string", "type", pending),
        Finding(Severity.WARNING, "kosit", "advisory", None),
        Finding(Severity.INFO, "codelists", "noted", "I-1", Location(pointer="")),
    ]
    steps = [
        StepResult(
            "kosit:xrechnung",
            "kosit",
            "kosit",
            "1.5",
            StepStatus.FAILED,
            [ArtefactRef("urn:a", "ab" * 32), ArtefactRef("urn:b", "cd" * 32)],
            12.34567,
            error="one scenario refused",
            phase="#ALL",
            svrl="<svrl/>",
            scenario="xrechnung-ubl",
            accepted=False,
            kosit_report="<report/>",
            findings_omitted=2,
        ),
        StepResult("parse", "parse", "lxml", "6"),
    ]
    return Report(
        source="request body",
        sha256="0f" * 32,
        size=1234,
        media_type="application/xml",
        verdict=Verdict.INVALID,
        findings=findings,
        steps=steps,
        profile="urn:nif:profile:x",
        context={"interface": "civreg-address", "version": "1.0.0"},
        omitted={"error": 2},
        created="2026-01-02T03:04:05Z",
        nif_version="9.9.9",
    )


def test_a_report_with_every_field_writes_the_same_bytes() -> None:
    assert render_json(every_field()) == GOLDEN.read_text(encoding="utf-8")


def test_it_comes_back_from_its_json_unchanged() -> None:
    data = every_field().to_dict()
    assert Report.from_dict(data).to_dict() == data
