"""The XSD change list, kind by kind: each small OLD/NEW pair must give one change of the
expected kind, breaking the expected directions, located in both schemas by file, line and
the XPath of its declaration (the line checked against the text, the XPath against lxml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from nif.compat import Change, MessageComparison, Where, compare_xsd

XS = {"xs": "http://www.w3.org/2001/XMLSchema"}
SCHEMA = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t"
    targetNamespace="urn:t" elementFormDefault="qualified">
  <xs:element name="r" type="t:R"/>
{body}
</xs:schema>
"""
R = "/xs:schema/xs:complexType[@name='R']"
SEQ = f"{R}/xs:sequence"


def _r(children: str, attributes: str = "", mixed: str = "") -> str:
    return f"""  <xs:complexType name="R"{mixed}>
    <xs:sequence>
      <xs:element name="a" type="xs:string"/>
{children}
    </xs:sequence>
{attributes}
  </xs:complexType>"""


def _simple(facets: str) -> str:
    return _r('      <xs:element name="code" type="t:Code"/>') + (
        f"""
  <xs:simpleType name="Code">
    <xs:restriction base="xs:string">
{facets}
    </xs:restriction>
  </xs:simpleType>"""
    )


@dataclass
class Case:
    """OLD and NEW bodies; the expected kind and breaks; the text marking the declaration's
    line in OLD and NEW (None: absent on that side) and its XPath."""

    old: str
    new: str
    kind: str
    breaks: str
    old_mark: str | None
    new_mark: str | None
    xpath: str
    detail: str = ""
    new_xpath: str | None = None
    """When the declaration's XPath in NEW differs from OLD's."""
    open_content: bool = False


NOTE = '      <xs:element name="note" type="xs:string"{occurs}/>'
OPTIONAL_NOTE = NOTE.format(occurs=' minOccurs="0"')
REQUIRED_NOTE = NOTE.format(occurs="")
NOTE_AT = f"{SEQ}/xs:element[@name='note']"
A_AT = f"{SEQ}/xs:element[@name='a']"
CODE_AT = "/xs:schema/xs:simpleType[@name='Code']"
ANY = '      <xs:any namespace="##other" processContents="{pc}" minOccurs="0"/>'
ENUM = '      <xs:enumeration value="{}"/>'


HEAD = """
  <xs:element name="h" type="xs:string"/>
  <xs:element name="m" type="xs:string" substitutionGroup="t:h"/>
  <xs:element name="m2" type="xs:string"{group}/>"""
WITH_M2 = _r('      <xs:element ref="t:h"/>') + HEAD.format(group=' substitutionGroup="t:h"')
WITHOUT_M2 = _r('      <xs:element ref="t:h"/>') + HEAD.format(group="")
ANY_ATTRIBUTE = '    <xs:anyAttribute namespace="##other" processContents="{pc}"/>'
MAX_LENGTH_ID = """    <xs:attribute name="id">
      <xs:simpleType>
        <xs:restriction base="xs:string"><xs:maxLength value="{n}"/></xs:restriction>
      </xs:simpleType>
    </xs:attribute>"""
COMPLEX_NOTE = """      <xs:element name="note">
        <xs:complexType><xs:sequence>
          <xs:element name="x" type="xs:string"/>
        </xs:sequence></xs:complexType>
      </xs:element>"""


TWO_SEQUENCES = """  <xs:complexType name="R">
    <xs:choice>
      <xs:sequence>
        <xs:element name="x" type="xs:string"/>
      </xs:sequence>
      <xs:sequence>
        <xs:element name="y" type="xs:string"/>
        <xs:element name="z" type="xs:string" maxOccurs="{max}"/>
      </xs:sequence>
    </xs:choice>
  </xs:complexType>"""


def _attribute(use: str = "", extra: str = "") -> str:
    return f'    <xs:attribute name="id" type="xs:string"{use}{extra}/>'


ID_AT = f"{R}/xs:attribute[@name='id']"

CASES = {
    "optional element added": Case(
        _r(""),
        _r(OPTIONAL_NOTE),
        "element-added",
        "forward",
        None,
        'name="note"',
        NOTE_AT,
        "optional child note added",
    ),
    "required element added": Case(
        _r(""),
        _r(REQUIRED_NOTE),
        "element-added",
        "both",
        None,
        'name="note"',
        NOTE_AT,
        "required child note added",
    ),
    "optional element removed": Case(
        _r(OPTIONAL_NOTE),
        _r(""),
        "element-removed",
        "backward",
        'name="note"',
        None,
        NOTE_AT,
        "optional child note removed",
    ),
    "required element removed": Case(
        _r(REQUIRED_NOTE),
        _r(""),
        "element-removed",
        "both",
        'name="note"',
        None,
        NOTE_AT,
    ),
    "optional made required": Case(
        _r(OPTIONAL_NOTE),
        _r(REQUIRED_NOTE),
        "optional->required",
        "backward",
        'name="note"',
        'name="note"',
        NOTE_AT,
        "note made required (minOccurs 0 -> 1)",
    ),
    "required made optional": Case(
        _r(REQUIRED_NOTE),
        _r(OPTIONAL_NOTE),
        "required->optional",
        "forward",
        'name="note"',
        'name="note"',
        NOTE_AT,
        "note made optional (minOccurs 1 -> 0)",
    ),
    "maxOccurs lowered": Case(
        _r(NOTE.format(occurs=' maxOccurs="3"')),
        _r(NOTE.format(occurs=' maxOccurs="2"')),
        "occurs",
        "backward",
        'name="note"',
        'name="note"',
        NOTE_AT,
        "note: maxOccurs 3 -> 2",
    ),
    "maxOccurs unbounded": Case(
        _r(NOTE.format(occurs=' maxOccurs="3"')),
        _r(NOTE.format(occurs=' maxOccurs="unbounded"')),
        "occurs",
        "forward",
        'name="note"',
        'name="note"',
        NOTE_AT,
        "note: maxOccurs 3 -> unbounded",
    ),
    "built-in type narrowed": Case(
        _r(NOTE.format(occurs="")),
        _r(NOTE.format(occurs="").replace("xs:string", "xs:int")),
        "type-narrowed",
        "backward",
        'name="note"',
        'name="note"',
        NOTE_AT,
        "type xs:string -> xs:int; whiteSpace preserve -> collapse",
    ),
    "built-in type widened": Case(
        _r(NOTE.format(occurs="").replace("xs:string", "xs:int")),
        _r(NOTE.format(occurs="").replace("xs:string", "xs:decimal")),
        "type-widened",
        "forward",
        'name="note"',
        'name="note"',
        NOTE_AT,
        "type xs:int -> xs:decimal",
    ),
    "maxLength narrowed": Case(
        _simple('      <xs:maxLength value="35"/>'),
        _simple('      <xs:maxLength value="20"/>'),
        "facet-narrowed",
        "backward",
        'name="Code"',
        'name="Code"',
        CODE_AT,
        "maxLength 35 -> 20",
    ),
    "enumeration narrowed": Case(
        _simple(ENUM.format("A") + "\n" + ENUM.format("B")),
        _simple(ENUM.format("A")),
        "enumeration-narrowed",
        "backward",
        'name="Code"',
        'name="Code"',
        CODE_AT,
        "enumeration value 'B' removed",
    ),
    "enumeration widened": Case(
        _simple(ENUM.format("A")),
        _simple(ENUM.format("A") + "\n" + ENUM.format("B")),
        "enumeration-widened",
        "forward",
        'name="Code"',
        'name="Code"',
        CODE_AT,
        "enumeration value 'B' added",
    ),
    "pattern changed": Case(
        _simple('      <xs:pattern value="[0-9]{8}"/>'),
        _simple('      <xs:pattern value="[0-9]{9}"/>'),
        "pattern-changed",
        "both",
        'name="Code"',
        'name="Code"',
        CODE_AT,
    ),
    "optional attribute added": Case(
        _r(""),
        _r("", _attribute()),
        "attribute-added",
        "forward",
        None,
        'name="id"',
        ID_AT,
        "optional attribute @id added",
    ),
    "required attribute added": Case(
        _r(""),
        _r("", _attribute(' use="required"')),
        "attribute-added",
        "both",
        None,
        'name="id"',
        ID_AT,
        "required attribute @id added",
    ),
    "optional attribute removed": Case(
        _r("", _attribute()),
        _r(""),
        "attribute-removed",
        "backward",
        'name="id"',
        None,
        ID_AT,
        "optional attribute @id removed",
    ),
    "attribute made required": Case(
        _r("", _attribute()),
        _r("", _attribute(' use="required"')),
        "attribute-required",
        "backward",
        'name="id"',
        'name="id"',
        ID_AT,
        "attribute @id made required",
    ),
    "attribute made optional": Case(
        _r("", _attribute(' use="required"')),
        _r("", _attribute()),
        "attribute-optional",
        "forward",
        'name="id"',
        'name="id"',
        ID_AT,
        "attribute @id made optional",
    ),
    "attribute fixed": Case(
        _r("", _attribute()),
        _r("", _attribute(extra=' fixed="x"')),
        "fixed",
        "backward",
        'name="id"',
        'name="id"',
        ID_AT,
        "@id fixed to 'x'",
    ),
    "wildcard made strict": Case(
        _r(ANY.format(pc="lax")),
        _r(ANY.format(pc="strict")),
        "wildcard",
        "backward",
        "<xs:any",
        "<xs:any",
        f"{SEQ}/xs:any",
        "element wildcard not ##local urn:t (lax) -> not ##local urn:t (strict)",
        open_content=True,
    ),
    "made nillable": Case(
        _r(REQUIRED_NOTE),
        _r(NOTE.format(occurs=' nillable="true"')),
        "nillable",
        "forward",
        'name="note"',
        'name="note"',
        NOTE_AT,
        "note made nillable",
    ),
    "no longer nillable": Case(
        _r(NOTE.format(occurs=' nillable="true"')),
        _r(REQUIRED_NOTE),
        "nillable",
        "backward",
        'name="note"',
        'name="note"',
        NOTE_AT,
        "note no longer nillable",
    ),
    "element fixed value changed": Case(
        _r(NOTE.format(occurs=' fixed="x"')),
        _r(NOTE.format(occurs=' fixed="y"')),
        "fixed",
        "both",
        'name="note"',
        'name="note"',
        NOTE_AT,
        "note fixed 'x' -> 'y'",
    ),
    "default changed": Case(
        _r(NOTE.format(occurs=' default="x"')),
        _r(NOTE.format(occurs=' default="y"')),
        "default",
        "none",
        'name="note"',
        'name="note"',
        NOTE_AT,
        "note default 'x' -> 'y'",
    ),
    "optional attribute added beside an attribute wildcard": Case(
        _r("", ANY_ATTRIBUTE.format(pc="lax").replace("##other", "##any")),
        _r("", _attribute() + "\n" + ANY_ATTRIBUTE.format(pc="lax").replace("##other", "##any")),
        "attribute-added",
        "both",
        None,
        'name="id"',
        ID_AT,
        "optional attribute @id added",
    ),
    "child taken by a wildcard": Case(
        _r(OPTIONAL_NOTE),
        _r(ANY.format(pc="lax").replace("##other", "##targetNamespace")),
        "wildcard",
        "both",
        'name="note"',
        "<xs:any",
        NOTE_AT,
        "note: declared on OLD, matched by a wildcard on NEW",
        f"{SEQ}/xs:any",
    ),
    "second of two unnamed siblings": Case(
        TWO_SEQUENCES.format(max=3),
        TWO_SEQUENCES.format(max=2),
        "occurs",
        "backward",
        'name="z"',
        'name="z"',
        f"{R}/xs:choice/xs:sequence[2]/xs:element[@name='z']",
        "z: maxOccurs 3 -> 2",
    ),
    "substitute removed": Case(
        WITH_M2,
        WITHOUT_M2,
        "substitute-removed",
        "backward",
        'name="m2"',
        None,
        "/xs:schema/xs:element[@name='m2']",
        "m2 may no longer stand for h",
    ),
    "substitute added": Case(
        WITHOUT_M2,
        WITH_M2,
        "substitute-added",
        "forward",
        None,
        'name="m2"',
        "/xs:schema/xs:element[@name='m2']",
        "m2 may now stand for h",
    ),
    "attribute wildcard made strict": Case(
        _r("", ANY_ATTRIBUTE.format(pc="lax")),
        _r("", ANY_ATTRIBUTE.format(pc="strict")),
        "wildcard",
        "backward",
        "<xs:anyAttribute",
        "<xs:anyAttribute",
        f"{R}/xs:anyAttribute",
        "attribute wildcard ##other (lax) -> ##other (strict)",
        open_content=True,
    ),
    "made mixed": Case(
        _r(""),
        _r("", mixed=' mixed="true"'),
        "mixed",
        "forward",
        'name="R"',
        'name="R"',
        R,
        "R: mixed content allowed",
    ),
    "attribute type narrowed": Case(
        _r("", MAX_LENGTH_ID.format(n=5)),
        _r("", MAX_LENGTH_ID.format(n=3)),
        "facet-narrowed",
        "backward",
        "<xs:simpleType>",
        "<xs:simpleType>",
        f"{R}/xs:attribute[@name='id']/xs:simpleType",
        "@id: maxLength 5 -> 3",
    ),
    "simple type to complex content": Case(
        _r(REQUIRED_NOTE),
        _r(COMPLEX_NOTE),
        "type-changed",
        "both",
        'name="note"',
        "<xs:complexType><xs:sequence>",
        NOTE_AT,
        "simple type to complex content",
        f"{NOTE_AT}/xs:complexType",
    ),
    "content model rearranged": Case(
        _r(REQUIRED_NOTE),
        _r(REQUIRED_NOTE).replace("sequence>", "choice>"),
        "content-model",
        "both",
        "<xs:sequence>",
        "<xs:choice>",
        SEQ,
        new_xpath=f"{R}/xs:choice",
    ),
}


def _write(tmp_path: Path, case: Case) -> tuple[Path, Path]:
    old, new = tmp_path / "old.xsd", tmp_path / "new.xsd"
    old.write_text(SCHEMA.format(body=case.old))
    new.write_text(SCHEMA.format(body=case.new))
    return old, new


def _message(old: Path, new: Path, root: str = "{urn:t}r") -> MessageComparison:
    comparison = compare_xsd(old, new, [root])
    return comparison.messages[0]


def _line_of(path: Path, mark: str) -> int:
    """The one line of `path` that holds `mark` (1-based)."""
    lines = [n for n, text in enumerate(path.read_text().splitlines(), 1) if mark in text]
    assert len(lines) == 1, (mark, lines)
    return lines[0]


def _located(where: Where | None, path: Path, mark: str | None, xpath: str) -> None:
    if mark is None:
        assert where is None
        return
    assert where is not None
    assert where.file == path.resolve().as_uri()
    assert where.path == xpath
    assert where.line == _line_of(path, mark)
    selected = etree.parse(str(path)).xpath(xpath, namespaces=XS)
    assert isinstance(selected, list) and len(selected) == 1
    assert getattr(selected[0], "sourceline", None) == where.line


def _consistent(message: MessageComparison, change: Change) -> None:
    """A change breaks exactly the directions it says, and only directions whose verdict is
    not `compatible`."""
    for direction in ("backward", "forward"):
        if change.breaks in (direction, "both"):
            assert message.answer(direction).verdict != "compatible", (direction, message)


@pytest.mark.parametrize("name", sorted(CASES))
def test_change_kind(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    old, new = _write(tmp_path, case)
    message = _message(old, new)
    found = [change for change in message.changes if change.kind == case.kind]
    assert len(found) == 1, [c.to_json() for c in message.changes]
    change = found[0]
    assert change.breaks == case.breaks, (change.to_json(), message.to_json())
    assert change.open_content == case.open_content, message.to_json()
    if case.detail:
        assert change.detail == case.detail
    _located(change.old, old, case.old_mark, case.xpath)
    _located(change.new, new, case.new_mark, case.new_xpath or case.xpath)
    for each in message.changes:
        _consistent(message, each)
    _explained(message)
    # The same pair the other way round lists the same declarations, sides swapped.
    swapped = _message(new, old)
    mirrored = [
        c
        for c in swapped.changes
        if c.old == change.new and c.new == change.old and c.kind == _mirror(change.kind)
    ]
    assert len(mirrored) == 1, [c.to_json() for c in swapped.changes]
    assert mirrored[0].breaks == _flip(change.breaks)


def _explained(message: MessageComparison) -> None:
    """Every direction that is not `compatible` is broken by some listed change."""
    for direction in ("backward", "forward"):
        if message.answer(direction).verdict != "compatible":
            assert any(c.breaks in (direction, "both") for c in message.changes), message


def _mirror(kind: str) -> str:
    """The kind of a change seen from the other side."""
    for one, other in (
        ("added", "removed"),
        ("optional->required", "required->optional"),
        ("attribute-required", "attribute-optional"),
        ("narrowed", "widened"),
    ):
        if one in kind:
            return kind.replace(one, other)
        if other in kind:
            return kind.replace(other, one)
    return kind


def _flip(breaks: str) -> str:
    return {"backward": "forward", "forward": "backward"}.get(breaks, breaks)


def test_global_element_removed(tmp_path: Path) -> None:
    old, new = tmp_path / "old.xsd", tmp_path / "new.xsd"
    old.write_text(SCHEMA.format(body=_r("")))
    new.write_text(SCHEMA.format(body=_r("")).replace('<xs:element name="r" type="t:R"/>', ""))
    message = _message(old, new)
    assert (message.backward.verdict, message.forward.verdict) == ("incompatible", "compatible")
    (change,) = message.changes
    assert (change.kind, change.breaks) == ("element-removed", "backward")
    assert change.detail == "global element r removed"
    assert change.message_path == "/r"
    _located(change.old, old, 'name="r"', "/xs:schema/xs:element[@name='r']")
    assert change.new is None


def test_declaration_in_an_imported_document(tmp_path: Path) -> None:
    """A type declared in an imported schema document is located there, not in the main."""
    types = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:ty">
  <xs:simpleType name="Code">
    <xs:restriction base="xs:string">
      <xs:maxLength value="{n}"/>
    </xs:restriction>
  </xs:simpleType>
</xs:schema>
"""
    main = SCHEMA.replace(
        '<xs:element name="r" type="t:R"/>',
        '<xs:import namespace="urn:ty" schemaLocation="types.xsd"/>\n'
        '  <xs:element name="r" type="t:R"/>',
    ).replace('xmlns:t="urn:t"', 'xmlns:t="urn:t" xmlns:ty="urn:ty"')
    main = main.format(body=_r('      <xs:element name="code" type="ty:Code"/>'))
    sides = []
    for side, length in (("old", 35), ("new", 20)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "types.xsd").write_text(types.format(n=length))
        (tmp_path / side / "main.xsd").write_text(main)
        sides.append(tmp_path / side)
    message = _message(sides[0] / "main.xsd", sides[1] / "main.xsd")
    (change,) = [c for c in message.changes if c.kind == "facet-narrowed"]
    assert (change.breaks, change.detail) == ("backward", "maxLength 35 -> 20")
    assert change.message_path == "/r/code"
    for where, side in ((change.old, sides[0]), (change.new, sides[1])):
        _located(where, side / "types.xsd", 'name="Code"', "/xs:schema/xs:simpleType[@name='Code']")


def test_renamed_root_is_one_change_located_under_both_names(tmp_path: Path) -> None:
    """A message compared under another root name in NEW: the rename is one change, at
    OLD's declaration and NEW's, named by OLD's root in the message."""
    case = CASES["optional element added"]
    old, new = _write(tmp_path, case)
    new.write_text(new.read_text().replace('<xs:element name="r" ', '<xs:element name="r2" '))
    comparison = compare_xsd(old, new, [("{urn:t}r", "{urn:t}r2")])
    (message,) = comparison.messages
    (change,) = [c for c in message.changes if c.kind == "element-renamed"]
    assert (change.breaks, change.detail, change.message_path) == ("both", "r renamed r2", "/r")
    _located(change.old, old, 'name="r"', "/xs:schema/xs:element[@name='r']")
    _located(change.new, new, 'name="r2"', "/xs:schema/xs:element[@name='r2']")
