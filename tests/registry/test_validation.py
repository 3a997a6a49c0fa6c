"""The shared registered-validation flow: named types, the chooser, targets and the file batch."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nif.errors import DetectionError, NotFoundError, UsageError
from nif.registry import Registry
from nif.registry._validation import Chooser, named_types, pinned_target, validate_registered
from nif.report import Finding, Report, Severity, Verdict
from nif.settings import Settings
from nif.store import EmbeddedStore
from nif.validate import Message, ParsedJson, Profile, validate
from tests.registry.conftest import DEMO

BIRTH = DEMO / "interfaces" / "civreg-birth" / "examples"
NEWBORN = BIRTH / "2.0.0" / "BirthNotification" / "valid-newborn.xml"
EXAMPLES = sorted(
    p
    for p in (DEMO / "interfaces").glob("*/examples/*/*/*")
    if p.name.startswith(("valid", "invalid"))
)
ACCEPTED_DAY = datetime.date(2025, 6, 1)
"""A day every demo version still accepted messages (civreg-birth 1.0.0 ended on 2025-12-31):
the examples get their declared verdicts (tests/registry/test_lifecycle.py covers the rest)."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    home = tmp_path_factory.mktemp("demo-home")
    settings = Settings(home=home, actor="demo")
    registry = Registry(EmbeddedStore(home / "store"), settings)
    registry.load_folder(DEMO, workers=1, check=False)
    yield registry
    registry.close()


def test_no_interface_means_detection_among_all(demo: Registry) -> None:
    assert named_types(demo.store, None) is None


@pytest.mark.parametrize(
    ("interface", "version", "message_type", "problem"),
    [
        (None, "2.0.0", None, "version was given without an interface"),
        (None, None, "BirthNotification", "message type was given without an interface"),
        ("civreg-birth@2.0.0", "1.0.0", None, "names version 2.0.0 but version 1.0.0"),
        ("civreg-birth@", None, None, "expected ID or ID@VERSION"),
    ],
)
def test_conflicting_or_orphan_arguments_are_usage_errors(
    demo: Registry,
    interface: str | None,
    version: str | None,
    message_type: str | None,
    problem: str,
) -> None:
    with pytest.raises(UsageError, match=problem):
        named_types(demo.store, interface, version, message_type)


def test_unknown_names_say_what_exists(demo: Registry) -> None:
    with pytest.raises(NotFoundError, match="did you mean civreg-birth"):
        named_types(demo.store, "civreg-brith")
    with pytest.raises(NotFoundError, match=r"versions: 1\.0\.0"):
        named_types(demo.store, "civreg-birth", "9.9.9")
    with pytest.raises(NotFoundError, match="message types: BirthNotification"):
        named_types(demo.store, "civreg-birth", "2.0.0", "Nope")


def test_version_as_its_own_argument_or_in_the_interface(demo: Registry) -> None:
    pinned = named_types(demo.store, "civreg-birth@1.0.0")
    separate = named_types(demo.store, "civreg-birth", "1.0.0")
    assert pinned == separate
    assert pinned and {r.version for r in pinned} == {"1.0.0"}


def test_the_chooser_takes_the_one_type_named_without_detecting(demo: Registry) -> None:
    among = named_types(demo.store, "civreg-birth", "2.0.0", "BirthRegistration")
    assert among is not None and len(among) == 1
    # a BirthNotification: detection would pick another type; the caller named this one
    assert Chooser(demo.store, demo.settings, among).choose(NEWBORN.read_bytes()) == among[0]


def test_the_chooser_detects_within_a_named_version(demo: Registry) -> None:
    among = named_types(demo.store, "civreg-birth", "2.0.0")
    assert among is not None and len(among) > 1
    ref = Chooser(demo.store, demo.settings, among).choose(NEWBORN.read_bytes())
    assert (ref.interface, ref.version, ref.message_type) == (
        "civreg-birth",
        "2.0.0",
        "BirthNotification",
    )
    with pytest.raises(DetectionError, match="no registered message type"):
        Chooser(demo.store, demo.settings, among).choose(b"<Other/>")


def test_a_target_builds_its_profile_from_its_pins(demo: Registry) -> None:
    ref = Chooser(demo.store, demo.settings, None).choose(NEWBORN.read_bytes())
    chosen = pinned_target(demo.store, ref)
    assert chosen.key == pinned_target(demo.store, ref).key
    assert all(r.main and r.main.sha256 for r in chosen.records)
    profile = chosen.profile(demo.blobs)
    assert len(profile.steps) == len(chosen.records)
    report = validate(NEWBORN.read_bytes(), profile, settings=demo.settings)
    assert report.verdict == Verdict.VALID
    strict = chosen.profile(demo.blobs, fail_on=Severity.WARNING)
    assert strict.fail_on is Severity.WARNING and profile.fail_on is Severity.ERROR


def _detected(demo: Registry, paths: list[Path], jobs: int) -> list[Report]:
    """Reports of `validate_registered` with each message's type detected."""
    return validate_registered(
        paths,
        lambda: contextlib.nullcontext(demo.store),
        demo.settings,
        interface=None,
        message_type=None,
        severity_overrides={},
        fail_on=Severity.ERROR,
        jobs=jobs,
        keep_svrl=False,
        today=ACCEPTED_DAY,
    )


def _named(report: Report) -> dict[str, str]:
    """The type a report names (its context adds the version's lifecycle)."""
    return {
        k: v for k, v in report.context.items() if k in ("interface", "version", "message_type")
    }


@pytest.mark.slow
def test_validate_registered_keeps_order_and_fails_closed(demo: Registry, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger.xml"
    stranger.write_bytes(b"<Stranger/>")
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Stranger>")
    paths = [*EXAMPLES, stranger, broken]
    reports = _detected(demo, paths, jobs=1)
    assert [r.source for r in reports] == [str(p) for p in paths]
    for path, report in zip(EXAMPLES, reports[:-2], strict=True):
        interface, _, version, message_type, name = path.parts[-5:]
        assert "status" in report.context
        assert _named(report) == {
            "interface": interface,
            "version": version,
            "message_type": message_type,
        }
        expected = Verdict.VALID if name.startswith("valid") else Verdict.INVALID
        assert report.verdict == expected, (path, [f.message for f in report.findings])
    assert reports[-2].verdict == Verdict.ERROR
    assert "no registered message type" in (reports[-2].steps[-1].error or "")
    assert reports[-1].verdict == Verdict.INVALID


@pytest.mark.slow
def test_validate_registered_reads_each_file_once(
    demo: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file is read once, for detection, and its bytes go on to validation: the spy
    removes a file once read, so a second read (here, or by a worker) fails."""
    engine = importlib.import_module("nif.validate")  # `nif.validate` is also a function
    copies = []
    for path in [*EXAMPLES[:3], NEWBORN]:
        copy = tmp_path / f"{len(copies)}-{path.name}"
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    stranger = tmp_path / "stranger.xml"
    stranger.write_bytes(b"<Stranger/>")
    copies.append(stranger)
    real = engine.read_message
    reads: list[str] = []

    def read_once(path: str | Path, max_bytes: int) -> bytes:
        content = real(path, max_bytes)
        reads.append(str(path))
        Path(path).unlink()
        return content

    monkeypatch.setattr(engine, "read_message", read_once)
    reports = _detected(demo, copies, jobs=2)
    assert sorted(reads) == sorted(str(p) for p in copies)
    assert [r.source for r in reports] == [str(p) for p in copies]
    assert reports[3].verdict == Verdict.VALID
    assert reports[-1].verdict == Verdict.ERROR
    assert "no registered message type" in (reports[-1].steps[-1].error or "")


def test_a_root_attribute_discriminator_needs_no_parse_before_validation(
    demo: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """busreg-company's versions share root elements and differ by their @version: detection
    reads it from the root's start tag, so the message is parsed once, by validation."""
    detect = importlib.import_module("nif.registry._detect")
    parses: list[bytes] = []
    real = detect.parse_xml

    def counted(content: bytes, **limits: int) -> object:
        parses.append(content)
        return real(content, **limits)

    monkeypatch.setattr(detect, "parse_xml", counted)
    company = sorted((DEMO / "interfaces" / "busreg-company").glob("examples/*/*/valid*.xml"))
    assert len(company) >= 3
    reports = _detected(demo, company, jobs=1)
    assert [r.context["version"] for r in reports] == [p.parts[-3] for p in company]
    assert all(r.verdict == Verdict.VALID for r in reports)
    assert parses == []
    # a discriminator below the root still needs the tree
    Chooser(demo.store, demo.settings, None).choose(NEWBORN.read_bytes())
    assert len(parses) == 1


def test_a_root_attribute_decides_even_when_the_message_breaks_later(demo: Registry) -> None:
    # as the root element itself does: validation then reports the broken message
    broken = b'<CompanyExtract xmlns="urn:nif:demo:busreg:company" version="2.0"><Status>'
    ref = Chooser(demo.store, demo.settings, None).choose(broken)
    assert (ref.interface, ref.version, ref.message_type) == (
        "busreg-company",
        "2.0.0",
        "CompanyExtract",
    )


def _marked_json_parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every `parse_json` of validation's, each slipping a finding into its parse: a report
    that shows it checked that parse, not a second one."""
    engine = importlib.import_module("nif.validate")
    real = engine.parse_json
    parses: list[bytes] = []

    def marked(content: bytes, *, max_bytes: int) -> ParsedJson:
        parses.append(content)
        parsed = real(content, max_bytes=max_bytes)
        marker = Finding(Severity.INFO, "parse", "parsed by detection", "test.marker")
        return dataclasses.replace(parsed, findings=[*parsed.findings, marker])

    monkeypatch.setattr(engine, "parse_json", marked)
    return parses


def test_a_json_message_is_parsed_once_and_its_parse_goes_to_validation(
    demo: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Detection reads a JSON message with validation's parser, and the worker checks that
    parse: a finding slipped into it reaches the report, which a second parse would lose."""
    parses = _marked_json_parses(monkeypatch)
    messages = sorted((DEMO / "interfaces").glob("*/examples/*/*/valid*.json"))
    assert len(messages) >= 3
    reports = _detected(demo, messages, jobs=2)
    assert len(parses) == len(messages)
    for path, report in zip(messages, reports, strict=True):
        assert report.context["message_type"] == path.parts[-2]
        assert report.verdict == Verdict.VALID, [f.message for f in report.findings]
        own = [f.rule_id for f in report.findings if f.step != "lifecycle"]
        assert own == ["test.marker"]


BIRTH_NOTIFICATIONS = sorted(BIRTH.glob("*/BirthNotification/*.xml"))
"""civreg-birth's versions share the root BirthNotification: b:Version, below it, decides."""


def _xml_parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every `parse_xml` of a message this process makes: detection's, the worker code's,
    validation's (not the schemas', which are parsed with their internal subset expanded)."""
    parses: list[bytes] = []
    real = importlib.import_module("nif.validate._xml").parse_xml

    def counted(content: bytes, **options: Any) -> object:
        if not options.get("internal_subset"):
            parses.append(content)
        return real(content, **options)

    for module in (  # the engine parses through `_xml.check_xml`, which calls this one
        "nif.validate._xml",
        "nif.registry._detect",
        "nif.registry._validation",
    ):
        monkeypatch.setattr(importlib.import_module(module), "parse_xml", counted)
    return parses


def _unknown_version(tmp_path: Path) -> Path:
    """A BirthNotification whose b:Version no registered version has."""
    content = NEWBORN.read_bytes()
    assert b"<Version>2.0</Version>" in content
    unknown = tmp_path / "unknown-version.xml"
    unknown.write_bytes(content.replace(b"<Version>2.0</Version>", b"<Version>9.9</Version>"))
    return unknown


def _check_births(reports: list[Report], unknown: bytes, demo: Registry) -> None:
    """The reports of BIRTH_NOTIFICATIONS and `unknown`, as detection here would give them."""
    for path, report in zip(BIRTH_NOTIFICATIONS, reports, strict=False):
        version, name = path.parts[-3], path.name
        assert report.profile == f"civreg-birth@{version}/BirthNotification"
        assert _named(report) == {
            "interface": "civreg-birth",
            "version": version,
            "message_type": "BirthNotification",
        }
        expected = Verdict.VALID if name.startswith("valid") else Verdict.INVALID
        assert report.verdict == expected, (path, [f.message for f in report.findings])
    with pytest.raises(DetectionError) as caught:
        Chooser(demo.store, demo.settings, None).choose(unknown)
    undetected = reports[-1]
    assert undetected.verdict == Verdict.ERROR
    assert (undetected.profile, undetected.context) == (None, {})
    assert undetected.steps[-1].name == "detect"
    assert undetected.steps[-1].error == str(caught.value)


@pytest.mark.slow
def test_a_discriminator_below_the_root_is_read_from_the_workers_parse(
    demo: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker parses each message anyway: it decides the type on that parse, so this
    process parses none of them (it parsed each once for detection before)."""
    unknown = _unknown_version(tmp_path)
    parses = _xml_parses(monkeypatch)
    reports = _detected(demo, [*BIRTH_NOTIFICATIONS, unknown], jobs=2)
    assert parses == []
    _check_births(reports, unknown.read_bytes(), demo)


def test_a_discriminator_below_the_root_costs_one_parse(
    demo: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers' code run in this process, spied: detection and validation share each
    message's one parse (it took two before), the same reports as with workers."""
    from nif.validate._batch import validate_file

    def here(items: list[Message | Path], profile: Profile, **options: Any) -> list[Report]:
        return [validate_file(i, profile, options["settings"]) for i in items]

    monkeypatch.setattr(importlib.import_module("nif.validate"), "validate_files", here)
    unknown = _unknown_version(tmp_path)
    messages = [*BIRTH_NOTIFICATIONS, unknown]
    parses = _xml_parses(monkeypatch)
    reports = _detected(demo, messages, jobs=1)
    assert sorted(parses) == sorted(p.read_bytes() for p in messages)
    _check_births(reports, unknown.read_bytes(), demo)


def test_a_json_message_no_type_matches_is_not_parsed_again(
    demo: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its error report checks the parse detection read (a finding slipped into it shows)."""
    parses = _marked_json_parses(monkeypatch)
    refund = tmp_path / "refund.json"
    refund.write_bytes(b'{"messageType": "Refund"}')
    (report,) = _detected(demo, [refund], jobs=1)
    assert len(parses) == 1
    assert report.verdict == Verdict.ERROR
    assert report.steps[-1].name == "detect"
    assert [f.rule_id for f in report.findings] == ["test.marker"]
