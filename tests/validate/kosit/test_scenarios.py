"""Reading `scenarios.xml`: the model, and clear errors for what KoSIT would not run."""

from __future__ import annotations

from pathlib import Path

import pytest

from nif.errors import CompileError
from nif.validate import KositConfiguration, load_kosit, read_scenarios
from tests.kosit_config import order_config, order_scenario, order_scenarios


def read(tmp_path: Path, scenarios: str) -> KositConfiguration:
    return read_scenarios(load_kosit(order_config(tmp_path / "cfg", scenarios=scenarios)))


def test_the_model_of_a_configuration(tmp_path: Path) -> None:
    levels = '<customLevel level="warning">ORD-01 ORD-03</customLevel>'
    config = read(
        tmp_path,
        order_scenarios(
            order_scenario("first", levels=levels, accept="//rep:accept"),
            order_scenario("second", match="/other"),
        ),
    )
    base = (tmp_path / "cfg").resolve().as_uri()
    assert config.name == "orders"
    assert config.framework_version == "1.0.0"
    assert [s.name for s in config.scenarios] == ["first", "second"]
    first = config.scenarios[0]
    assert first.match == "/order"
    assert first.namespaces == {"rep": "http://www.xoev.de/de/validator/varl/1"}
    assert [r.location for r in first.schemas] == [f"{base}/order.xsd"]
    assert [r.location for r in first.schematrons] == [f"{base}/rules.xsl"]
    assert first.report.location == f"{base}/report.xsl"
    assert first.custom_levels == {"ORD-01": "warning", "ORD-03": "warning"}
    assert first.accept_match == "//rep:accept"
    assert config.scenarios[1].accept_match is None
    assert config.fallback is not None and config.fallback.location == f"{base}/report.xsl"
    assert config.scenario("second").match == "/other"


def test_custom_levels_beside_the_schematron_step_are_read(tmp_path: Path) -> None:
    scenario = order_scenario().replace(
        "</validateWithSchematron>",
        '<customLevel level="information">ORD-02</customLevel></validateWithSchematron>',
    )
    config = read(tmp_path, order_scenarios(scenario))
    assert config.scenarios[0].custom_levels == {"ORD-02": "information"}


@pytest.mark.parametrize(
    ("scenarios", "message"),
    [
        ("<scenarios xmlns='urn:other'/>", "not a KoSIT configuration"),
        (
            order_scenarios(
                "<scenario xmlns='http://www.xoev.de/de/validator/framework/1/scenarios'>"
                "<name>x</name><match>/</match></scenario>"
            ),
            "needs a <validateWithXmlSchema>",
        ),
        (
            order_scenarios(order_scenario(levels='<customLevel level="fatal">A</customLevel>')),
            "customLevel level 'fatal'",
        ),
        (order_scenarios(order_scenario("same"), order_scenario("same")), "unique: same"),
        (
            order_scenarios(
                order_scenario().replace(
                    "</validateWithXmlSchema>",
                    "<resource><name>b</name><location>order.xsd</location></resource>"
                    "</validateWithXmlSchema>",
                )
            ),
            "names 2 XSD resources",
        ),
        (order_scenarios(order_scenario().replace("<match>/order</match>", "")), "needs a <match>"),
    ],
)
def test_a_bad_configuration_is_refused_saying_where(
    tmp_path: Path, scenarios: str, message: str
) -> None:
    with pytest.raises(CompileError, match=message) as caught:
        read(tmp_path, scenarios)
    assert "scenarios.xml" in str(caught.value)


def test_an_unknown_scenario_name_lists_the_known_ones(tmp_path: Path) -> None:
    config = read(tmp_path, order_scenarios(order_scenario("first")))
    with pytest.raises(CompileError, match=r"no scenario named 'nope' .*'first'"):
        config.scenario("nope")
