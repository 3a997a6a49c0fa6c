"""The report's JSON: orjson writes it, byte for byte what `json.dumps(indent=2,
ensure_ascii=False)` wrote, and `json` still writes what orjson refuses."""

from __future__ import annotations

import json

from nif.report import Finding, Location, Report, Severity, Verdict, dump_json, render_json


def _report() -> Report:
    findings = [
        Finding(
            Severity.ERROR,
            "xsd",
            'élément «Prénom» \u2028 inattendu \x01\x7f "quoted" \\ tab\t',
            "XSD",
            Location(line=12, column=3, xpath="/a:Doc/b"),
        ),
        Finding(Severity.WARNING, "schematron", "日本語のメッセージ", "BR-01", Location()),
    ]
    return Report(
        source="request body",
        sha256="0" * 64,
        size=10,
        media_type="application/xml",
        verdict=Verdict.INVALID,
        findings=findings,
        steps=[],
    )


def test_a_report_renders_as_the_json_module_wrote_it() -> None:
    report = _report()
    assert render_json(report) == json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    both = [report, report]
    assert render_json(both) == json.dumps(
        [r.to_dict() for r in both], indent=2, ensure_ascii=False
    )


def test_numbers_and_empty_containers_keep_their_form() -> None:
    data = {"m": 0.1 + 0.2, "i": 2**40, "e": [], "o": {}, "z": None, "t": True}
    data["millis"] = [0.0, 0.001, 12.345, 999_999_999_999.999, 1e15]
    assert dump_json(data) == json.dumps(data, indent=2, ensure_ascii=False)


def test_what_orjson_refuses_is_written_by_json() -> None:
    lone = {"message": "a lone surrogate \ud800", "big": 2**70}
    assert dump_json(lone) == json.dumps(lone, indent=2, ensure_ascii=False)


def test_other_indents_are_the_json_modules() -> None:
    data = {"a": [1, 2], "b": "é"}
    assert dump_json(data, indent=None) == json.dumps(data, ensure_ascii=False)
    assert dump_json(data, indent=4) == json.dumps(data, indent=4, ensure_ascii=False)
