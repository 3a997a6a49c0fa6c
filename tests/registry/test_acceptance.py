"""Submission checks: a record whose artefacts do not compile, or whose examples do not get
their declared verdict and rule ids, is refused naming each failure, and nothing is stored."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nif.errors import NotFoundError, RejectedError, SubmissionCheckError
from nif.registry import Registry
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT, cli_runner

DEMO = ROOT / "registry"
BIRTH = "https://registry.nif.example/interface/civreg-birth"
ADDRESS = "https://registry.nif.example/interface/civreg-address"
Bundle = Callable[..., Path]


@pytest.fixture
def reg(settings: Settings) -> Iterator[Registry]:
    registry = Registry(EmbeddedStore(settings.folder.store), settings)
    registry.submit(DEMO / "agencies" / "civreg.ttl")
    yield registry
    registry.close()


def refused(reg: Registry, bundle: Path) -> SubmissionCheckError:
    with pytest.raises(SubmissionCheckError) as caught:
        reg.submit(bundle)
    return caught.value


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` in the file; the line it was on."""
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_an_xsd_naming_a_missing_type_is_refused_with_its_file_and_line(
    reg: Registry, bundle: Bundle
) -> None:
    folder = bundle("civreg-birth")
    schema = folder / "schemas" / "2.0.0" / "birth.xsd"
    line = edit(schema, 'name="Sex" type="SexType"', 'name="Sex" type="GenderType"')
    error = refused(reg, folder)
    failures = error.failures
    assert {f.kind for f in failures} == {"artefact"}
    failure = failures[0]
    assert failure.subject == f"{BIRTH}/2.0.0/artefact/birth.xsd"
    assert failure.file == "https://registry.nif.example/files/civreg-birth/schemas/2.0.0/birth.xsd"
    assert failure.line == line
    assert "GenderType" in failure.message
    assert "civreg-birth@2.0.0/BirthNotification" in str(error)
    assert f"line {line}" in str(error)
    assert failure.to_dict()["line"] == line
    with pytest.raises(NotFoundError):
        reg.read("civreg-birth")
    assert not list(reg.blobs.digests()) or all(
        b"GenderType" not in reg.blobs.get(d) for d in reg.blobs.digests()
    )


def test_a_schematron_that_does_not_compile_is_refused(reg: Registry, bundle: Bundle) -> None:
    folder = bundle("civreg-birth")
    rules = folder / "schemas" / "2.0.0" / "birth.sch"
    edit(
        rules, 'test="xs:date(b:Mother/b:BirthDate) lt', 'test="((xs:date(b:Mother/b:BirthDate) lt'
    )
    failures = refused(reg, folder).failures
    assert failures and all(f.kind == "artefact" for f in failures)
    assert {f.subject for f in failures} == {f"{BIRTH}/2.0.0/artefact/birth.sch"}
    assert all(f.file and f.file.endswith("/schemas/2.0.0/birth.sch") for f in failures)
    assert "do not compile" in failures[0].message
    assert "XPST0003" in failures[0].message  # the engine's own word for it
    assert failures[0].line is not None


def test_a_json_schema_with_a_bad_ref_is_refused(reg: Registry, bundle: Bundle) -> None:
    folder = bundle("civreg-address")
    schema = folder / "schemas" / "2.0.0" / "address-lookup-response.schema.json"
    edit(schema, '"#/$defs/registeredAddress"', '"#/$defs/nowhere"')
    failures = refused(reg, folder).failures
    assert [f.subject for f in failures] == [
        f"{ADDRESS}/2.0.0/artefact/address-lookup-response.schema.json"
    ]
    assert "/$defs/nowhere" in failures[0].message
    with pytest.raises(NotFoundError):
        reg.read("civreg-address")


def describe(folder: Path, example: str, old: str, new: str) -> None:
    """Replace `old` in the description of the example `example` (a path ending) in the
    bundle's record."""
    record = folder / "interface.ttl"
    text = record.read_text("utf-8")
    start = text.index(f"/example/{example}> a dcat:Distribution")
    at = text.index(old, start)
    record.write_text(text[:at] + new + text[at + len(old) :], "utf-8")


VERDICT = 'nif:expectedVerdict "invalid" .'


def test_an_example_declared_valid_that_is_invalid_is_refused(
    reg: Registry, bundle: Bundle
) -> None:
    example = f"{BIRTH}/2.0.0/BirthNotification/example/invalid-missing-mother-id.xml"
    folder = bundle("civreg-birth")
    describe(folder, "invalid-missing-mother-id.xml", VERDICT, 'nif:expectedVerdict "valid" .')
    error = refused(reg, folder)
    (failure,) = error.failures
    assert (failure.kind, failure.subject, failure.expected, failure.got) == (
        "example",
        example,
        "valid",
        "invalid",
    )
    assert failure.file is not None and failure.file.endswith("invalid-missing-mother-id.xml")
    assert "line 15: Element 'GivenName'" in failure.message  # what made it invalid
    assert "declared valid" in str(error)
    with pytest.raises(NotFoundError):
        reg.read("civreg-birth")


def test_an_expected_rule_that_is_not_raised_is_refused(reg: Registry, bundle: Bundle) -> None:
    folder = bundle("civreg-birth")
    rules = 'nif:expectedRule "BIRTH-01", "BIRTH-02" ;\n  '
    describe(folder, "invalid-mother-born-after-child.xml", VERDICT, rules + VERDICT)
    (failure,) = refused(reg, folder).failures
    assert failure.missing_rules == ("BIRTH-01",)
    assert "BIRTH-02" in failure.message  # what it raised instead
    assert failure.to_dict()["missing_rules"] == ["BIRTH-01"]


def test_expected_rules_that_are_raised_pass(reg: Registry, bundle: Bundle) -> None:
    folder = bundle("civreg-birth")
    rules = 'nif:expectedRule "BIRTH-02" ;\n  '
    describe(folder, "invalid-mother-born-after-child.xml", VERDICT, rules + VERDICT)
    reg.submit(folder)
    assert "BIRTH-02" in reg.read("civreg-birth").ntriples().decode()


def test_an_unchanged_resubmission_is_not_checked_again(
    reg: Registry, bundle: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nif.registry import _acceptance

    reg.submit(bundle("civreg-birth"))
    checked: list[str] = []
    run = _acceptance.run_check
    monkeypatch.setattr(
        _acceptance,
        "run_check",
        lambda item, *args: checked.append(item.ref.name) or run(item, *args),
    )
    endpoint = "<https://api.civreg.example.gov/birth> ;"
    reg.submit(bundle("civreg-birth", (endpoint, "<https://api.civreg.example.gov/births> ;")))
    assert checked == []
    reg.submit(
        bundle(
            "civreg-birth",
            ('nif:schematronPhase "#ALL" ;', ""),
        )
    )
    assert checked == ["civreg-birth@2.0.0/BirthNotification"]


def test_a_folder_load_refuses_the_failing_record_only(settings: Settings, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "registry"
    shutil.copytree(DEMO / "agencies", root / "agencies")
    for name in ("civreg-birth", "civreg-address"):
        shutil.copytree(DEMO / "interfaces" / name, root / "interfaces" / name)
    edit(
        root / "interfaces" / "civreg-birth" / "schemas" / "1.0.0" / "birth.xsd",
        'type="SexType"',
        'type="GenderType"',
    )
    with Registry(EmbeddedStore(settings.folder.store), settings) as reg:
        result = reg.load_folder(root, workers=1)
        assert result.rejected == ["civreg-birth"]
        assert "GenderType" in result.report.text()
        assert reg.read("civreg-address")
        with pytest.raises(NotFoundError):
            reg.read("civreg-birth")


def test_an_expected_rule_must_be_a_string(reg: Registry, bundle: Bundle) -> None:
    folder = bundle("civreg-birth")
    describe(
        folder, "invalid-mother-born-after-child.xml", VERDICT, "nif:expectedRule 2 ;\n  " + VERDICT
    )
    with pytest.raises(RejectedError) as caught:
        reg.submit(folder)
    assert "nif:expectedRule must be a rule id as a plain string" in str(caught.value)


def test_the_demo_declares_expected_rules_and_passes(reg: Registry) -> None:
    reg.submit(DEMO / "interfaces" / "civreg-birth")
    stored = reg.read("civreg-birth").ntriples().decode()
    assert '<https://w3id.org/nif/ns#expectedRule> "BIRTH-02"' in stored


def test_the_nif_command_prints_each_failure_and_exits_1(
    settings: Settings, bundle: Bundle, tmp_path: Path
) -> None:
    folder = bundle("civreg-birth")
    describe(folder, "invalid-missing-mother-id.xml", VERDICT, 'nif:expectedVerdict "valid" .')
    env = {**os.environ, "NIF_HOME": str(settings.home), "NIF_ACTOR": "cli-tester"}
    env.pop("NIF_STORE", None)
    nif = cli_runner(tmp_path, env, 300)
    nif("registry", "submit", str(DEMO / "agencies" / "civreg.ttl"))
    done = nif("registry", "submit", str(folder), ok=1)
    assert "refused, 1 submission check(s) failed" in done.stderr
    assert "invalid-missing-mother-id.xml" in done.stderr and "declared valid" in done.stderr
    assert "Traceback" not in done.stderr
