"""`match` and `acceptMatch` expressions: Saxon's predeclared prefixes, the scenario's own, and
the sandbox."""

from __future__ import annotations

import pytest

from nif.errors import CompileError
from nif.validate.kosit import Expressions
from nif.validate.schematron import saxon_processor

INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
DOCUMENT = f'<Invoice xmlns="{INVOICE}"><Total>12.50</Total></Invoice>'


def true_ones(expressions: list[tuple[str, dict[str, str]]]) -> list[int]:
    node = saxon_processor().parse_xml(xml_text=DOCUMENT)
    return Expressions("scenarios.xml", expressions).true_ones(node)


def test_xs_and_fn_are_in_scope_as_in_kosits_saxon_xpath() -> None:
    ns = {"inv": INVOICE}
    found = true_ones(
        [
            ("xs:decimal(/inv:Invoice/inv:Total) = 12.5", ns),
            ("fn:exists(/inv:Invoice)", ns),
            ("xs:decimal(/inv:Invoice/inv:Total) > 100", ns),
        ]
    )
    assert found == [0, 1]


def test_a_scenario_may_bind_xs_to_its_own_namespace() -> None:
    assert true_ones([("/xs:Invoice", {"xs": INVOICE})]) == [0]


def test_an_undeclared_prefix_is_a_compile_error_naming_the_file() -> None:
    with pytest.raises(CompileError, match=r"scenarios\.xml: the XPath does not compile"):
        true_ones([("/nope:Invoice", {})])


def test_the_environment_stays_out_of_reach() -> None:
    with pytest.raises(CompileError):
        true_ones([("environment-variable('HOME') = ''", {})])


def test_a_run_time_error_names_the_expression_and_prints_nothing(
    capfd: pytest.CaptureFixture[str],
) -> None:
    node = saxon_processor().parse_xml(xml_text=DOCUMENT)
    expressions = Expressions(
        "scenarios.xml: acceptMatch of 'X'", [("xs:integer('not a number') = 1", {})]
    )
    with pytest.raises(RuntimeError) as caught:
        expressions.true_ones(node)
    text = str(caught.value)
    assert text.startswith("scenarios.xml: acceptMatch of 'X': the XPath failed:")
    assert "FORG0001" in text and "xs:integer('not a number')" in text
    captured = capfd.readouterr()
    assert captured.err == "" and "file:///" not in captured.out
