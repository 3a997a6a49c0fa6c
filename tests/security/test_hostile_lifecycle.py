"""Hostile lifecycle data: an end of life that is not a date, or a successor outside the
interface, is refused at submission with nothing stored; one a store holds anyway (loaded
unchecked) never crashes a validation nor retires a version by accident."""

from __future__ import annotations

import dataclasses
import datetime
import shutil
from pathlib import Path

import pytest

from nif.errors import RejectedError
from nif.registry import MessageTypeRef, Registry, judge_lifecycle
from nif.report import Report, Verdict, render_html
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT

DEMO = ROOT / "registry"
OLD = "<https://registry.nif.example/interface/civreg-birth/1.0.0>"
ENDING = '  dct:temporal [ a dct:PeriodOfTime ; dcat:endDate "2025-12-31"^^xsd:date ] ;\n'


@pytest.mark.parametrize(
    ("replacement", "said"),
    [
        (
            '  dct:temporal [ a dct:PeriodOfTime ; dcat:endDate "soon" ] ;\n',
            "as a date",
        ),
        (
            '  dct:temporal [ a dct:PeriodOfTime ; dcat:endDate "2025-02-30"^^xsd:date ] ;\n',
            "as a date",
        ),
        (
            ENDING
            + "  dct:isReplacedBy <https://registry.nif.example/interface/civreg-address/1.0.0> ;\n",
            "is not another version of the same interface",
        ),
    ],
)
def test_a_bad_end_of_life_is_refused_and_nothing_stored(
    tmp_path: Path, replacement: str, said: str
) -> None:
    folder = tmp_path / "civreg-birth"
    shutil.copytree(DEMO / "interfaces" / "civreg-birth", folder)
    record = folder / "interface.ttl"
    text = record.read_text("utf-8")
    assert ENDING in text
    record.write_text(text.replace(ENDING, replacement), "utf-8")
    home = tmp_path / "home"
    with Registry(EmbeddedStore(home / "store"), Settings(home=home, actor="t")) as registry:
        registry.submit(DEMO / "agencies" / "civreg.ttl")
        with pytest.raises(RejectedError) as refused:
            registry.submit(folder)
        assert said in str(refused.value) or any(
            said in str(result) for result in getattr(refused.value.report, "results", [])
        )
        assert [r.identifier for r in registry.records()] == ["civreg"]


def _ref(end_date: str | None, successor: str | None = None) -> MessageTypeRef:
    return MessageTypeRef(
        "x",
        "1.0.0",
        "T",
        "urn:x",
        "urn:x/1.0.0",
        "urn:x/1.0.0/T",
        status="http://purl.org/adms/status/Deprecated",
        end_date=end_date,
        successor=successor,
    )


@pytest.mark.parametrize("end_date", ["soon", "9999-99-99", "99999-01-01", "", "2025-12-31\n"])
def test_a_malformed_end_date_already_stored_retires_nothing(end_date: str) -> None:
    report = Report("m.xml", "0" * 64, 1, "application/xml", Verdict.VALID, [], [])
    judge_lifecycle(report, _ref(end_date), Settings(), datetime.date(2030, 1, 1))
    assert report.verdict == Verdict.VALID
    assert [f.rule_id for f in report.findings] == ["NIF-DEPRECATED"]


def test_a_successor_with_markup_stays_text() -> None:
    report = Report("m.xml", "0" * 64, 1, "application/xml", Verdict.VALID, [], [])
    hostile = dataclasses.replace(_ref("2025-12-31"), successor="<script>x</script>")
    judge_lifecycle(report, hostile, Settings(), datetime.date(2030, 1, 1))
    assert report.verdict == Verdict.ERROR
    assert report.context["successor"] == "<script>x</script>"
    assert "move to x <script>x</script>" in report.findings[0].message
    page = render_html(report)
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
