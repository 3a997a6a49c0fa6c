"""The XSD change corpus: every construct the issue lists, each with its expected verdict in
both directions, through the public `compare_files`; every `incompatible` answer's
counterexample is re-checked here with nif's validator (valid under the schema that must
accept it, invalid under the other), and every `unknown` is one this table expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nif.compat import Answer, compare_files, compare_xsd
from nif.report import Verdict as ReportVerdict
from nif.validate import Profile, validate

ROOT = "{urn:t}r"
HEAD = (
    '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" '
    'targetNamespace="urn:t" elementFormDefault="qualified"{attrs}>'
)
# An imported second namespace, for wildcards and namespace constraints.
OTHER = (
    '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:o" '
    'elementFormDefault="qualified">{body}</xs:schema>'
)
IMPORT = '<xs:import namespace="urn:o" schemaLocation="{name}-o.xsd"/>'


def _root(content: str, attrs: str = "") -> str:
    """Global `r` with an anonymous complex type holding `content`."""
    return f'<xs:element name="r"><xs:complexType>{content}{attrs}</xs:complexType></xs:element>'


def _seq(*children: str) -> str:
    return "<xs:sequence>" + "".join(children) + "</xs:sequence>"


def _el(name: str, type_: str = "xs:string", extra: str = "") -> str:
    return f'<xs:element name="{name}" type="{type_}"{extra}/>'


def _simple(restriction: str, base: str = "xs:string") -> str:
    """Global `r` of an anonymous simple type restricting `base` by `restriction`."""
    return (
        f'<xs:element name="r"><xs:simpleType><xs:restriction base="{base}">{restriction}'
        "</xs:restriction></xs:simpleType></xs:element>"
    )


@dataclass(frozen=True)
class Case:
    """One change: OLD and NEW schema bodies and the verdicts expected each way."""

    id: str
    old: str
    new: str
    backward: str
    forward: str
    old_attrs: str = ""
    new_attrs: str = ""
    other_old: str | None = None  # body of the imported urn:o schema, when there is one
    other_new: str | None = None
    open_content: tuple[bool, bool] | None = None
    unknown_because: str = ""  # a word every expected `unknown` reason names
    root: str = ROOT
    new_root: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


ITEM = '<xs:complexType name="Item">' + _seq(_el("code"), _el("qty", "xs:decimal"))
ITEM += "</xs:complexType>"
DERIVED = (
    '<xs:complexType name="Item2"><xs:complexContent><xs:extension base="t:Item">'
    + _seq(_el("more", "xs:string"))
    + "</xs:extension></xs:complexContent></xs:complexType>"
)
DERIVED_REQUIRED_MORE = DERIVED.replace(
    _el("more", "xs:string"), _el("more", "xs:string") + _el("most", "xs:string")
)
WITH_ITEM = _root(_seq(_el("item", "t:Item"))) + ITEM
HEAD_MEMBER = (
    '<xs:element name="head" type="xs:string" abstract="true"/>'
    '<xs:element name="m1" type="xs:string" substitutionGroup="t:head"/>'
)
SUBST = _root(_seq('<xs:element ref="t:head"/>'))


def _any(namespace: str, process: str, occurs: str = "") -> str:
    return _root(_seq(f'<xs:any namespace="{namespace}" processContents="{process}"{occurs}/>'))


def _any_attr(namespace: str, process: str) -> str:
    return _root(_seq(), f'<xs:anyAttribute namespace="{namespace}" processContents="{process}"/>')


ANY_O = IMPORT.format(name="{name}")
V11 = ' xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1"'
ASSERT = '<xs:assert test="not(t:b) or t:a lt t:b"/>'
ALTERNATIVE = (
    '<xs:element name="r" type="xs:anyType"><xs:alternative test="{test}" type="xs:int"/>'
    '<xs:alternative type="xs:string"/></xs:element>'
)

CASES = [
    # -- sequences ----------------------------------------------------------------------------
    Case("sequence-same", _root(_seq(_el("a"), _el("b"))), _root(_seq(_el("a"), _el("b"))),
         "compatible", "compatible"),
    Case("sequence-reordered", _root(_seq(_el("a"), _el("b"))), _root(_seq(_el("b"), _el("a"))),
         "incompatible", "incompatible"),
    Case("sequence-optional-added", _root(_seq(_el("a"))),
         _root(_seq(_el("a"), _el("b", extra=' minOccurs="0"'))), "compatible", "incompatible"),
    Case("sequence-required-added", _root(_seq(_el("a"))), _root(_seq(_el("a"), _el("b"))),
         "incompatible", "incompatible"),
    Case("sequence-element-removed", _root(_seq(_el("a"), _el("b", extra=' minOccurs="0"'))),
         _root(_seq(_el("a"))), "incompatible", "compatible"),
    Case("sequence-max-occurs-narrowed", _root(_seq(_el("a", extra=' maxOccurs="3"'))),
         _root(_seq(_el("a", extra=' maxOccurs="2"'))), "incompatible", "compatible"),
    Case("sequence-min-occurs-raised", _root(_seq(_el("a", extra=' maxOccurs="3"'))),
         _root(_seq(_el("a", extra=' minOccurs="2" maxOccurs="3"'))),
         "incompatible", "compatible"),
    # -- choices --------------------------------------------------------------------------------
    Case("sequence-to-choice", _root(_seq(_el("a"), _el("b"))),
         _root("<xs:choice>" + _el("a") + _el("b") + "</xs:choice>"),
         "incompatible", "incompatible"),
    Case("choice-to-optional-sequence", _root("<xs:choice>" + _el("a") + _el("b") + "</xs:choice>"),
         _root(_seq(_el("a", extra=' minOccurs="0"'), _el("b", extra=' minOccurs="0"'))),
         "compatible", "incompatible"),
    Case("choice-branch-added", _root("<xs:choice>" + _el("a") + _el("b") + "</xs:choice>"),
         _root("<xs:choice>" + _el("a") + _el("b") + _el("c") + "</xs:choice>"),
         "compatible", "incompatible"),
    # -- xs:all -----------------------------------------------------------------------------------
    Case("sequence-to-all", _root(_seq(_el("a"), _el("b"))),
         _root("<xs:all>" + _el("a") + _el("b") + "</xs:all>"), "compatible", "incompatible"),
    Case("all-member-made-optional", _root("<xs:all>" + _el("a") + _el("b") + "</xs:all>"),
         _root("<xs:all>" + _el("a") + _el("b", extra=' minOccurs="0"') + "</xs:all>"),
         "compatible", "incompatible"),
    # -- named groups and ref= --------------------------------------------------------------------
    Case("group-inlined", _root('<xs:group ref="t:G"/>')
         + '<xs:group name="G">' + _seq(_el("a"), _el("b")) + "</xs:group>",
         _root(_seq(_el("a"), _el("b"))), "compatible", "compatible"),
    Case("group-gains-required", _root('<xs:group ref="t:G"/>')
         + '<xs:group name="G">' + _seq(_el("a")) + "</xs:group>",
         _root('<xs:group ref="t:G"/>') + '<xs:group name="G">' + _seq(_el("a"), _el("b"))
         + "</xs:group>", "incompatible", "incompatible"),
    Case("local-to-ref", _root(_seq(_el("a", "xs:int"))),
         _root(_seq('<xs:element ref="t:a"/>')) + _el("a", "xs:int"), "compatible", "compatible"),
    Case("ref-target-type-narrowed", _root(_seq('<xs:element ref="t:a"/>')) + _el("a", "xs:decimal"),
         _root(_seq('<xs:element ref="t:a"/>')) + _el("a", "xs:int"), "incompatible", "compatible"),
    # -- anonymous and named types ----------------------------------------------------------------
    Case("anonymous-to-named", _root(_seq(_el("a"))),
         '<xs:element name="r" type="t:R"/><xs:complexType name="R">' + _seq(_el("a"))
         + "</xs:complexType>", "compatible", "compatible"),
    Case("named-type-narrowed", WITH_ITEM, WITH_ITEM.replace(ITEM, ITEM.replace("xs:decimal", "xs:integer")),
         "incompatible", "compatible"),
    # -- extension and restriction, xsi:type ------------------------------------------------------
    Case("extension-optional-added", WITH_ITEM,
         _root(_seq(_el("item", "t:Item3"))) + ITEM
         + '<xs:complexType name="Item3"><xs:complexContent><xs:extension base="t:Item">'
         + _seq(_el("note", extra=' minOccurs="0"'))
         + "</xs:extension></xs:complexContent></xs:complexType>",
         "compatible", "incompatible"),
    Case("restriction-narrows-occurs",
         _root(_seq(_el("item", "t:List"))) + '<xs:complexType name="List">'
         + _seq(_el("x", extra=' maxOccurs="5"')) + "</xs:complexType>",
         _root(_seq(_el("item", "t:List2"))) + '<xs:complexType name="List">'
         + _seq(_el("x", extra=' maxOccurs="5"')) + "</xs:complexType>"
         + '<xs:complexType name="List2"><xs:complexContent><xs:restriction base="t:List">'
         + _seq(_el("x", extra=' maxOccurs="2"'))
         + "</xs:restriction></xs:complexContent></xs:complexType>",
         "incompatible", "compatible"),
    Case("xsi-type-derived-removed", WITH_ITEM + DERIVED, WITH_ITEM, "incompatible", "compatible"),
    Case("xsi-type-derived-narrowed", WITH_ITEM + DERIVED, WITH_ITEM + DERIVED_REQUIRED_MORE,
         "incompatible", "incompatible"),
    # -- abstract types and elements --------------------------------------------------------------
    Case("type-made-abstract", WITH_ITEM,
         WITH_ITEM.replace('name="Item">', 'name="Item" abstract="true">') + DERIVED,
         "incompatible", "incompatible"),
    Case("root-made-abstract", _root(_seq(_el("a"))),
         _root(_seq(_el("a"))).replace('name="r">', 'name="r" abstract="true">'),
         "incompatible", "compatible"),
    Case("abstract-head-made-concrete", SUBST + HEAD_MEMBER,
         SUBST + HEAD_MEMBER.replace(' abstract="true"', ""), "compatible", "incompatible"),
    # -- substitution groups ----------------------------------------------------------------------
    Case("substitution-member-added", SUBST + HEAD_MEMBER,
         SUBST + HEAD_MEMBER + '<xs:element name="m2" type="xs:string" substitutionGroup="t:head"/>',
         "compatible", "incompatible"),
    Case("substitution-member-removed",
         SUBST + HEAD_MEMBER + '<xs:element name="m2" type="xs:string" substitutionGroup="t:head"/>',
         SUBST + HEAD_MEMBER, "incompatible", "compatible"),
    Case("substitution-blocked",
         SUBST + HEAD_MEMBER.replace(' abstract="true"', ""),
         SUBST + HEAD_MEMBER.replace(' abstract="true"', ' block="substitution"'),
         "incompatible", "compatible"),
    # -- element wildcards ------------------------------------------------------------------------
    Case("any-skip-identical", _any("##any", "skip"), _any("##any", "skip"),
         "compatible", "compatible"),
    Case("any-any-to-other", _any("##any", "skip"), _any("##other", "skip"),
         "incompatible", "compatible", open_content=(True, False)),
    Case("any-other-to-any", _any("##other", "lax"), _any("##any", "lax"),
         "compatible", "incompatible", open_content=(False, True)),
    Case("any-local-to-target", _any("##local", "skip"), _any("##targetNamespace", "skip"),
         "incompatible", "incompatible", open_content=(True, True)),
    Case("any-list-narrowed", _any("urn:o urn:p", "skip"), _any("urn:o", "skip"),
         "incompatible", "compatible", open_content=(True, False)),
    Case("any-skip-to-strict", _any("##other", "skip"), _any("##other", "strict"),
         "incompatible", "compatible", open_content=(True, False)),
    Case("any-lax-to-skip", _any("##other", "lax"), _any("##other", "skip"),
         "compatible", "unknown", unknown_because="wildcard", open_content=(False, True)),
    Case("any-lax-new-global", ANY_O + _any("urn:o", "lax"), ANY_O + _any("urn:o", "lax"),
         "incompatible", "compatible", other_old="",
         other_new='<xs:element name="y" type="xs:int"/>', open_content=(True, False)),
    Case("any-strict-global-narrowed", ANY_O + _any("urn:o", "strict"),
         ANY_O + _any("urn:o", "strict"), "incompatible", "compatible",
         other_old='<xs:element name="y" type="xs:decimal"/>',
         other_new='<xs:element name="y" type="xs:int"/>'),
    Case("any-removed", _any("##other", "skip", ' minOccurs="0"'), _root(_seq()),
         "incompatible", "compatible", open_content=(True, False)),
    Case("any-replaces-element", _any("##any", "skip"), _root(_seq(_el("x", "xs:int"))),
         "incompatible", "compatible", open_content=(True, False)),
    Case("element-replaced-by-strict-any", _root(_seq('<xs:element ref="t:a"/>')) + _el("a", "xs:int"),
         _any("##targetNamespace", "strict") + _el("a", "xs:int"), "compatible", "incompatible"),
    Case("any-type-to-typed", _root(_seq('<xs:element name="x"/>')),
         _root(_seq(_el("x", "xs:int"))), "incompatible", "compatible"),
    # -- attribute wildcards ----------------------------------------------------------------------
    Case("any-attribute-identical", _any_attr("##other", "skip"), _any_attr("##other", "skip"),
         "compatible", "compatible"),
    Case("any-attribute-removed", _any_attr("##other", "skip"), _root(_seq()),
         "incompatible", "compatible", open_content=(True, False)),
    Case("any-attribute-any-to-local", _any_attr("##any", "lax"), _any_attr("##local", "lax"),
         "incompatible", "compatible", open_content=(True, False)),
    Case("any-attribute-skip-to-strict", _any_attr("##other", "skip"),
         _any_attr("##other", "strict"), "incompatible", "compatible",
         open_content=(True, False)),
    # -- nillable -------------------------------------------------------------------------------------
    Case("nillable-dropped", _root(_seq(_el("a", "xs:int", ' nillable="true"'))),
         _root(_seq(_el("a", "xs:int"))), "incompatible", "compatible"),
    # -- fixed and default ----------------------------------------------------------------------------
    Case("attribute-fixed-changed",
         _root(_seq(), '<xs:attribute name="version" type="xs:string" fixed="1.0"/>'),
         _root(_seq(), '<xs:attribute name="version" type="xs:string" fixed="2.0"/>'),
         "incompatible", "incompatible"),
    Case("attribute-fixed-added",
         _root(_seq(), '<xs:attribute name="version" type="xs:string"/>'),
         _root(_seq(), '<xs:attribute name="version" type="xs:string" fixed="2.0"/>'),
         "incompatible", "compatible"),
    Case("element-fixed-changed", _root(_seq(_el("v", extra=' fixed="1.0"'))),
         _root(_seq(_el("v", extra=' fixed="2.0"'))), "incompatible", "incompatible"),
    Case("element-default-changed", _root(_seq(_el("v", extra=' default="1.0"'))),
         _root(_seq(_el("v", extra=' default="2.0"'))), "compatible", "compatible"),
    Case("element-default-dropped", _root(_seq(_el("v", "xs:decimal", ' default="1.0"'))),
         _root(_seq(_el("v", "xs:decimal"))), "incompatible", "compatible"),
    Case("element-fixed-dropped", _root(_seq(_el("v", "xs:decimal", ' fixed="1.0"'))),
         _root(_seq(_el("v", "xs:decimal"))), "incompatible", "incompatible"),
    Case("element-default-to-fixed", _root(_seq(_el("v", "xs:decimal", ' default="1.0"'))),
         _root(_seq(_el("v", "xs:decimal", ' fixed="1.0"'))), "incompatible", "compatible"),
    # -- list and union simple types ------------------------------------------------------------------
    Case("list-item-narrowed",
         '<xs:element name="r"><xs:simpleType><xs:list itemType="xs:decimal"/></xs:simpleType>'
         "</xs:element>",
         '<xs:element name="r"><xs:simpleType><xs:list itemType="xs:integer"/></xs:simpleType>'
         "</xs:element>", "incompatible", "compatible"),
    Case("list-length-capped",
         '<xs:element name="r" type="t:L"/><xs:simpleType name="L"><xs:list itemType="xs:int"/>'
         "</xs:simpleType>",
         '<xs:element name="r"><xs:simpleType><xs:restriction base="t:L"><xs:maxLength value="2"/>'
         '</xs:restriction></xs:simpleType></xs:element><xs:simpleType name="L">'
         '<xs:list itemType="xs:int"/></xs:simpleType>', "incompatible", "compatible"),
    Case("union-member-added",
         '<xs:element name="r"><xs:simpleType><xs:union memberTypes="xs:int"/>'
         "</xs:simpleType></xs:element>",
         '<xs:element name="r"><xs:simpleType><xs:union memberTypes="xs:int xs:date"/>'
         "</xs:simpleType></xs:element>", "compatible", "incompatible"),
    Case("union-member-removed",
         '<xs:element name="r"><xs:simpleType><xs:union memberTypes="xs:int xs:date"/>'
         "</xs:simpleType></xs:element>",
         '<xs:element name="r"><xs:simpleType><xs:union memberTypes="xs:int"/>'
         "</xs:simpleType></xs:element>", "incompatible", "compatible"),
    # -- namespaces and elementFormDefault ------------------------------------------------------------
    Case("target-namespace-changed", _root(_seq(_el("a"))), _root(_seq(_el("a"))),
         "incompatible", "incompatible", new_attrs=' xmlns:t2="urn:t2"',
         new_root="{urn:t2}r"),
    Case("element-form-unqualified", _root(_seq(_el("a"))), _root(_seq(_el("a"))),
         "incompatible", "incompatible", new_attrs=' elementFormDefault="unqualified"'),
    Case("element-form-local-form", _root(_seq(_el("a"))),
         _root(_seq(_el("a", extra=' form="unqualified"'))), "incompatible", "incompatible"),
    Case("attribute-form-qualified",
         _root(_seq(), '<xs:attribute name="id" type="xs:string"/>'),
         _root(_seq(), '<xs:attribute name="id" type="xs:string"/>'),
         "incompatible", "incompatible", new_attrs=' attributeFormDefault="qualified"'),
    # -- simple type facets --------------------------------------------------------------------------
    Case("enumeration-narrowed",
         _simple('<xs:enumeration value="A"/><xs:enumeration value="B"/>'),
         _simple('<xs:enumeration value="A"/>'), "incompatible", "compatible"),
    Case("enumeration-widened", _simple('<xs:enumeration value="A"/>'),
         _simple('<xs:enumeration value="A"/><xs:enumeration value="B"/>'),
         "compatible", "incompatible"),
    Case("pattern-changed", _simple('<xs:pattern value="[A-Z]{2}"/>'),
         _simple('<xs:pattern value="[A-Z]{3}"/>'), "incompatible", "incompatible"),
    Case("pattern-widened", _simple('<xs:pattern value="[A-Z]{2}"/>'),
         _simple('<xs:pattern value="[A-Z]{2,3}"/>'), "unknown", "incompatible",
         unknown_because="pattern"),
    Case("max-length-narrowed", _simple('<xs:maxLength value="10"/>'),
         _simple('<xs:maxLength value="5"/>'), "incompatible", "compatible"),
    Case("length-changed", _simple('<xs:length value="3"/>'), _simple('<xs:length value="4"/>'),
         "incompatible", "incompatible"),
    Case("range-narrowed",
         _simple('<xs:minInclusive value="0"/><xs:maxInclusive value="100"/>', "xs:int"),
         _simple('<xs:minInclusive value="1"/><xs:maxExclusive value="100"/>', "xs:int"),
         "incompatible", "compatible"),
    # -- XSD 1.1: what is 1.0 is compared, assertions and alternatives are unknown -----------
    Case("xsd11-unchanged", _root(_seq(_el("a", "xs:int"), _el("b", "xs:int")), ASSERT),
         _root(_seq(_el("a", "xs:int"), _el("b", "xs:int")), ASSERT), "compatible", "compatible",
         old_attrs=V11, new_attrs=V11),
    Case("xsd11-element-added", _root(_seq(_el("a", "xs:int"))),
         _root(_seq(_el("a", "xs:int"), _el("b", "xs:int", ' minOccurs="0"'))),
         "compatible", "incompatible", old_attrs=V11, new_attrs=V11),
    Case("xsd11-assertion-added", _root(_seq(_el("a", "xs:int"), _el("b", "xs:int"))),
         _root(_seq(_el("a", "xs:int"), _el("b", "xs:int")), ASSERT), "unknown", "compatible",
         old_attrs=V11, new_attrs=V11, unknown_because="XSD 1.1 assertion"),
    Case("xsd11-assertion-over-changed-content",
         _root(_seq(_el("a", "xs:int"), _el("b", "xs:int", ' minOccurs="0"')), ASSERT),
         _root(_seq(_el("a", "xs:int"), _el("b", "xs:int")), ASSERT), "incompatible", "unknown",
         old_attrs=V11, new_attrs=V11, unknown_because="XSD 1.1 assertion"),
    Case("xsd11-alternatives-differ", ALTERNATIVE.format(test="@kind = 'n'"),
         ALTERNATIVE.format(test="@kind = 'i'"), "unknown", "unknown",
         old_attrs=V11, new_attrs=V11, unknown_because="alternatives"),
    Case("xsd11-not-qname-attribute-wildcard",
         _root(_seq(), '<xs:anyAttribute namespace="##any" processContents="lax"/>'),
         _root(_seq(), '<xs:anyAttribute notQName="t:x" processContents="lax"/>'),
         "incompatible", "unknown", old_attrs=V11, new_attrs=V11, open_content=(True, True),
         unknown_because="notQName"),
    Case("total-digits-narrowed", _simple('<xs:totalDigits value="5"/>', "xs:decimal"),
         _simple('<xs:totalDigits value="3"/>', "xs:decimal"), "incompatible", "compatible"),
]  # fmt: skip


def _write(tmp_path: Path, name: str, body: str, attrs: str, other: str | None) -> Path:
    if other is not None:
        (tmp_path / f"{name}-o.xsd").write_text(OTHER.format(body=other))
    text = HEAD.format(attrs=attrs) + body.replace("{name}", name) + "</xs:schema>"
    path = tmp_path / f"{name}.xsd"
    path.write_text(_apply_attrs(text))
    return path


def _apply_attrs(text: str) -> str:
    """Let a case override the schema element's attributes (the later one wins)."""
    head, rest = text.split(">", 1)
    if head.count("elementFormDefault=") > 1:
        head = head.replace(' elementFormDefault="qualified"', "", 1)
    if "xmlns:t2=" in head:  # the target namespace moved to urn:t2
        head = head.replace('targetNamespace="urn:t"', 'targetNamespace="urn:t2"')
        rest = rest.replace('"t:', '"t2:')
    return head + ">" + rest


def _accepts(schema: Path, message: str) -> bool:
    report = validate(message.encode("utf-8"), Profile.from_files(xsd=schema))
    return report.verdict is ReportVerdict.VALID


def _check(answer: Answer, expected: str, accepting: Path, refusing: Path, case: Case) -> None:
    assert answer.verdict == expected, (case.id, answer)
    if answer.verdict == "incompatible":
        assert answer.counterexample is not None
        assert _accepts(accepting, answer.counterexample), answer.counterexample
        assert not _accepts(refusing, answer.counterexample), answer.counterexample
    else:
        assert answer.counterexample is None
    if answer.verdict == "unknown":
        assert case.unknown_because in (answer.reason or ""), answer.reason


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_corpus(tmp_path: Path, case: Case) -> None:
    old = _write(tmp_path, "old", case.old, case.old_attrs, case.other_old)
    new = _write(tmp_path, "new", case.new, case.new_attrs, case.other_new)
    if case.new_root is None:
        comparison = compare_files(old, new, roots=[case.root])
    else:
        comparison = compare_xsd(old, new, roots=[(case.root, case.new_root)])
    (message,) = comparison.messages
    _check(message.backward, case.backward, old, new, case)
    _check(message.forward, case.forward, new, old, case)
    if case.open_content is not None:
        assert (message.backward.open_content, message.forward.open_content) == case.open_content
    else:
        assert not message.backward.open_content and not message.forward.open_content
