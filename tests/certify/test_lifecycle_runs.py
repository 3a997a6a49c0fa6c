"""A certification run judges its messages on the version's lifecycle too: a run of a version
past its end date cannot pass, and says why; the setting `validation_retired_version=warning`
lets it pass with the warning in its reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nif.certify import CaseOutcome, Purpose, find_suite, read_evidence, run_suite
from nif.registry import Registry
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT

EVIDENCE = ROOT / "registry" / "evidence" / "civreg" / "civreg-birth" / "2.0.0"
CURRENT = "<https://registry.nif.example/interface/civreg-birth/2.0.0> a dcat:DataService, nif:InterfaceVersion ;\n"


@pytest.fixture(scope="module")
def ended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A NIF_HOME with the demo registry in which civreg-birth 2.0.0 ended on 2020-01-01."""
    root = tmp_path_factory.mktemp("registry") / "registry"
    shutil.copytree(ROOT / "registry", root, ignore=shutil.ignore_patterns("evidence"))
    record = root / "interfaces" / "civreg-birth" / "interface.ttl"
    text = record.read_text("utf-8")
    assert CURRENT in text
    ending = '  dct:temporal [ a dct:PeriodOfTime ; dcat:endDate "2020-01-01"^^xsd:date ] ;\n'
    record.write_text(text.replace(CURRENT, CURRENT + ending), "utf-8")
    home = tmp_path_factory.mktemp("ended") / "home"
    with Registry(EmbeddedStore(home / "store"), Settings(home=home)) as registry:
        registry.load_folder(root, check=False, workers=1)
    return home


def _run(home: Path, **settings: object) -> dict[str, tuple[CaseOutcome, str, list[str]]]:
    config = Settings(home=home, actor="certifier").replace(**settings)
    with Registry(EmbeddedStore(home / "store"), config) as registry:
        run = run_suite(
            registry,
            find_suite("civreg-birth", "2.0.0"),
            agency="civreg",
            evidence=read_evidence(EVIDENCE, config),
            actor="tests",
            purpose=Purpose.CERTIFICATION,
        )
    return {
        r.case: (
            r.outcome,
            r.summary,
            [f["rule_id"] for report in r.reports for f in report["findings"]],
        )
        for r in run.results
        if r.reports
    }


def test_a_run_of_a_version_past_its_end_cannot_pass_and_says_why(ended: Path) -> None:
    judged = _run(ended)
    assert judged
    for outcome, summary, rules in judged.values():
        assert outcome is CaseOutcome.CANT_TELL
        assert "reached its end of life on 2020-01-01" in summary
        assert "NIF-RETIRED" in rules


def test_the_setting_lets_such_a_run_pass_with_the_warning(ended: Path) -> None:
    judged = _run(ended, validation_retired_version="warning")
    assert judged
    for outcome, _, rules in judged.values():
        assert outcome is CaseOutcome.PASSED
        assert "NIF-RETIRED" in rules
