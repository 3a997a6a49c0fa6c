"""Detecting a message's registered type: XML root QName plus discriminator, JSON discriminator,
most specific match wins, no match and ties are errors listing the candidates."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from nif.cli import cli
from nif.errors import DetectionError
from nif.registry import _detect
from nif.registry._detect import (
    Detector,
    Undecided,
    root_element,
)
from nif.registry._message_types import resolve_message_types
from nif.settings import Settings
from nif.store import Store
from nif.validate import ParsedXml, parse_xml
from tests.registry.pinned import (
    BIRTH_NS,
    BIRTH_XSD,
    MESSAGES,
    MT,
    TAX_JSON,
    PinnedRegistry,
    Ver,
    report_of,
    run_cli,
)


class CountingStore(Store):
    """The registry's store, counting the queries detection sends to it."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.location = inner.location
        self.queries: list[str] = []

    def select(self, query: str) -> list:
        self.queries.append(query)
        return self.inner.select(query)

    def ask(self, query: str) -> bool:
        return self.inner.ask(query)

    def query_raw(self, query, fmt):  # type: ignore[no-untyped-def]
        return self.inner.query_raw(query, fmt)

    def update(self, update: str) -> None:
        self.inner.update(update)

    def replace_graph(self, graph: str, ntriples: bytes) -> None:
        self.inner.replace_graph(graph, ntriples)

    def read_graph(self, graph: str) -> bytes:
        return self.inner.read_graph(graph)

    def drop_graph(self, graph: str) -> None:
        self.inner.drop_graph(graph)

    def graphs(self) -> list[str]:
        return self.inner.graphs()

    def load(self, data, fmt):  # type: ignore[no-untyped-def]
        self.inner.load(data, fmt)

    def dump(self, out, fmt, graphs):  # type: ignore[no-untyped-def]
        self.inner.dump(out, fmt, graphs)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def detector(pinned: PinnedRegistry) -> Iterator[Detector]:
    yield Detector(pinned.store, Settings())


def detect(detector: Detector, name: str) -> str:
    return detector.detect((MESSAGES / name).read_bytes()).name


# --- building blocks ---------------------------------------------------------------------


def test_root_element_reads_only_the_start() -> None:
    settings = Settings()
    # the document is broken after its first tag: the root is known before that
    assert root_element(b'<a:Doc xmlns:a="urn:x"><unclosed>', settings) == "{urn:x}Doc"
    assert root_element(b"\xef\xbb\xbf<Plain/>", settings) == "Plain"
    with pytest.raises(DetectionError, match="DOCTYPE"):
        root_element(b'<!DOCTYPE d [<!ENTITY e "x">]><d>&e;</d>', settings)
    with pytest.raises(DetectionError, match="not well-formed XML"):
        root_element(b"<<", settings)
    with pytest.raises(DetectionError, match="over the limit of 10"):
        root_element(b"<a>" + b" " * 20 + b"</a>", Settings(max_message_bytes=10))


# --- detection against the registry ------------------------------------------------------


def test_root_qname_alone(detector: Detector) -> None:
    assert detect(detector, "birth-2.xml") == "civreg-birth@2.0.0/BirthNotification"


def test_xml_discriminator_tells_versions_with_one_root_apart(detector: Detector) -> None:
    assert detect(detector, "birth-1.xml") == "civreg-birth@1.0.0/BirthNotification"
    assert detect(detector, "birth-2.xml") == "civreg-birth@2.0.0/BirthNotification"


def test_a_matching_discriminator_beats_the_root_alone(detector: Detector) -> None:
    # 1.0.0 (Deprecated, still a candidate) has root + b:Number = 'B-17'; 2.0.0 the root only
    assert detect(detector, "registration.xml") == "civreg-birth@1.0.0/BirthRegistration"
    other = b'<BirthRegistration xmlns="urn:test:birth"><Number>C-1</Number></BirthRegistration>'
    assert detector.detect(other).name == "civreg-birth@2.0.0/BirthRegistration"


def test_json_pointer_discriminator(detector: Detector) -> None:
    assert detect(detector, "tax-return.json") == "tax-return@1.0.0/TaxReturn"
    assert detect(detector, "tax-assessment.json") == "tax-return@1.0.0/TaxAssessment"


def test_withdrawn_versions_are_not_candidates(detector: Detector) -> None:
    with pytest.raises(DetectionError) as caught:
        detect(detector, "birth-3.xml")
    message = str(caught.value)
    assert "matches root element {urn:test:birth}BirthNotification" in message
    assert (
        "civreg-birth@1.0.0/BirthNotification (needs /b:BirthNotification/b:Version = '1.0', "
        "found '3.0')"
    ) in message
    assert "civreg-birth@2.0.0/BirthNotification" in message
    assert "3.0.0" not in message


def test_an_unknown_root_says_what_was_looked_for(detector: Detector) -> None:
    with pytest.raises(
        DetectionError,
        match=r"no registered message type matches root element \{urn:test:nothing\}Unknown$",
    ):
        detect(detector, "unknown.xml")


def test_a_kept_detector_remembers_a_bounded_number_of_roots_and_values(
    pinned: PinnedRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service keeps its detectors, and messages choose the roots and values it looks up:
    a client sending ever new ones cannot make it grow without end."""
    monkeypatch.setattr(_detect, "REMEMBERED", 8)
    detector = Detector(pinned.store, Settings())
    for number in range(40):
        with pytest.raises(DetectionError):
            detector.detect(f'<Unknown{number} xmlns="urn:test:nothing"/>'.encode())
        with pytest.raises(DetectionError):
            detector.detect(json.dumps({"messageType": f"Refund{number}"}).encode())
    assert len(detector._by_root) == 8
    assert len(detector._by_values) == 8


def test_a_tie_lists_the_candidates(detector: Detector) -> None:
    with pytest.raises(DetectionError) as caught:
        detect(detector, "vehicle.xml")
    message = str(caught.value)
    assert "2 message types match root element {urn:test:vehicle}Registration equally" in message
    assert "vehicle-reg@1.0.0/Registration, vehicle-transfer@1.0.0/Registration" in message


def test_json_without_a_match_names_the_values_and_some_candidates(detector: Detector) -> None:
    with pytest.raises(DetectionError) as caught:
        detect(detector, "refund.json")
    message = str(caught.value)
    assert "matches a JSON message with /messageType = 'Refund'" in message
    assert (
        "tax-return@1.0.0/TaxReturn (needs /messageType = 'TaxReturn', found 'Refund')" in message
    )


def test_neither_xml_nor_json(detector: Detector) -> None:
    with pytest.raises(DetectionError, match="neither XML nor JSON"):
        detector.detect(b"hello")


def test_a_message_not_well_formed_after_its_root(detector: Detector) -> None:
    # the root alone picks 2.0.0/BirthRegistration; validation then reports the broken XML
    broken = b'<BirthRegistration xmlns="urn:test:birth"><Number>C-1</Numb>'
    assert detector.detect(broken).name == "civreg-birth@2.0.0/BirthRegistration"
    # a discriminator cannot be read from a broken tree, so it does not match
    broken_b17 = b'<BirthRegistration xmlns="urn:test:birth"><Number>B-17</Number><x>'
    assert detector.detect(broken_b17).name == "civreg-birth@2.0.0/BirthRegistration"


def _parsed(content: bytes) -> ParsedXml:
    return parse_xml(content, max_bytes=1 << 20, max_depth=100)


def test_a_discriminator_below_the_root_is_left_to_the_parse(
    detector: Detector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`examine` reads the root's start tag only; what it hands on, picklable, decides on the
    parse as `detect` does, errors included."""

    def refused(content: bytes, **limits: int) -> ParsedXml:
        raise AssertionError("examine parsed the message")

    monkeypatch.setattr(_detect, "parse_xml", refused)
    birth_1 = (MESSAGES / "birth-1.xml").read_bytes()
    found = detector.examine(birth_1)
    assert isinstance(found, Undecided)
    assert found.root == "{urn:test:birth}BirthNotification"
    assert pickle.loads(pickle.dumps(found)) == found
    assert found.decide(_parsed(birth_1)).name == "civreg-birth@1.0.0/BirthNotification"
    # a message that does not parse has no value below its root: the root alone decides
    broken = b'<BirthRegistration xmlns="urn:test:birth"><Number>B-17</Number><x>'
    pending = detector.examine(broken)
    assert isinstance(pending, Undecided)
    assert pending.decide(_parsed(broken)).name == "civreg-birth@2.0.0/BirthRegistration"
    withdrawn = (MESSAGES / "birth-3.xml").read_bytes()
    undecided = detector.examine(withdrawn)
    assert isinstance(undecided, Undecided)
    with pytest.raises(DetectionError) as caught:
        undecided.decide(_parsed(withdrawn))
    monkeypatch.setattr(_detect, "parse_xml", parse_xml)
    with pytest.raises(DetectionError) as detected:
        detector.detect(withdrawn)
    assert str(caught.value) == str(detected.value)
    assert "found '3.0'" in str(caught.value)


def test_detection_among_one_versions_message_types(pinned: PinnedRegistry) -> None:
    detector = Detector(pinned.store)
    among = resolve_message_types(pinned.store, "civreg-birth", "1.0.0")
    message = (MESSAGES / "birth-2.xml").read_bytes()
    with pytest.raises(DetectionError) as caught:
        detector.detect(message, among)
    assert "message type of civreg-birth@1.0.0 matches" in str(caught.value)
    assert detector.detect((MESSAGES / "birth-1.xml").read_bytes(), among).version == "1.0.0"


def test_among_a_version_media_type_alone_matches(pinned: PinnedRegistry) -> None:
    # a version with one XML and one JSON message type, neither with root nor discriminator
    pinned.interface(
        "mixed",
        Ver("1.0.0", (MT("Request", BIRTH_XSD), MT("Answer", TAX_JSON, media="json"))),
        current="1.0.0",
    )
    among = resolve_message_types(pinned.store, "mixed")
    detector = Detector(pinned.store)
    assert detector.detect(b'{"a": 1}', among).message_type == "Answer"
    assert detector.detect(b"<anything/>", among).message_type == "Request"
    # the registry-wide detection never picks a JSON type without a discriminator
    with pytest.raises(DetectionError):
        detector.detect(b'{"a": 1}')


def test_a_root_without_namespace(pinned: PinnedRegistry) -> None:
    pinned.interface(
        "bare", Ver("1.0.0", (MT("Bare", BIRTH_XSD, root=("", "Bare")),)), current="1.0.0"
    )
    detector = Detector(pinned.store)
    assert detector.detect(b"<Bare/>").name == "bare@1.0.0/Bare"
    with pytest.raises(DetectionError):
        detector.detect(b'<Bare xmlns="urn:other"/>')


def test_hostile_names_cannot_inject_sparql(pinned: PinnedRegistry) -> None:
    detector = Detector(pinned.store)
    hostile = b'<x:A xmlns:x="urn:a&quot; } } SELECT * { ?s ?p ?o . &quot;"/>'
    with pytest.raises(DetectionError, match="no registered message type matches"):
        detector.detect(hostile)
    with pytest.raises(DetectionError):
        detector.detect(json.dumps({"messageType": 'x" ) } SELECT * {'}).encode())


def test_one_query_per_kind_of_message(pinned: PinnedRegistry) -> None:
    counting = CountingStore(pinned.store)
    detector = Detector(counting)
    for _ in range(3):
        assert detect(detector, "birth-2.xml").endswith("2.0.0/BirthNotification")
        assert detect(detector, "birth-1.xml").endswith("1.0.0/BirthNotification")
    assert len(counting.queries) == 1
    for _ in range(3):
        detect(detector, "tax-return.json")
    assert len(counting.queries) == 3  # the discriminator paths, then the values


def test_detection_is_fast_on_many_interfaces(pinned: PinnedRegistry) -> None:
    """The QName query starts from the root name, not from every message type: with many
    unrelated interfaces registered (each in its own graph, as records are), it still returns
    exactly the candidates."""
    graphs = {}
    for n in range(300):
        iri = f"https://registry.nif.example/interface/other-{n}"
        graphs[iri] = (
            f"<{iri}> <http://www.w3.org/ns/dcat#hasVersion> <{iri}/1.0.0> ; "
            f'<http://purl.org/dc/terms/identifier> "other-{n}" .\n'
            f'<{iri}/1.0.0> <http://www.w3.org/ns/dcat#version> "1.0.0" ; '
            f"<https://w3id.org/nif/ns#messageType> <{iri}/1.0.0/M> .\n"
            f'<{iri}/1.0.0/M> <http://purl.org/dc/terms/identifier> "M" ; '
            f'<https://w3id.org/nif/ns#rootName> "Doc{n}" ; '
            f'<https://w3id.org/nif/ns#rootNamespace> "{BIRTH_NS}" .\n'
        ).encode()
    pinned.store.replace_graphs(graphs)
    detector = Detector(pinned.store)
    assert detect(detector, "birth-2.xml") == "civreg-birth@2.0.0/BirthNotification"
    assert detector.detect(f'<Doc7 xmlns="{BIRTH_NS}"/>'.encode()).name == "other-7@1.0.0/M"


# --- the command line --------------------------------------------------------------------


@pytest.mark.slow
def test_cli_detects_each_message(pinned: PinnedRegistry) -> None:
    pinned.close()
    names = ["birth-1.xml", "tax-return.json", "birth-2.xml", "tax-assessment.json"]
    result = run_cli(pinned, "validate", *[MESSAGES / n for n in names], "--format", "json")
    assert result.exit_code == 0, result.output
    reports = report_of(result)
    chosen = ("interface", "version", "message_type")
    assert [{k: r["context"][k] for k in chosen} for r in reports] == [
        {"interface": "civreg-birth", "version": "1.0.0", "message_type": "BirthNotification"},
        {"interface": "tax-return", "version": "1.0.0", "message_type": "TaxReturn"},
        {"interface": "civreg-birth", "version": "2.0.0", "message_type": "BirthNotification"},
        {"interface": "tax-return", "version": "1.0.0", "message_type": "TaxAssessment"},
    ]
    # the lifecycle is named too: 1.0.0 is deprecated, 2.0.0 replaces it
    assert [r["context"]["status"] for r in reports] == [
        "Deprecated",
        "Completed",
        "Completed",
        "Completed",
    ]
    assert reports[0]["context"]["successor"] == "2.0.0"
    assert [Path(r["source"]).name for r in reports] == names
    assert reports[2]["profile"] == "civreg-birth@2.0.0/BirthNotification"


@pytest.mark.slow
def test_cli_exit_1_for_invalid_and_undetected(pinned: PinnedRegistry) -> None:
    pinned.close()
    names = ["tax-return-negative.json", "vehicle.xml", "birth-2.xml"]
    result = run_cli(pinned, "validate", *[MESSAGES / n for n in names], "--format", "json")
    assert result.exit_code == 1, result.output
    negative, vehicle, birth = report_of(result)
    assert negative["verdict"] == "invalid"
    assert negative["context"]["message_type"] == "TaxReturn"
    assert vehicle["verdict"] == "error"
    assert vehicle["profile"] is None and vehicle["context"] == {}
    detect_step = vehicle["steps"][-1]
    assert (detect_step["name"], detect_step["status"]) == ("detect", "error")
    assert (
        "vehicle-reg@1.0.0/Registration, vehicle-transfer@1.0.0/Registration"
        in detect_step["error"]
    )
    assert birth["verdict"] == "valid"


@pytest.mark.slow
def test_cli_a_broken_undetectable_message_is_invalid(
    pinned: PinnedRegistry,
    tmp_path: Path,
) -> None:
    pinned.close()
    broken = tmp_path / "broken.json"
    broken.write_text('{"messageType": ', encoding="utf-8")
    result = run_cli(pinned, "validate", broken, "--format", "json")
    assert result.exit_code == 1
    report = report_of(result)
    assert report["verdict"] == "invalid"
    assert [f["rule_id"] for f in report["findings"]] == ["json.malformed"]
    assert report["steps"][-1]["status"] == "skipped"


@pytest.mark.slow
def test_cli_text_report_names_the_profile(pinned: PinnedRegistry) -> None:
    pinned.close()
    result = run_cli(pinned, "validate", MESSAGES / "birth-2-heavy.xml")
    assert result.exit_code == 1
    assert "profile civreg-birth@2.0.0/BirthNotification" in result.stdout
    assert "BR-WEIGHT" in result.stdout


def test_cli_without_a_registry_is_a_usage_error(tmp_path: Path) -> None:
    env = {"NIF_HOME": str(tmp_path / "home"), "NIF_STORE": "", "NIF_CONFIG": ""}
    result = CliRunner().invoke(cli, ["validate", str(MESSAGES / "birth-2.xml")], env=env)
    assert result.exit_code == 2
    assert "no registry store at" in result.stderr
    assert not (tmp_path / "home").exists()
