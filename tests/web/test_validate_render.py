"""A validation answer's rendering: a small JSON report on the event loop, a large one in a
thread, the same bytes either way."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from nif.report import Finding, Location, Report, Severity, Verdict, render_json
from nif.web.api import _report_formats
from nif.web.api._report_formats import INLINE_FINDINGS, render


def _report(findings: int) -> Report:
    return Report(
        source="request body",
        sha256="0" * 64,
        size=10,
        media_type="application/xml",
        verdict=Verdict.INVALID if findings else Verdict.VALID,
        findings=[
            Finding(Severity.ERROR, "xsd", f"problem {i} «é»", "XSD", Location(line=i))
            for i in range(findings)
        ],
        steps=[],
    )


def test_small_and_large_json_reports_render_as_render_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threaded: list[str] = []
    real = _report_formats.run_in_threadpool

    async def spy(function: Callable[..., str], *args: object) -> str:
        threaded.append(str(args[1]))
        return await real(function, *args)

    monkeypatch.setattr(_report_formats, "run_in_threadpool", spy)
    for count in (0, INLINE_FINDINGS, INLINE_FINDINGS + 1):
        report = _report(count)
        answer = asyncio.run(render(report, "json"))
        assert answer.body == render_json(report).encode()
        assert answer.media_type == "application/json"
    assert threaded == ["json"], "only the report over INLINE_FINDINGS went to a thread"


def test_a_batch_renders_its_reports_and_tally() -> None:
    reports = [_report(0), _report(2)]
    answer = asyncio.run(render(reports, "json", batch=True))
    body = json.loads(bytes(answer.body))
    assert body["summary"] == {"valid": 1, "invalid": 1, "error": 0}
    assert [r["verdict"] for r in body["reports"]] == ["valid", "invalid"]
    assert answer.body == json.dumps(body, indent=2, ensure_ascii=False).encode()
