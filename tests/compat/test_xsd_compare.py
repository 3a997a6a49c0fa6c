"""One direction of XSD compatibility, judged by the real engines for every counterexample."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nif.compat._instances import check
from nif.compat._xsd_changes import XsdChange
from nif.compat._xsd_compare import DirectionResult, compare_element

EXTERNAL = Path(__file__).parents[2].parent / "shared" / "external"
UBL_INVOICE = EXTERNAL / "ubl-2.1" / "xsd" / "maindoc" / "UBL-Invoice-2.1.xsd"
INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
ROOT = "{urn:t}r"

BASE = """
<xs:element name="r" type="t:R"/>
<xs:complexType name="R"><xs:sequence>
  <xs:element name="a" type="xs:string"/>
  <xs:element name="item" type="t:Item" maxOccurs="{max}"/>
  {extra}
</xs:sequence>{attrs}</xs:complexType>
<xs:complexType name="Item"><xs:sequence>
  <xs:element name="code" type="t:Code"/>
  <xs:element name="qty" type="{qty}"/>
</xs:sequence></xs:complexType>
<xs:simpleType name="Code"><xs:restriction base="xs:string">{codes}</xs:restriction></xs:simpleType>
"""
CODES = '<xs:enumeration value="A"/><xs:enumeration value="B"/>'


def _xsd(tmp_path: Path, name: str, **changes: str) -> Path:
    fields = {"max": "3", "extra": "", "attrs": "", "qty": "xs:decimal", "codes": CODES}
    fields.update(changes)
    body = BASE.format(**fields)
    path = tmp_path / f"{name}.xsd"
    path.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" '
        f'targetNamespace="urn:t" elementFormDefault="qualified">{body}</xs:schema>'
    )
    return path


def _both(tmp_path: Path, **changes: str) -> tuple[Path, Path]:
    return _xsd(tmp_path, "old"), _xsd(tmp_path, "new", **changes)


def _verified(result: DirectionResult, old: Path, new: Path) -> None:
    """An incompatible verdict carries a message OLD accepts and NEW refuses."""
    assert result.verdict == "incompatible", result
    assert result.counterexample is not None
    assert check(result.counterexample, old), result.counterexample
    assert not check(result.counterexample, new), result.counterexample


def test_identical_schemas_are_compatible(tmp_path: Path) -> None:
    old, new = _both(tmp_path)
    assert compare_element(old, new, ROOT).verdict == "compatible"


def test_optional_element_added_breaks_only_forward(tmp_path: Path) -> None:
    old, new = _both(tmp_path, extra='<xs:element name="note" type="xs:string" minOccurs="0"/>')
    assert compare_element(old, new, ROOT).verdict == "compatible"
    forward = compare_element(new, old, ROOT)
    _verified(forward, new, old)
    assert b"note" in (forward.counterexample or b"")


def test_required_element_added_breaks_backward(tmp_path: Path) -> None:
    old, new = _both(tmp_path, extra='<xs:element name="note" type="xs:string"/>')
    _verified(compare_element(old, new, ROOT), old, new)
    _verified(compare_element(new, old, ROOT), new, old)


def test_max_occurs_narrowed(tmp_path: Path) -> None:
    old, new = _both(tmp_path, max="1")
    backward = compare_element(old, new, ROOT)
    _verified(backward, old, new)
    assert (backward.counterexample or b"").count(b"item>") >= 4  # two items, open and close
    assert compare_element(new, old, ROOT).verdict == "compatible"


def test_enumeration_narrowed_in_nested_named_type(tmp_path: Path) -> None:
    old, new = _both(tmp_path, codes='<xs:enumeration value="A"/>')
    backward = compare_element(old, new, ROOT)
    _verified(backward, old, new)
    assert backward.path == ["{urn:t}item", "{urn:t}code"]
    assert compare_element(new, old, ROOT).verdict == "compatible"


def test_type_changed_in_nested_named_type(tmp_path: Path) -> None:
    old, new = _both(tmp_path, qty="xs:integer")
    _verified(compare_element(old, new, ROOT), old, new)
    assert compare_element(new, old, ROOT).verdict == "compatible"


def test_attribute_made_required(tmp_path: Path) -> None:
    old = _xsd(tmp_path, "old", attrs='<xs:attribute name="id" type="xs:string"/>')
    new = _xsd(tmp_path, "new", attrs='<xs:attribute name="id" type="xs:string" use="required"/>')
    backward = compare_element(old, new, ROOT)
    _verified(backward, old, new)
    assert compare_element(new, old, ROOT).verdict == "compatible"


def test_attribute_removed_breaks_backward(tmp_path: Path) -> None:
    old = _xsd(tmp_path, "old", attrs='<xs:attribute name="id" type="xs:int"/>')
    new = _xsd(tmp_path, "new")
    backward = compare_element(old, new, ROOT)
    _verified(backward, old, new)
    assert b"id=" in (backward.counterexample or b"")
    assert compare_element(new, old, ROOT).verdict == "compatible"


def test_attribute_type_narrowed(tmp_path: Path) -> None:
    old = _xsd(tmp_path, "old", attrs='<xs:attribute name="n" type="xs:decimal"/>')
    new = _xsd(tmp_path, "new", attrs='<xs:attribute name="n" type="xs:integer"/>')
    _verified(compare_element(old, new, ROOT), old, new)
    assert compare_element(new, old, ROOT).verdict == "compatible"


def test_identical_wildcards_compatible_tightened_unknown(tmp_path: Path) -> None:
    skip = '<xs:any namespace="##other" processContents="skip" minOccurs="0"/>'
    old, new = _xsd(tmp_path, "old", extra=skip), _xsd(tmp_path, "new", extra=skip)
    assert compare_element(old, new, ROOT).verdict == "compatible"
    lax = skip.replace("skip", "lax")
    old, new = _xsd(tmp_path, "old", extra=lax), _xsd(tmp_path, "new", extra=lax)
    # identical lax wildcards, and no global declaration in another namespace on either side
    assert compare_element(old, new, ROOT).verdict == "compatible"
    old = _xsd(tmp_path, "old", extra=skip)
    result = compare_element(old, new, ROOT)
    assert result.verdict == "unknown" and result.reason and "wildcard" in result.reason


def test_missing_root_in_new(tmp_path: Path) -> None:
    old = _xsd(tmp_path, "old")
    new = tmp_path / "new.xsd"
    new.write_text(old.read_text().replace('name="r"', 'name="other"'))
    _verified(compare_element(old, new, ROOT), old, new)
    assert compare_element(new, old, ROOT).verdict == "compatible"


@pytest.mark.slow
def test_ubl_invoice_against_itself() -> None:
    if not UBL_INVOICE.exists():
        pytest.skip("UBL 2.1 not available")
    result = compare_element(UBL_INVOICE, UBL_INVOICE, INVOICE)
    assert result.verdict == "compatible", result.reason
    assert result.changes == []


def test_nested_required_attribute_and_recursion(tmp_path: Path) -> None:
    """A recursive type is compared once (coinduction); the change below it is still found."""
    body = """
<xs:element name="r" type="t:Node"/>
<xs:complexType name="Node"><xs:sequence>
  <xs:element name="node" type="t:Node" minOccurs="0"/>
  <xs:element name="leaf" type="t:Leaf" minOccurs="0"/>
</xs:sequence></xs:complexType>
<xs:complexType name="Leaf"><xs:attribute name="v" type="xs:string" use="{use}"/></xs:complexType>
"""
    paths = []
    for name, use in (("old", "optional"), ("new", "required")):
        path = tmp_path / f"{name}.xsd"
        path.write_text(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" '
            'targetNamespace="urn:t" elementFormDefault="qualified">'
            + body.format(use=use)
            + "</xs:schema>"
        )
        paths.append(path)
    old, new = paths
    backward = compare_element(old, new, ROOT)
    _verified(backward, old, new)
    assert backward.path[-1] == "{urn:t}leaf"
    assert compare_element(new, old, ROOT).verdict == "compatible"


def test_mixed_dropped_is_unknown(tmp_path: Path) -> None:
    """Dropping `mixed` cannot be witnessed by the generator yet: it must say unknown."""
    old = _xsd(tmp_path, "old").read_text().replace('name="Item">', 'name="Item" mixed="true">')
    (tmp_path / "old.xsd").write_text(old)
    new = _xsd(tmp_path, "new")
    result = compare_element(tmp_path / "old.xsd", new, ROOT)
    assert result.verdict == "unknown" and "mixed" in (result.reason or "")
    assert compare_element(new, tmp_path / "old.xsd", ROOT).verdict == "compatible"


def _two_namespaces(tmp_path: Path, name: str, other: str, contents: str) -> Path:
    """A root whose content is a wildcard over urn:o, where `other` declares the globals."""
    (tmp_path / f"{name}-o.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:o" '
        f'elementFormDefault="qualified">{other}</xs:schema>'
    )
    path = tmp_path / f"{name}.xsd"
    path.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t" '
        'elementFormDefault="qualified">'
        f'<xs:import namespace="urn:o" schemaLocation="{name}-o.xsd"/>'
        '<xs:element name="r"><xs:complexType><xs:sequence>'
        f'<xs:any namespace="urn:o" processContents="{contents}"/>'
        "</xs:sequence></xs:complexType></xs:element></xs:schema>"
    )
    return path


def test_strict_wildcard_compares_global_declarations(tmp_path: Path) -> None:
    old = _two_namespaces(tmp_path, "old", '<xs:element name="x" type="xs:decimal"/>', "strict")
    new = _two_namespaces(tmp_path, "new", '<xs:element name="x" type="xs:integer"/>', "strict")
    backward = compare_element(old, new, ROOT)
    _verified(backward, old, new)
    assert backward.path == ["{urn:o}x"]
    assert compare_element(new, old, ROOT).verdict == "compatible"


def test_lax_wildcard_meeting_a_new_declaration_breaks_open_content(tmp_path: Path) -> None:
    """OLD's lax wildcard let an undeclared y through unchecked; NEW declares y as xs:int."""
    old = _two_namespaces(tmp_path, "old", '<xs:element name="x" type="xs:string"/>', "lax")
    new = _two_namespaces(
        tmp_path,
        "new",
        '<xs:element name="x" type="xs:string"/><xs:element name="y" type="xs:int"/>',
        "lax",
    )
    result = compare_element(old, new, ROOT)
    _verified(result, old, new)
    assert result.open_content and b"y" in (result.counterexample or b"")
    forward = compare_element(new, old, ROOT)
    assert forward.verdict == "compatible" and not forward.open_content


def test_derived_type_removed_is_not_compatible(tmp_path: Path) -> None:
    """OLD instances may use xsi:type with a derived type NEW no longer has: never compatible."""
    derived = (
        '<xs:complexType name="Item2"><xs:complexContent><xs:extension base="t:Item">'
        '<xs:sequence><xs:element name="more" type="xs:string"/></xs:sequence>'
        "</xs:extension></xs:complexContent></xs:complexType>"
    )
    old = _xsd(tmp_path, "old")
    old.write_text(old.read_text().replace("</xs:schema>", derived + "</xs:schema>"))
    new = _xsd(tmp_path, "new")
    result = compare_element(old, new, ROOT)
    _verified(result, old, new)
    assert "xsi:type=Item2" in (result.reason or "")
    assert b'xsi:type="t:Item2"' in (result.counterexample or b"")
    assert compare_element(new, old, ROOT).verdict == "compatible"


@pytest.mark.slow
def test_ubl_common_component_element_made_required(tmp_path: Path) -> None:
    """cac:AddressType's StreetName made required, in a copy of the common components."""
    if not UBL_INVOICE.exists():
        pytest.skip("UBL 2.1 not available")
    copy = tmp_path / "xsd"
    shutil.copytree(UBL_INVOICE.parents[1], copy)
    cac = copy / "common" / "UBL-CommonAggregateComponents-2.1.xsd"
    text = cac.read_text()
    start = text.index('<xsd:complexType name="AddressType">')
    optional = '<xsd:element ref="cbc:StreetName" minOccurs="0"'
    at = text.index(optional, start)
    cac.write_text(text[:at] + optional.replace('"0"', '"1"') + text[at + len(optional) :])
    edited = copy / "maindoc" / UBL_INVOICE.name
    backward = compare_element(UBL_INVOICE, edited, INVOICE)
    _verified(backward, UBL_INVOICE, edited)
    assert backward.path[-1].endswith("Address")
    assert compare_element(edited, UBL_INVOICE, INVOICE).verdict == "compatible"


def test_lax_wildcard_sees_globals_of_every_namespace(tmp_path: Path) -> None:
    """libxml2 validates declared descendants of an undeclared lax child, in any namespace:
    a global added outside the wildcard's namespaces can still break OLD messages."""
    old = _two_namespaces(tmp_path, "old", "", "lax")
    new = _two_namespaces(tmp_path, "new", "", "lax")
    new.write_text(
        new.read_text().replace("</xs:schema>", '<xs:element name="n" type="xs:int"/></xs:schema>')
    )
    message = b'<r xmlns="urn:t"><o:b xmlns:o="urn:o"><n>abc</n></o:b></r>'
    assert check(message, old) and not check(message, new)  # the engines agree it breaks
    result = compare_element(old, new, ROOT)
    assert result.verdict == "unknown" and "open content" in (result.reason or "")
    assert result.open_content


def test_identity_constraint_added_is_unknown(tmp_path: Path) -> None:
    old = _xsd(tmp_path, "old")
    new = _xsd(tmp_path, "new")
    unique = (
        '<xs:unique name="u"><xs:selector xpath="t:item"/><xs:field xpath="t:code"/></xs:unique>'
    )
    new.write_text(new.read_text().replace('type="t:R"/>', f'type="t:R">{unique}</xs:element>'))
    result = compare_element(old, new, ROOT)
    assert result.verdict == "unknown" and "identity" in (result.reason or "")
    assert compare_element(new, old, ROOT).verdict == "compatible"


def test_type_made_abstract_breaks_backward(tmp_path: Path) -> None:
    old = _xsd(tmp_path, "old")
    new = _xsd(tmp_path, "new")
    new.write_text(new.read_text().replace('name="Item">', 'name="Item" abstract="true">'))
    backward = compare_element(old, new, ROOT)
    _verified(backward, old, new)
    assert backward.path == ["{urn:t}item"]


def test_derivation_blocked_in_new(tmp_path: Path) -> None:
    """A block matters only to OLD messages naming a derived type by xsi:type."""
    old = _xsd(tmp_path, "old")
    new = _xsd(tmp_path, "new")
    new.write_text(new.read_text().replace('name="Item">', 'name="Item" block="#all">'))
    assert compare_element(old, new, ROOT).verdict == "compatible"  # no derived type in OLD
    derived = (
        '<xs:complexType name="Item2"><xs:complexContent><xs:extension base="t:Item">'
        '<xs:sequence><xs:element name="more" type="xs:string"/></xs:sequence>'
        "</xs:extension></xs:complexContent></xs:complexType></xs:schema>"
    )
    for path in (old, new):
        path.write_text(path.read_text().replace("</xs:schema>", derived))
    result = compare_element(old, new, ROOT)
    _verified(result, old, new)
    assert b'xsi:type="t:Item2"' in (result.counterexample or b"")
    assert compare_element(new, old, ROOT).verdict == "compatible"


# -- the change list ------------------------------------------------------------------------


def _kinds(result: DirectionResult) -> list[tuple[str, list[str]]]:
    return [(change.kind, change.path) for change in result.changes]


def _only(result: DirectionResult, kind: str) -> XsdChange:
    found = [change for change in result.changes if change.kind == kind]
    assert len(found) == 1, result.changes
    return found[0]


def test_identical_schemas_record_no_change(tmp_path: Path) -> None:
    old, new = _both(tmp_path)
    assert compare_element(old, new, ROOT).changes == []


def test_compatible_addition_is_still_a_change(tmp_path: Path) -> None:
    old, new = _both(tmp_path, extra='<xs:element name="note" type="xs:string" minOccurs="0"/>')
    backward = compare_element(old, new, ROOT)
    assert backward.verdict == "compatible"
    assert _kinds(backward) == [("element-added", ["{urn:t}note"])]
    added = _only(backward, "element-added")
    assert added.old_location is None and added.new_location is not None
    assert added.new_location.url is not None and added.new_location.url.endswith("new.xsd")
    assert added.new_location.description == "/element[@name='note']"
    forward = compare_element(new, old, ROOT)
    assert _kinds(forward) == [("element-removed", ["{urn:t}note"])]


def test_optional_made_required_and_occurs(tmp_path: Path) -> None:
    old = _xsd(tmp_path, "old", extra='<xs:element name="note" type="xs:string" minOccurs="0"/>')
    new = _xsd(tmp_path, "new", max="2", extra='<xs:element name="note" type="xs:string"/>')
    backward = compare_element(old, new, ROOT)
    _verified(backward, old, new)
    assert ("optional->required", ["{urn:t}note"]) in _kinds(backward)
    assert ("occurs", ["{urn:t}item"]) in _kinds(backward)
    assert "[1, 3] on OLD, [1, 2] on NEW" in _only(backward, "occurs").detail


def test_enumeration_change_located_in_both_schemas(tmp_path: Path) -> None:
    old, new = _both(tmp_path, codes='<xs:enumeration value="A"/>')
    change = _only(compare_element(old, new, ROOT), "enumeration")
    assert change.path == ["{urn:t}item", "{urn:t}code"]
    assert "'B' removed" in change.detail
    assert change.old_location is not None and change.new_location is not None
    assert change.old_location.url != change.new_location.url
    assert change.new_location.description == "/item/code/simpleType[@name='Code']"
    # Widening is recorded too, though NEW (here OLD) accepts everything.
    forward = compare_element(new, old, ROOT)
    assert forward.verdict == "compatible"
    assert "'B' added" in _only(forward, "enumeration").detail


def test_attribute_changes(tmp_path: Path) -> None:
    old = _xsd(tmp_path, "old", attrs='<xs:attribute name="id" type="xs:string"/>')
    new = _xsd(tmp_path, "new", attrs='<xs:attribute name="id" type="xs:string" use="required"/>')
    assert _kinds(compare_element(old, new, ROOT)) == [("attribute-required", [])]
    gone = _xsd(tmp_path, "gone")
    assert _kinds(compare_element(old, gone, ROOT)) == [("attribute-removed", [])]
    assert _kinds(compare_element(gone, old, ROOT)) == [("attribute-added", [])]


def test_type_narrowed_and_nillable_are_recorded(tmp_path: Path) -> None:
    old = _xsd(tmp_path, "old")
    new = _xsd(tmp_path, "new", qty="xs:integer")
    new.write_text(new.read_text().replace('name="a" type', 'name="a" nillable="true" type'))
    forward = compare_element(new, old, ROOT)  # nillable on OLD only: unknown, goes on walking
    kinds = _kinds(forward)
    assert ("nillable", ["{urn:t}a"]) in kinds
    assert ("type-widened", ["{urn:t}item", "{urn:t}qty"]) in kinds
    backward = compare_element(old, new, ROOT)
    _verified(backward, old, new)
    assert ("type-narrowed", ["{urn:t}item", "{urn:t}qty"]) in _kinds(backward)


def test_fixed_value_changed_witness_carries_the_old_value(tmp_path: Path) -> None:
    """busreg-company's case: @version fixed '1.0' -> '2.0' breaks both ways, and each
    counterexample is a message of the side that must accept it."""
    fixed = '<xs:attribute name="version" type="xs:string" use="required" fixed="{v}"/>'
    old = _xsd(tmp_path, "old", attrs=fixed.format(v="1.0"))
    new = _xsd(tmp_path, "new", attrs=fixed.format(v="2.0"))
    backward = compare_element(old, new, ROOT)
    _verified(backward, old, new)
    assert b'version="1.0"' in (backward.counterexample or b"")
    forward = compare_element(new, old, ROOT)
    _verified(forward, new, old)
    assert b'version="2.0"' in (forward.counterexample or b"")
    assert [c.kind for c in backward.changes] == ["fixed"]


def test_renamed_root_breaks_every_message(tmp_path: Path) -> None:
    old = _xsd(tmp_path, "old")
    new = tmp_path / "new.xsd"
    new.write_text(old.read_text().replace('name="r"', 'name="message"'))
    result = compare_element(old, new, ROOT, "{urn:t}message")
    _verified(result, old, new)
    assert result.counterexample is not None and b"<t:r" in result.counterexample
    assert [c.kind for c in result.changes] == ["element-renamed"]
    assert compare_element(old, old, ROOT, ROOT).verdict == "compatible"


def test_walk_goes_on_past_the_first_counterexample(tmp_path: Path) -> None:
    """Two breaks: the answer is the first, the change list has both."""
    old, new = _both(tmp_path, max="1", codes='<xs:enumeration value="A"/>')
    result = compare_element(old, new, ROOT)
    _verified(result, old, new)
    kinds = {change.kind for change in result.changes}
    assert {"occurs", "enumeration"} <= kinds, result.changes
