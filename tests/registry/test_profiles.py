"""Profiles from the registry: building the validation profile from pinned blobs only (fail
closed on a missing or changed blob), and `nif validate --interface` end to end.

`PinnedRegistry` (also used by test_detect) writes records into a real embedded store exactly as
submission leaves them after pinning: file URLs under {base}files/{id}/, an spdx:checksum on each
artefact, every included or referenced document as a nif:part, contents as blobs by sha256.
"""

from __future__ import annotations

import dataclasses

import pytest

from nif.errors import ArtefactError
from nif.registry._message_types import resolve_message_types
from nif.registry._profiles import build_profile
from nif.report import Verdict
from nif.validate import validate
from tests.registry.pinned import (
    BASE,
    BIRTH_SCH,
    DATA,
    MESSAGES,
    MT,
    TAX_JSON,
    PinnedRegistry,
    Ver,
    notification,
    report_of,
    run_cli,
)

# --- building profiles from blobs --------------------------------------------------------


def test_profile_from_pinned_blobs(pinned: PinnedRegistry) -> None:
    ref = resolve_message_types(pinned.store, "civreg-birth", "2.0.0", "BirthNotification")[0]
    profile = build_profile(pinned.store, ref, pinned.blobs)
    assert profile.name == "civreg-birth@2.0.0/BirthNotification"
    assert [(s.kind, s.phase) for s in profile.steps] == [("xsd", None), ("schematron", None)]
    xsd = profile.steps[0].artefacts
    assert sorted(xsd.parts) == [
        f"{BASE}files/civreg-birth/schemas/birth.xsd",
        f"{BASE}files/civreg-birth/schemas/common/types.xsd",
    ]
    good = validate((MESSAGES / "birth-2.xml").read_bytes(), profile)
    assert good.verdict == Verdict.VALID, good.to_dict()
    heavy = validate((MESSAGES / "birth-2-heavy.xml").read_bytes(), profile)
    assert heavy.verdict == Verdict.INVALID
    assert [f.rule_id for f in heavy.findings] == ["BR-WEIGHT"]


def test_json_profile_and_its_ref_part(pinned: PinnedRegistry) -> None:
    ref = resolve_message_types(pinned.store, "tax-return", message_type="TaxReturn")[0]
    assert ref.media == "json" and ref.root is None
    profile = build_profile(pinned.store, ref, pinned.blobs)
    assert [s.kind for s in profile.steps] == ["json-schema"]
    assert validate((MESSAGES / "tax-return.json").read_bytes(), profile).verdict == Verdict.VALID
    negative = validate((MESSAGES / "tax-return-negative.json").read_bytes(), profile)
    assert negative.verdict == Verdict.INVALID


def test_the_schematron_phase_comes_from_the_record(pinned: PinnedRegistry) -> None:
    mt = dataclasses.replace(notification("2.0", (BIRTH_SCH,)), phase="weight")
    pinned.interface("phased", Ver("1.0.0", (mt,)), current="1.0.0")
    profile = build_profile(
        pinned.store, resolve_message_types(pinned.store, "phased")[0], pinned.blobs
    )
    assert profile.steps[1].phase == "weight"


def test_profiles_are_cached_by_record_content(pinned: PinnedRegistry) -> None:
    ref = resolve_message_types(pinned.store, "vehicle-reg")[0]
    first = build_profile(pinned.store, ref, pinned.blobs)
    pinned.remove("schemas/vehicle.xsd")
    assert build_profile(pinned.store, ref, pinned.blobs) is first
    changed = dataclasses.replace(ref, phase="other")
    with pytest.raises(ArtefactError, match="missing"):
        build_profile(pinned.store, changed, pinned.blobs)


def test_a_changed_blob_fails_closed(pinned: PinnedRegistry) -> None:
    pinned.blob("schemas/common/types.xsd").write_bytes(b"<xs:schema/>")
    ref = resolve_message_types(pinned.store, "civreg-birth", "2.0.0", "BirthNotification")[0]
    with pytest.raises(
        ArtefactError, match=r"types\.xsd.*part of.*birth\.xsd.*changed or corrupted"
    ):
        build_profile(pinned.store, ref, pinned.blobs)


def test_a_missing_blob_fails_closed(pinned: PinnedRegistry) -> None:
    pinned.remove("schemas/tax.json")
    ref = resolve_message_types(pinned.store, "tax-return", message_type="TaxReturn")[0]
    with pytest.raises(
        ArtefactError, match=r"tax.json: the pinned content \(sha256 [0-9a-f]{64}\) is missing"
    ):
        build_profile(pinned.store, ref, pinned.blobs)


def test_an_unpinned_part_fails_closed(pinned: PinnedRegistry) -> None:
    unpinned = dataclasses.replace(TAX_JSON, unpinned=("schemas/common/amount.json",))
    mt = MT("TaxReturn", unpinned, media="json")
    pinned.interface("unpinned", Ver("1.0.0", (mt,)), current="1.0.0")
    ref = resolve_message_types(pinned.store, "unpinned")[0]
    with pytest.raises(ArtefactError, match=r"amount\.json \(part of .*tax\.json\) is not pinned"):
        build_profile(pinned.store, ref, pinned.blobs)


def test_a_message_type_without_artefacts_fails_closed(pinned: PinnedRegistry) -> None:
    pinned.interface("empty", Ver("1.0.0", (MT("Nothing"),)), current="1.0.0")
    with pytest.raises(ArtefactError, match="no schema or rules"):
        build_profile(pinned.store, resolve_message_types(pinned.store, "empty")[0], pinned.blobs)


# --- the command line --------------------------------------------------------------------


@pytest.mark.slow
def test_cli_interface_with_and_without_version(pinned: PinnedRegistry) -> None:
    pinned.close()
    message = MESSAGES / "birth-2.xml"
    args = ["--message-type", "BirthNotification", "--format", "json"]
    result = run_cli(pinned, "validate", message, "--interface", "civreg-birth", *args)
    assert result.exit_code == 0, result.output
    report = report_of(result)
    assert report["profile"] == "civreg-birth@2.0.0/BirthNotification"
    assert report["context"] == {
        "interface": "civreg-birth",
        "version": "2.0.0",
        "message_type": "BirthNotification",
        "status": "Completed",
    }
    old = run_cli(
        pinned, "validate", MESSAGES / "birth-1.xml", "--interface", "civreg-birth@1.0.0", *args
    )
    assert old.exit_code == 0, old.output
    assert report_of(old)["context"]["version"] == "1.0.0"
    heavy = run_cli(
        pinned, "validate", MESSAGES / "birth-2-heavy.xml", "--interface", "civreg-birth", *args
    )
    assert heavy.exit_code == 1
    assert report_of(heavy)["verdict"] == "invalid"


@pytest.mark.slow
def test_cli_interface_detects_among_the_versions_message_types(pinned: PinnedRegistry) -> None:
    pinned.close()
    messages = [MESSAGES / "registration.xml", MESSAGES / "birth-2.xml"]
    result = run_cli(
        pinned, "validate", *messages, "--interface", "civreg-birth", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert [r["profile"] for r in report_of(result)] == [
        "civreg-birth@2.0.0/BirthRegistration",
        "civreg-birth@2.0.0/BirthNotification",
    ]


@pytest.mark.slow
def test_cli_severity_overrides_apply_to_registry_profiles(pinned: PinnedRegistry) -> None:
    pinned.close()
    message = MESSAGES / "birth-2-heavy.xml"
    args = ["--interface", "civreg-birth", "--message-type", "BirthNotification"]
    result = run_cli(pinned, "validate", message, *args, "--severity", "BR-WEIGHT=warning")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--interface", "nope"], "no interface 'nope'"),
        (
            ["--interface", "civreg-birth@7"],
            "no version 7 (versions: 1.0.0, 2.0.0 (current), 3.0.0)",
        ),
        (
            ["--interface", "civreg-birth", "--message-type", "X"],
            "message types: BirthNotification, BirthRegistration",
        ),
        (["--message-type", "X"], "--message-type needs --interface"),
        (
            ["--interface", "civreg-birth", "--xsd", str(DATA / "schemas/vehicle.xsd")],
            "do not combine",
        ),
        (
            ["--store", "{home}/store", "--json-schema", str(DATA / "schemas/tax.json")],
            "do not combine",
        ),
        (["--store", "{home}/elsewhere"], "no registry store at"),
    ],
)
def test_cli_registry_usage_errors_exit_2(
    pinned: PinnedRegistry, args: list[str], says: str
) -> None:
    pinned.close()
    args = [a.replace("{home}", str(pinned.home)) for a in args]
    result = run_cli(pinned, "validate", MESSAGES / "birth-2.xml", *args)
    assert result.exit_code == 2, result.output
    assert says in result.stderr
    assert result.stdout == ""
    assert not (pinned.home / "elsewhere").exists()


@pytest.mark.slow
def test_cli_tampered_blob_is_verdict_error(pinned: PinnedRegistry) -> None:
    pinned.blob("schemas/birth.xsd").write_bytes(
        b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>'
    )
    pinned.close()
    args = [
        "--interface",
        "civreg-birth",
        "--message-type",
        "BirthNotification",
        "--format",
        "json",
    ]
    result = run_cli(pinned, "validate", MESSAGES / "birth-2.xml", *args)
    assert result.exit_code == 1, result.output
    report = report_of(result)
    assert report["verdict"] == "error"
    assert report["context"]["message_type"] == "BirthNotification"
    step = report["steps"][-1]
    assert (step["name"], step["status"]) == ("profile", "error")
    assert "changed or corrupted" in step["error"]


@pytest.mark.slow
def test_cli_missing_blob_is_verdict_error(pinned: PinnedRegistry) -> None:
    pinned.remove("schemas/assessment.json")
    pinned.close()
    messages = [MESSAGES / "tax-assessment.json", MESSAGES / "tax-return.json"]
    result = run_cli(pinned, "validate", *messages, "--format", "json")
    assert result.exit_code == 1, result.output
    assessment, tax_return = report_of(result)
    assert assessment["verdict"] == "error"
    assert "missing" in assessment["steps"][-1]["error"]
    assert tax_return["verdict"] == "valid"
