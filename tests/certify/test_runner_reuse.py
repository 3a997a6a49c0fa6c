"""What runs share and reuse: a message's parse for its assertions, the agency lookup, and
each case's time, with findings exactly as when nothing is shared."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from nif import catalogue
from nif.certify import Assertion, Evidence, Purpose, Run, run_suite
from nif.certify._assertions import check_all
from nif.errors import NotFoundError
from nif.registry import Registry
from nif.settings import Settings
from nif.validate import parse_xml
from tests.certify.evidence import failing_evidence, passing_evidence
from tests.certify.test_runner import run, suite_of


def _judged(result: Run) -> list[tuple[object, ...]]:
    """What a run found, without its times."""
    return [
        (
            r.case,
            r.outcome,
            r.summary,
            r.details,
            [(x["verdict"], x["findings"]) for x in r.reports],
        )
        for r in result.results
    ]


def _no_second_parse(*args: object, **kwargs: object) -> object:
    raise AssertionError("the message was parsed again for its assertions")


@pytest.mark.parametrize("name", ["civreg-address/1.0.0", "civreg-birth/2.0.0"])
@pytest.mark.parametrize("evidence", [passing_evidence, failing_evidence])
def test_assertions_are_checked_on_the_validations_parse(
    demo_registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    evidence: Callable[[str], dict[str, bytes]],
) -> None:
    files = evidence(name)
    real = check_all

    def parsing_again(
        assertions: Sequence[Assertion], content: bytes, settings: Settings, ready: object
    ) -> object:
        return real(assertions, content, settings)

    with monkeypatch.context() as patched:
        patched.setattr("nif.certify._runner.check_all", parsing_again)
        apart = run(demo_registry, name, files)
    monkeypatch.setattr("nif.certify._assertions.parse_json", _no_second_parse)
    monkeypatch.setattr("nif.certify._assertions.parse_xml", _no_second_parse)
    shared = run(demo_registry, name, files)
    assert any("assertion" in r.summary for r in shared.results)
    assert _judged(shared) == _judged(apart)


def test_a_large_xml_messages_assertions_parse_it_again(
    demo_registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Schematron step drops a large message's tree: assertions must not keep it alive."""
    parsed: list[int] = []
    real = parse_xml

    def counting(content: bytes, *, max_bytes: int, max_depth: int) -> object:
        parsed.append(len(content))
        return real(content, max_bytes=max_bytes, max_depth=max_depth)

    monkeypatch.setattr("nif.certify._runner.RELEASE_TREE_BYTES", 1)
    monkeypatch.setattr("nif.certify._assertions.parse_xml", counting)
    result = run(demo_registry, "civreg-birth/2.0.0", passing_evidence("civreg-birth/2.0.0"))
    assert result.passed and parsed


def test_the_agency_is_looked_up_once_until_the_registry_changes(
    demo_registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    real = catalogue.agency_iri

    def counting(store: object, agency: str) -> str:
        asked.append(agency)
        return real(store, agency)  # type: ignore[arg-type]

    monkeypatch.setattr(catalogue, "agency_iri", counting)
    files = passing_evidence("civreg-address/1.0.0")
    demo_registry.changed()
    run(demo_registry, "civreg-address/1.0.0", files)
    run(demo_registry, "civreg-address/1.0.0", files)
    assert asked == ["civreg"]
    suite = suite_of("civreg-address/1.0.0")
    with pytest.raises(NotFoundError, match=r"no agency with identifier 'nobody'"):
        run_suite(
            demo_registry,
            suite,
            agency="nobody",
            evidence=Evidence(files),
            actor="t",
            purpose=Purpose.SELF_TEST,
        )
    demo_registry.changed()
    run(demo_registry, "civreg-address/1.0.0", files)
    assert asked == ["civreg", "nobody", "civreg"]


def test_each_case_is_timed(demo_registry: Registry) -> None:
    result = run(demo_registry, "civreg-address/1.0.0", passing_evidence("civreg-address/1.0.0"))
    assert all(r.millis > 0 for r in result.results)
