"""`nif validate --kosit-config` and `--format kosit`, through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from nif.cli import cli
from tests.kosit_config import order_config, order_scenario, order_scenarios
from tests.validate.kosit.test_load import zip_folder

REP = "{http://www.xoev.de/de/validator/varl/1}"


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return order_config(tmp_path / "cfg")


@pytest.fixture
def messages(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in {
        "good.xml": "<order><amount>5</amount></order>",
        "bad.xml": "<order><amount>500</amount></order>",
        "other.xml": "<invoice/>",
    }.items():
        (tmp_path / name).write_text(text)
        out[name] = tmp_path / name
    return out


def test_a_batch_against_a_configuration(config: Path, messages: dict[str, Path]) -> None:
    result = run("validate", messages["good.xml"], messages["bad.xml"], "--kosit-config", config)
    assert result.exit_code == 1, result.output
    assert "scenario orders, accepted" in result.output
    assert "scenario orders, rejected" in result.output
    assert "ORD-01" in result.output


def test_json_names_the_configuration_and_the_scenario(
    config: Path, messages: dict[str, Path]
) -> None:
    result = run("validate", messages["good.xml"], "--kosit-config", config, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    step = report["steps"][1]
    assert report["profile"] == step["name"] == "kosit:orders"
    assert (step["kind"], step["scenario"], step["accepted"]) == ("kosit", "orders", True)
    assert step["artefacts"][0]["uri"].endswith("cfg/scenarios.xml")


def test_a_zipped_configuration_with_several_jobs(config: Path, messages: dict[str, Path]) -> None:
    archive = zip_folder(config)
    args = [messages["good.xml"], messages["bad.xml"], messages["other.xml"]]
    result = run("validate", *args, "--kosit-config", archive, "--jobs", "2", "--format", "json")
    assert result.exit_code == 1, result.output
    verdicts = [r["verdict"] for r in json.loads(result.output)]
    assert verdicts == ["valid", "invalid", "error"]


def test_the_kosit_report_is_the_one_the_configuration_wrote(
    config: Path, messages: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "report.xml"
    result = run(
        "validate", messages["bad.xml"], "--kosit-config", config, "--format", "kosit", "-o", out
    )
    assert result.exit_code == 1, result.output
    root = etree.parse(str(out)).getroot()
    assert root.tag == f"{REP}report"
    assert [m.get("code") for m in root.iter(f"{REP}message")] == ["ORD-01"]
    assert root.find(f"{REP}assessment/{REP}reject") is not None


def test_the_fallback_report_when_no_scenario_matches(
    config: Path, messages: dict[str, Path]
) -> None:
    result = run("validate", messages["other.xml"], "--kosit-config", config, "--format", "kosit")
    assert result.exit_code == 1
    root = etree.fromstring(result.stdout.encode())
    assert root.find(f"{REP}noScenarioMatched") is not None


def test_no_kosit_report_for_a_message_that_is_not_xml(config: Path, tmp_path: Path) -> None:
    text = tmp_path / "note.txt"
    text.write_text("not xml")
    result = run("validate", text, "--kosit-config", config, "--format", "kosit")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no KoSIT report" in result.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--xsd", "{config}/order.xsd"], "do not combine it with"),
        (["--well-formed"], "do not combine it with"),
        (["--interface", "x"], "do not combine it with"),
        (["--catalog", "{config}/order.xsd"], "do not combine it with"),
        (["--format", "kosit", "{other}"], "--format kosit takes one message"),
    ],
)
def test_usage_errors(
    config: Path, messages: dict[str, Path], extra: list[str], message: str
) -> None:
    args = [a.format(config=config, other=messages["bad.xml"]) for a in extra]
    result = run("validate", messages["good.xml"], "--kosit-config", config, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_format_kosit_needs_a_configuration(messages: dict[str, Path], config: Path) -> None:
    result = run(
        "validate", messages["good.xml"], "--xsd", config / "order.xsd", "--format", "kosit"
    )
    assert result.exit_code == 2
    assert "--format kosit needs --kosit-config" in result.output


def test_a_configuration_that_cannot_run_exits_2_before_any_message(
    tmp_path: Path, messages: dict[str, Path]
) -> None:
    scenarios = order_scenarios(order_scenario(match="doc('file:///etc/passwd')"))
    folder = order_config(tmp_path / "hostile", scenarios=scenarios)
    result = run("validate", messages["good.xml"], "--kosit-config", folder)
    assert result.exit_code == 2
    assert "doc" in result.output
