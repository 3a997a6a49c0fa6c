"""The KoSIT answer of `_report_formats`: the kept report, or a 422 saying why there is none."""

from __future__ import annotations

import asyncio
import json

import pytest

from nif.errors import UsageError
from nif.report import Report, StepResult, StepStatus, Verdict
from nif.web.api._report_formats import negotiate, render


def _report(verdict: Verdict, *steps: StepResult) -> Report:
    return Report("m.xml", "0" * 64, 1, "application/xml", verdict, [], list(steps))


def test_the_kept_report_is_the_answer() -> None:
    step = StepResult("kosit:c", "kosit", "e", "1", kosit_report="<rep:report/>", scenario="s")
    report = _report(Verdict.VALID, step)
    report.created = "2026-03-01T09:30:00Z"
    answer = asyncio.run(render(report, "kosit"))
    assert (answer.status_code, answer.media_type, answer.body) == (
        200,
        "application/xml",
        b"<!-- nif 0.1.0, 2026-03-01T09:30:00Z -->\n<rep:report/>",
    )


def test_a_step_that_could_not_run_is_a_422_naming_it() -> None:
    failed = StepResult(
        "kosit:c", "kosit", "e", "1", StepStatus.ERROR, error="report.xsl: division by zero"
    )
    answer = asyncio.run(render(_report(Verdict.ERROR, failed), "kosit"))
    body = json.loads(bytes(answer.body))
    assert (answer.status_code, body["error"]) == (422, "no_kosit_report")
    assert body["message"] == (
        "m.xml: no KoSIT report was produced, the verdict is error: "
        "kosit:c: report.xsl: division by zero"
    )
    assert body["details"]["verdict"] == "error"


class _Request:
    headers = {"accept": "application/xml"}


@pytest.mark.parametrize("asked", ["kosit", " KoSIT ", "html"])
def test_a_batch_is_refused_one_messages_formats(asked: str) -> None:
    with pytest.raises(UsageError, match="one message's report"):
        negotiate(_Request(), asked, batch=True)  # type: ignore[arg-type]


def test_accept_never_chooses_kosit() -> None:
    assert negotiate(_Request(), None) == "junit"  # type: ignore[arg-type]
    assert negotiate(_Request(), "kosit") == "kosit"  # type: ignore[arg-type]
