"""Running the rule sets of tests/validate/data/schematron and reading their findings."""

from __future__ import annotations

from pathlib import Path

from nif.report import Report
from nif.validate import validate
from nif.validate._profile import Profile

DATA = Path(__file__).parents[1] / "data" / "schematron"


def with_binding(rules: Path, binding: str, folder: Path) -> Path:
    """A copy of `rules` in `folder` with another queryBinding."""
    text = rules.read_text().replace('queryBinding="xslt2"', f'queryBinding="{binding}"')
    copy = folder / f"{rules.stem}-{binding}.sch"
    copy.write_text(text)
    return copy


def run(rules: Path, message: Path | bytes, phase: str | None = None) -> Report:
    content = message if isinstance(message, bytes) else message.read_bytes()
    return validate(content, Profile.from_files(schematron=[(rules, phase)]), source="m.xml")


def found(report: Report) -> list[tuple[str | None, str, int | None, str | None, str]]:
    """(rule id, severity, line, location, message) of every finding, in SVRL order."""
    return [
        (f.rule_id, str(f.severity), f.location.line, f.location.xpath, f.message)
        for f in report.findings
    ]
