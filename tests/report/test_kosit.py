"""render_kosit: the KoSIT report a `kosit` step kept, and a clear refusal without one."""

from __future__ import annotations

import pytest

from nif.report import Report, StepResult, StepStatus, Verdict, render_kosit


def report(*steps: StepResult) -> Report:
    return Report("m.xml", "0" * 64, 1, "application/xml", Verdict.VALID, [], list(steps))


def test_the_kept_report_unchanged_but_for_a_comment_naming_nif() -> None:
    step = StepResult(
        "kosit:c", "kosit", "e", "1", kosit_report='<?xml version="1.0"?><rep:report/>'
    )
    made = report(StepResult("parse", "parse", "lxml", "6"), step)
    made.created = "2026-03-01T09:30:00Z"
    assert render_kosit(made) == (
        '<?xml version="1.0"?>\n<!-- nif 0.1.0, 2026-03-01T09:30:00Z -->\n<rep:report/>'
    )


def test_the_report_is_left_out_of_json() -> None:
    step = StepResult(
        "kosit:c", "kosit", "e", "1", kosit_report="<x/>", scenario="s", accepted=True
    )
    data = report(step).to_dict()["steps"][0]
    assert "kosit_report" not in data
    assert (data["scenario"], data["accepted"]) == ("s", True)


def test_other_steps_serialise_as_before() -> None:
    data = report(StepResult("xsd:a.xsd", "xsd", "libxml2", "2")).to_dict()["steps"][0]
    assert "scenario" not in data and "accepted" not in data


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        ((), "the profile has no KoSIT step"),
        (
            (StepResult("kosit:c", "kosit", "", "", StepStatus.SKIPPED, error="not run"),),
            "kosit:c: not run",
        ),
    ],
)
def test_no_report_says_why(steps: tuple[StepResult, ...], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        render_kosit(report(*steps))
