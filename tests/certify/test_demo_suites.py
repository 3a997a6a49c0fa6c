"""The shipped conformance suites against the demo registry: each parses, names only files of its
folder and message types of its interface version, sends consume requests that are valid and
reject messages that are invalid, and its assertions fit real messages of their type."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from rdflib import URIRef

from nif import catalogue
from nif.certify import Assertion, CaseKind, Suite, available, find_suite
from nif.certify._manifest import suites_folder
from nif.registry import Registry
from nif.registry._message_types import MessageTypeRef, select_message_types
from nif.registry._profiles import build_profile
from nif.report import Verdict
from nif.settings import Settings
from nif.validate import validate
from tests.conftest import ROOT

SUITES = available()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    registry = Registry.open(Settings(home=tmp_path_factory.mktemp("home"), actor="suites"))
    registry.load_folder(ROOT / "registry", check=False, workers=1)
    yield registry
    registry.close()


def message_type(registry: Registry, iri: str) -> MessageTypeRef:
    refs = select_message_types(registry.store, f"VALUES ?mt {{ {URIRef(iri).n3()} }}")
    assert len(refs) == 1, f"{iri} is not a message type of the demo registry"
    return refs[0]


def verdict(registry: Registry, iri: str, content: bytes) -> Verdict:
    ref = message_type(registry, iri)
    profile = build_profile(registry.store, ref, registry.blobs)
    report = validate(content, profile, settings=registry.settings)
    return report.verdict


def selects(assertion: Assertion, content: bytes) -> str | None:
    """The value the assertion's expression selects in `content`, None when nothing."""
    if assertion.language == "xpath":
        found = etree.fromstring(content).xpath(
            assertion.expression, namespaces=dict(assertion.namespaces)
        )
        if not isinstance(found, list):
            return str(found)
        if not found:
            return None
        first = found[0]
        return "".join(first.itertext()) if isinstance(first, etree._Element) else str(first)
    value = json.loads(content)
    for token in assertion.expression.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        elif isinstance(value, dict) and token in value:
            value = value[token]
        else:
            return None
    return value if isinstance(value, str) else json.dumps(value)


def examples(suite: Suite, ref: MessageTypeRef) -> list[Path]:
    folder = ROOT / "registry" / "interfaces" / suite.interface / "examples" / suite.version
    return sorted((folder / ref.message_type).glob("valid-*"))


def test_every_demo_interface_has_a_suite_of_its_current_version(demo: Registry) -> None:
    current = set()
    for listed in catalogue.interfaces(demo.store, limit=catalogue.MAX_LIMIT).items:
        interface = catalogue.interface(demo.store, listed.identifier)
        assert interface.current_version is not None, interface.identifier
        current.add((interface.identifier, interface.current_version))
    assert len(current) == 8
    assert current <= set(SUITES)


@pytest.mark.parametrize(("interface", "version"), SUITES, ids=[f"{i}@{v}" for i, v in SUITES])
def test_a_suite_has_every_kind_of_case_its_interface_allows(
    demo: Registry, interface: str, version: str
) -> None:
    """Produce and reject cases always; consume cases when the version has an answer (a
    response type) to send a request for; mandatory and optional cases."""
    suite = find_suite(interface, version)
    [record] = [
        v for v in catalogue.interface(demo.store, interface).versions if v.version == version
    ]
    answered = any(m.direction == "response" for m in record.message_types)
    kinds = set(CaseKind) if answered else {CaseKind.PRODUCE, CaseKind.REJECT}
    assert {c.kind for c in suite.cases} == kinds, suite.iri
    assert {c.mandatory for c in suite.cases} == {True, False}, suite.iri
    for kind in kinds:
        assert any(c.kind is kind and c.mandatory for c in suite.cases), (suite.iri, kind)


@pytest.mark.parametrize(("interface", "version"), SUITES, ids=[f"{i}@{v}" for i, v in SUITES])
def test_a_suite_names_only_its_own_files(interface: str, version: str) -> None:
    suite = find_suite(interface, version)
    folder = suites_folder() / interface / version
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert sorted(f.path for f in suite.files) == on_disk, "every file of the folder is used"
    for file in suite.files:
        assert (folder / file.path).read_bytes() == file.content


@pytest.mark.parametrize(("interface", "version"), SUITES, ids=[f"{i}@{v}" for i, v in SUITES])
def test_a_suite_fits_its_registered_interface_version(
    demo: Registry, interface: str, version: str
) -> None:
    suite = find_suite(interface, version)
    for case in suite.cases:
        for iri in case.message_types:
            ref = message_type(demo, iri)
            assert (ref.interface, ref.version) == (interface, version), case.iri
        if case.kind is CaseKind.CONSUME:
            sent = verdict(demo, case.sent_type, suite.message(case))
            assert sent is Verdict.VALID, f"{case.identifier}: the request must be valid"
        if case.kind is CaseKind.REJECT:
            sent = verdict(demo, case.sent_type, suite.message(case))
            assert sent is Verdict.INVALID, f"{case.identifier}: the message must be invalid"


@pytest.mark.parametrize(("interface", "version"), SUITES, ids=[f"{i}@{v}" for i, v in SUITES])
def test_assertions_select_a_value_in_a_registered_example(
    demo: Registry, interface: str, version: str
) -> None:
    suite = find_suite(interface, version)
    for case in suite.cases:
        if not case.assertions:
            continue
        answer_types = [case.expected_type] if case.expected_type else case.refusal_types
        refs = [message_type(demo, t) for t in answer_types]
        contents = [p.read_bytes() for ref in refs for p in examples(suite, ref)]
        assert contents, f"{case.identifier}: no valid example of {answer_types}"
        for assertion in case.assertions:
            found = [selects(assertion, c) for c in contents]
            assert any(v is not None for v in found), (case.identifier, assertion.expression)


def test_a_consume_request_gets_an_answer_that_meets_its_assertions() -> None:
    """The demo's own request and response examples form a conforming exchange."""
    suite = find_suite("civreg-address", "1.0.0")
    case = suite.case("consume-tax-assessment")
    answer = (
        ROOT
        / "registry/interfaces/civreg-address/examples/1.0.0/AddressLookupResponse"
        / "valid-residence-and-postal.json"
    ).read_bytes()
    assert [selects(a, answer) for a in case.assertions] == [a.expected for a in case.assertions]
