"""The KoSIT report (`http://www.xoev.de/de/validator/varl/1`) of a report's `kosit` step."""

from __future__ import annotations

from nif.report._display import with_provenance
from nif.report._model import Report


def render_kosit(report: Report) -> str:
    """The report the KoSIT configuration's own report XSLT wrote, unchanged but for a comment
    before its root saying what made it, when, and against which version.

    When no scenario matched, it is the configuration's `noScenarioReport`. Raises ValueError
    when no `kosit` step produced one (the message is not well-formed, a step could not run,
    or the profile has no KoSIT step).
    """
    steps = [s for s in report.steps if s.kind == "kosit"]
    for step in steps:
        if step.kosit_report:
            return with_provenance(step.kosit_report, report)
    reasons = "; ".join(f"{s.name}: {s.error or s.status}" for s in steps)
    raise ValueError(
        f"{report.source}: no KoSIT report was produced"
        + (f" ({reasons})" if reasons else " (the profile has no KoSIT step)")
    )
