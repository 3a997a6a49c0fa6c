"""`compare_files`/`compare_xsd` as callers see them: one change list per message from both
walks (each change once, named OLD -> NEW), located by file, line and XPath, in the JSON
shape the CLI and the registry publish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from lxml import etree

from nif.compat import Change, MessageComparison, Where, compare_files
from nif.compat._xsd_changes import Location, XsdChange

REPO = Path(__file__).resolve().parents[2]
BUSREG = REPO / "registry" / "interfaces" / "busreg-company" / "schemas"
XS = {"xs": "http://www.w3.org/2001/XMLSchema"}


def _busreg() -> tuple[MessageComparison, ...]:
    return compare_files(
        BUSREG / "1.0.0" / "company.xsd", BUSREG / "2.0.0" / "company.xsd"
    ).messages


def _mirror(kind: str) -> str:
    pairs = {"added": "removed", "removed": "added"}
    head, _, tail = kind.rpartition("-")
    return f"{head}-{pairs[tail]}" if tail in pairs else kind


def test_busreg_changes_are_listed_once_from_old_to_new() -> None:
    """The forward walk's changes merge with their backward twins: no change twice, and no
    child both added and removed (the forward walk's own naming, inverted)."""
    messages = _busreg()
    assert messages
    for message in messages:
        seen = [(c.kind, c.message_path, c.old, c.new) for c in message.changes]
        assert len(seen) == len(set(seen)), message.changes
        for change in message.changes:
            twins = [
                c
                for c in message.changes
                if c.kind == _mirror(change.kind) != change.kind
                and c.message_path == change.message_path
            ]
            assert not twins, (change, twins)
    extract = next(m for m in messages if m.root.endswith("}CompanyExtract"))
    added = [c for c in extract.changes if c.message_path == "/CompanyExtract/IncorporatedOn"]
    assert [(c.kind, c.detail) for c in added] == [
        ("element-added", "required child IncorporatedOn added")
    ]
    assert added[0].old is None and added[0].new is not None
    assert added[0].new.file is not None and "/2.0.0/" in added[0].new.file


def test_busreg_breaks_follow_the_verdicts() -> None:
    """No change breaks a direction whose verdict is `compatible`, and each direction that is
    not is broken by at least one listed change."""
    for message in _busreg():
        for direction in ("backward", "forward"):
            breaking = [c for c in message.changes if c.breaks in (direction, "both")]
            if message.answer(direction).verdict == "compatible":
                assert not breaking, (direction, breaking)
            else:
                assert breaking, (direction, message.to_json())


def test_busreg_locations_are_real_declarations() -> None:
    """Every location names a document of its version, and its XPath selects exactly one
    element of that document, on the line given."""
    located = 0
    for message in _busreg():
        for change in message.changes:
            for where, version in ((change.old, "1.0.0"), (change.new, "2.0.0")):
                if where is None:
                    continue
                _check(where, version)
                located += 1
    assert located


def _check(where: Where, version: str) -> None:
    assert where.file is not None and f"/{version}/" in where.file, where
    assert where.path.startswith("/xs:schema/"), where
    document = etree.parse(urlparse(where.file).path)
    selected = document.xpath(where.path, namespaces=XS)
    assert isinstance(selected, list) and len(selected) == 1, where
    assert where.line is not None and getattr(selected[0], "sourceline", None) == where.line


def test_change_json_shape() -> None:
    message = _busreg()[0]
    assert message.changes
    for change in message.changes:
        data = json.loads(json.dumps(change.to_json()))
        assert set(data) == {
            "kind",
            "detail",
            "breaks",
            "old",
            "new",
            "open_content",
            "message_path",
        }
        assert data["breaks"] in ("backward", "forward", "both", "none")
        assert data["message_path"].startswith("/")
        for side in ("old", "new"):
            assert data[side] is None or set(data[side]) == {"file", "line", "path"}


def test_change_json_defaults() -> None:
    change = Change("element-added", "optional child a added", "forward", None, Where("/x"))
    assert change.to_json()["message_path"] is None
    assert change.to_json()["new"] == {"file": None, "line": None, "path": "/x"}


def test_inverted_names_the_change_from_the_other_side() -> None:
    old_at, new_at = Location("old.xsd", None, "/a"), Location("new.xsd", None, "/b")
    cases = [
        ("element-removed", "child a removed", "element-added", "child a added"),
        ("optional->required", "a occurs [0, 1] on OLD, [1, 1] on NEW", "required->optional",
         "a occurs [0, 1] on NEW, [1, 1] on OLD"),
        ("attribute-required", "@id", "attribute-optional", "@id"),
        ("type-widened", "maxLength 20 -> 35", "type-narrowed", "maxLength 35 -> 20"),
        ("nillable", "nillable True -> False", "nillable", "nillable False -> True"),
        ("type-changed", "simple type to complex content", "type-changed",
         "complex content to simple type"),
        ("wildcard", "element wildcard ##other (lax) -> ##any (strict)", "wildcard",
         "element wildcard ##any (strict) -> ##other (lax)"),
    ]  # fmt: skip
    for kind, detail, inverse, inverse_detail in cases:
        change = XsdChange(["a"], kind, detail, old_at, new_at)
        inverted = change.inverted()
        assert (inverted.kind, inverted.detail) == (inverse, inverse_detail)
        assert (inverted.old_location, inverted.new_location) == (new_at, old_at)
        assert inverted.inverted_from_forward and not change.inverted_from_forward
        twice = inverted.inverted()
        assert (twice.kind, twice.detail, twice.old_location) == (kind, detail, old_at)
        assert not twice.inverted_from_forward


UBL = REPO.parent / "shared" / "external" / "ubl-2.1" / "xsd"
CAC = "common/UBL-CommonAggregateComponents-2.1.xsd"
INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
OPTIONAL_CITY = '<xsd:element ref="cbc:CityName" minOccurs="0" maxOccurs="1">'


@pytest.mark.slow
def test_ubl_change_located_in_the_imported_aggregates(tmp_path: Path) -> None:
    """UBL Invoice with cac:AddressType's CityName made required in a copy: the change is
    listed once, in the aggregate components document of each copy, on CityName's line."""
    old, new = shutil.copytree(UBL, tmp_path / "old"), shutil.copytree(UBL, tmp_path / "new")
    text = (new / CAC).read_text("utf-8")
    at = text.index(OPTIONAL_CITY, text.index('<xsd:complexType name="AddressType">'))
    edited = text[:at] + OPTIONAL_CITY.replace('minOccurs="0"', 'minOccurs="1"')
    (new / CAC).write_text(edited + text[at + len(OPTIONAL_CITY) :], "utf-8")
    line = text.count("\n", 0, at) + 1
    invoice = "maindoc/UBL-Invoice-2.1.xsd"
    (message,) = compare_files(old / invoice, new / invoice, roots=[INVOICE]).messages
    assert (message.backward.verdict, message.forward.verdict) == ("incompatible", "compatible")
    (change,) = [c for c in message.changes if c.breaks != "none"]
    assert (change.kind, change.breaks) == ("optional->required", "backward")
    assert change.detail == "CityName made required (minOccurs 0 -> 1)"
    assert change.message_path is not None and change.message_path.endswith("/CityName")
    xpath = (
        "/xsd:schema/xsd:complexType[@name='AddressType']/xsd:sequence"
        "/xsd:element[@ref='cbc:CityName']"
    ).replace("xsd:", "xs:")
    for where, root in ((change.old, old), (change.new, new)):
        assert where is not None and where.file == (root / CAC).resolve().as_uri()
        assert (where.path, where.line) == (xpath, line)


def test_a_json_change_breaks_no_direction_proven_compatible(tmp_path: Path) -> None:
    """`const` replaced by an `enum` holding it widens: judged alone, the added `enum` looks
    like a narrowing, but backward is proven, so no change may claim to break it."""
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text('{"type": "object", "properties": {"s": {"const": "a"}}}')
    new.write_text('{"type": "object", "properties": {"s": {"enum": ["a", "b"]}}}')
    message = compare_files(old, new).messages[0]
    assert (message.backward.verdict, message.forward.verdict) == ("compatible", "incompatible")
    breaks = {change.kind: change.breaks for change in message.changes}
    assert breaks == {"enum-changed": "none", "const-changed": "forward"}
