"""The version's lifecycle in every verdict: status in the context, a warning while deprecated,
verdict error once retired (or a warning, by setting), judged on the day given."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from nif.cli import cli
from nif.registry import MessageTypeRef, Registry, Task, ValidationWorker, judge_lifecycle
from nif.registry._message_types import WITHDRAWN
from nif.registry._validation import named_types, pinned_target, validate_registered
from nif.report import Report, Severity, Verdict
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.registry.conftest import DEMO

EXAMPLES = DEMO / "interfaces" / "civreg-birth" / "examples"
OLD_VALID = EXAMPLES / "1.0.0" / "BirthNotification" / "valid-newborn.xml"
OLD_INVALID = EXAMPLES / "1.0.0" / "BirthNotification" / "invalid-unknown-sex-code.xml"
NEW_VALID = EXAMPLES / "2.0.0" / "BirthNotification" / "valid-newborn.xml"
BEFORE_END = datetime.date(2025, 6, 1)
LAST_DAY = datetime.date(2025, 12, 31)
AFTER_END = datetime.date(2026, 1, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    home = tmp_path_factory.mktemp("demo-home")
    registry = Registry(EmbeddedStore(home / "store"), Settings(home=home, actor="demo"))
    registry.load_folder(DEMO, workers=1, check=False)
    yield registry
    registry.close()


def _ref(demo: Registry, version: str) -> MessageTypeRef:
    refs = named_types(demo.store, "civreg-birth", version, "BirthNotification")
    assert refs is not None and len(refs) == 1
    return refs[0]


def _validate(
    demo: Registry,
    path: Path,
    version: str,
    today: datetime.date | None,
    settings: Settings | None = None,
) -> Report:
    [report] = validate_registered(
        [path],
        lambda: contextlib.nullcontext(demo.store),
        settings or demo.settings,
        interface=f"civreg-birth@{version}",
        message_type="BirthNotification",
        severity_overrides={},
        fail_on=Severity.ERROR,
        jobs=1,
        keep_svrl=False,
        today=today,
    )
    return report


def _lifecycle(report: Report) -> list[tuple[Severity, str | None, str]]:
    return [(f.severity, f.rule_id, f.message) for f in report.findings if f.step == "lifecycle"]


def test_a_version_reads_its_end_of_life_and_successor(demo: Registry) -> None:
    old, new = _ref(demo, "1.0.0"), _ref(demo, "2.0.0")
    assert (old.status_name, old.end_date, old.successor) == ("Deprecated", "2025-12-31", "2.0.0")
    assert (new.status_name, new.end_date, new.successor) == ("Completed", None, None)
    assert new.context == {
        "interface": "civreg-birth",
        "version": "2.0.0",
        "message_type": "BirthNotification",
        "status": "Completed",
    }


def test_a_deprecated_version_warns_naming_its_successor_and_end(demo: Registry) -> None:
    for day in (BEFORE_END, LAST_DAY):
        report = _validate(demo, OLD_VALID, "1.0.0", day)
        assert report.verdict == Verdict.VALID
        [(severity, rule, message)] = _lifecycle(report)
        assert (severity, rule) == (Severity.WARNING, "NIF-DEPRECATED")
        assert "until 2025-12-31" in message and "civreg-birth 2.0.0" in message
        assert report.context == {
            "interface": "civreg-birth",
            "version": "1.0.0",
            "message_type": "BirthNotification",
            "status": "Deprecated",
            "end_date": "2025-12-31",
            "successor": "2.0.0",
        }


def test_past_its_end_date_a_version_makes_the_verdict_error(demo: Registry) -> None:
    report = _validate(demo, OLD_VALID, "1.0.0", AFTER_END)
    assert report.verdict == Verdict.ERROR
    [(severity, rule, message)] = _lifecycle(report)
    assert (severity, rule) == (Severity.FATAL, "NIF-RETIRED")
    assert "end of life on 2025-12-31" in message and "move to civreg-birth 2.0.0" in message
    step = next(s for s in report.steps if s.name == "lifecycle")
    assert step.error and "no longer accepts messages" in step.error
    # an invalid message to a retired version is not worth fixing: error too
    assert _validate(demo, OLD_INVALID, "1.0.0", AFTER_END).verdict == Verdict.ERROR
    # without a day, today (the demo's end date lies in the past)
    assert _validate(demo, OLD_VALID, "1.0.0", None).verdict == Verdict.ERROR


def test_the_setting_makes_a_retired_version_a_warning(demo: Registry) -> None:
    lenient = demo.settings.replace(validation_retired_version="warning")
    report = _validate(demo, OLD_VALID, "1.0.0", AFTER_END, lenient)
    assert report.verdict == Verdict.VALID
    assert [(s, r) for s, r, _ in _lifecycle(report)] == [(Severity.WARNING, "NIF-RETIRED")]
    assert _validate(demo, OLD_INVALID, "1.0.0", AFTER_END, lenient).verdict == Verdict.INVALID


def test_a_current_version_has_no_lifecycle_finding(demo: Registry) -> None:
    report = _validate(demo, NEW_VALID, "2.0.0", AFTER_END)
    assert report.verdict == Verdict.VALID and not _lifecycle(report)
    assert report.context["status"] == "Completed"


def test_a_withdrawn_version_is_retired_whatever_the_day(demo: Registry) -> None:
    withdrawn = dataclasses.replace(_ref(demo, "2.0.0"), status=WITHDRAWN, successor="3.0.0")
    report = _validate(demo, NEW_VALID, "2.0.0", BEFORE_END)
    judge_lifecycle(report, withdrawn, demo.settings, BEFORE_END)
    assert report.verdict == Verdict.ERROR
    [(severity, rule, message)] = _lifecycle(report)
    assert (severity, rule) == (Severity.FATAL, "NIF-RETIRED")
    assert message.startswith("civreg-birth 2.0.0 is withdrawn") and "3.0.0" in message
    assert report.context["status"] == "Withdrawn"


def test_judging_twice_adds_nothing(demo: Registry) -> None:
    report = _validate(demo, OLD_VALID, "1.0.0", BEFORE_END)
    steps, findings = len(report.steps), len(report.findings)
    judge_lifecycle(report, _ref(demo, "1.0.0"), demo.settings, BEFORE_END)
    assert (len(report.steps), len(report.findings)) == (steps, findings)


@pytest.mark.slow
def test_the_service_worker_judges_on_the_day_of_the_task(demo: Registry) -> None:
    target = pinned_target(demo.store, _ref(demo, "1.0.0"))
    content = OLD_VALID.read_bytes()
    with ValidationWorker(demo.settings) as worker:
        before = worker.run(Task(content, "m.xml", target, today=BEFORE_END))
        after = worker.run(Task(content, "m.xml", target, today=AFTER_END))
        today = worker.run(Task(content, "m.xml", target))
    assert before.verdict == Verdict.VALID
    assert [r for _, r, _ in _lifecycle(before)] == ["NIF-DEPRECATED"]
    assert after.verdict == Verdict.ERROR and today.verdict == Verdict.ERROR
    assert after.context["successor"] == "2.0.0"


@pytest.mark.slow
def test_the_cli_says_a_retired_version_no_longer_accepts_messages(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Registry(EmbeddedStore(home / "store"), Settings(home=home)) as registry:
        registry.load_folder(DEMO, workers=1, check=False)
    env = {"NIF_HOME": str(home), "NIF_CONFIG": "", "NIF_STORE": ""}
    args = ["validate", str(OLD_VALID), "--interface", "civreg-birth@1.0.0"]
    text = CliRunner().invoke(cli, args, env=env)
    assert text.exit_code == 1, text.output
    assert "(Deprecated, end of life 2025-12-31, successor 2.0.0)" in text.stdout
    assert "NIF-RETIRED" in text.stdout and "no longer accepts messages" in text.stdout
    lenient = {**env, "NIF_VALIDATION_RETIRED_VERSION": "warning"}
    answer = CliRunner().invoke(cli, [*args, "--format", "json"], env=lenient)
    assert answer.exit_code == 0, answer.output
    report = json.loads(answer.stdout)
    assert report["verdict"] == "valid" and report["counts"]["warning"] == 1
    assert report["context"]["status"] == "Deprecated"
