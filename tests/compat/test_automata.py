"""Content model inclusion: hand-built terms and real XSDs, witnesses checked by xmlschema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import xmlschema
from lxml import etree

from nif.compat._automata import Inclusion, OtherName, Symbol, language_included
from nif.compat._content import (
    All,
    Choice,
    Element,
    Namespaces,
    Sequence,
    Term,
    UnsupportedModel,
    Wildcard,
    from_xmlschema,
)

TNS = "urn:t"
EXTERNAL = Path(__file__).parents[2].parent / "shared" / "external"
UBL_INVOICE = EXTERNAL / "ubl-2.1" / "xsd" / "maindoc" / "UBL-Invoice-2.1.xsd"


def schema(content: str, extra: str = "") -> xmlschema.XMLSchema10:
    """A schema whose root `r` has `content` as its complex type's model; a, b, c are strings."""
    return xmlschema.XMLSchema10(
        f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{TNS}"
            xmlns:t="{TNS}" elementFormDefault="qualified">
          <xs:element name="r"><xs:complexType>{content}</xs:complexType></xs:element>
          {extra}
        </xs:schema>"""
    )


def content(s: xmlschema.XMLSchema10, name: str = "r") -> Any:
    """The content group of a global element's complex type."""
    declaration: Any = s.elements[name]
    return declaration.type.content


def term(s: xmlschema.XMLSchema10) -> Term:
    return from_xmlschema(content(s))


def document(witness: list[Symbol]) -> str:
    root = etree.Element(f"{{{TNS}}}r")
    for symbol in witness:
        name = symbol.example() if isinstance(symbol, OtherName) else symbol
        etree.SubElement(root, name)
    return str(etree.tostring(root).decode())


def check(old: xmlschema.XMLSchema10, new: xmlschema.XMLSchema10) -> Inclusion:
    """Inclusion of OLD in NEW; a witness must be valid for OLD and invalid for NEW."""
    result = language_included(term(old), term(new))
    if result.included is False:
        assert result.witness is not None
        xml = document(result.witness)
        assert old.is_valid(xml), xml
        assert not new.is_valid(xml), xml
    return result


def seq(*parts: str) -> str:
    return "<xs:sequence>" + "".join(parts) + "</xs:sequence>"


def el(name: str, occurs: str = "") -> str:
    return f'<xs:element name="{name}" type="xs:string" {occurs}/>'


def q(name: str) -> str:
    return f"{{{TNS}}}{name}"


def test_optional_element_added_is_backward_only() -> None:
    old, new = schema(seq(el("a"))), schema(seq(el("a"), el("b", 'minOccurs="0"')))
    assert check(old, new).included is True
    forward = check(new, old)
    assert forward.included is False
    assert forward.witness == [q("a"), q("b")]


def test_element_made_required_breaks_backward() -> None:
    old, new = schema(seq(el("a"), el("b", 'minOccurs="0"'))), schema(seq(el("a"), el("b")))
    result = check(old, new)
    assert (result.included, result.witness) == (False, [q("a")])
    assert check(new, old).included is True


def test_max_occurs_lowered_gives_the_first_excess_count() -> None:
    old = schema(seq(el("a", 'maxOccurs="5"')))
    new = schema(seq(el("a", 'maxOccurs="3"')))
    assert check(old, new).witness == [q("a")] * 4
    assert check(new, old).included is True


def test_unbounded_against_large_finite_bound() -> None:
    old, new = Element(q("a"), max=None), Element(q("a"), max=1000)
    result = language_included(old, new)
    assert result.witness == [q("a")] * 1001
    assert language_included(new, old).included is True


def test_sequence_to_choice_both_directions() -> None:
    old = schema(seq(el("a"), el("b")))
    new = schema(f"<xs:choice>{el('a')}{el('b')}</xs:choice>")
    assert check(old, new).witness == [q("a"), q("b")]
    assert check(new, old).witness == [q("a")]


def test_renamed_element() -> None:
    old, new = schema(seq(el("a"))), schema(seq(el("c")))
    assert check(old, new).witness == [q("a")]
    assert check(new, old).witness == [q("c")]


def test_nested_groups_and_unbounded_choice() -> None:
    old = schema(seq(el("a"), f"<xs:choice maxOccurs='unbounded'>{el('b')}{el('c')}</xs:choice>"))
    new = schema(seq(el("a"), el("b", 'maxOccurs="unbounded"'), el("c", 'minOccurs="0"')))
    assert check(new, old).included is True
    assert check(old, new).witness == [q("a"), q("c")]


def any_(namespace: str, contents: str) -> str:
    return f'<xs:any namespace="{namespace}" processContents="{contents}"/>'


def test_wildcard_narrowed_namespace() -> None:
    old, new = schema(seq(any_("##any", "skip"))), schema(seq(any_("##other", "skip")))
    result = check(old, new)
    assert result.included is False
    assert result.witness is not None and len(result.witness) == 1
    witness = result.witness[0]
    assert isinstance(witness, OtherName) and witness.namespace in ("", TNS)
    assert check(new, old).included is True


def test_wildcard_replaced_by_element() -> None:
    old, new = schema(seq(any_("##targetNamespace", "lax"))), schema(seq(el("a")))
    result = check(old, new)
    assert result.witness == [OtherName(TNS)]
    assert check(new, old).included is True


def test_wildcard_process_contents_tightened_is_unknown() -> None:
    lax, strict = schema(seq(any_("##other", "lax"))), schema(seq(any_("##other", "strict")))
    tightened = language_included(term(lax), term(strict))
    assert tightened.included is None
    assert tightened.reason is not None and "lax to strict" in tightened.reason
    skip = schema(seq(any_("##other", "skip")))
    assert language_included(term(skip), term(lax)).included is None
    assert language_included(term(strict), term(skip)).included is True


def test_wildcard_namespace_constraints_match_xmlschema() -> None:
    s = schema(seq(any_("##local ##targetNamespace urn:z", "skip"), any_("##other", "skip")))
    listed, other = term(s).children  # type: ignore[union-attr]
    assert isinstance(listed, Wildcard) and isinstance(other, Wildcard)
    wildcards = content(s)
    for namespace in ("", TNS, "urn:z", "urn:elsewhere"):
        assert listed.namespaces.allows(namespace) == wildcards[0].is_namespace_allowed(namespace)
        assert other.namespaces.allows(namespace) == wildcards[1].is_namespace_allowed(namespace)


GROUP = """
<xs:element name="head" type="xs:string" abstract="true"/>
<xs:element name="m1" type="xs:string" substitutionGroup="t:head"/>
{more}
"""


def test_substitution_group_member_added_and_removed() -> None:
    content = seq('<xs:element ref="t:head"/>')
    old = schema(content, GROUP.format(more=""))
    new = schema(
        content,
        GROUP.format(more='<xs:element name="m2" type="xs:string" substitutionGroup="t:head"/>'),
    )
    assert check(old, new).included is True
    assert check(new, old).witness == [q("m2")]


def test_abstract_members_are_excluded() -> None:
    more = (
        '<xs:element name="m2" type="xs:string" substitutionGroup="t:head" abstract="true"/>'
        '<xs:element name="m3" type="xs:string" substitutionGroup="t:m2"/>'
    )
    s = schema(seq('<xs:element ref="t:head"/>'), GROUP.format(more=more))
    choice = term(s).children[0]  # type: ignore[union-attr]
    assert isinstance(choice, Choice)
    assert {c.name for c in choice.children if isinstance(c, Element)} == {q("m1"), q("m3")}


def test_blocked_substitution_admits_only_the_head() -> None:
    extra = (
        '<xs:element name="h" type="xs:string" block="substitution"/>'
        '<xs:element name="m" type="xs:string" substitutionGroup="t:h"/>'
    )
    s = schema(seq('<xs:element ref="t:h"/>'), extra)
    assert term(s).children == (Element(q("h"), s.elements["h"]),)  # type: ignore[union-attr]


def test_substitution_blocked_by_type_derivation_is_unsupported() -> None:
    extra = """
    <xs:complexType name="B" block="extension"><xs:sequence/></xs:complexType>
    <xs:complexType name="D"><xs:complexContent>
      <xs:extension base="t:B"><xs:sequence/></xs:extension></xs:complexContent></xs:complexType>
    <xs:element name="h" type="t:B"/>
    <xs:element name="m" type="t:D" substitutionGroup="t:h"/>"""
    s = schema(seq('<xs:element ref="t:h"/>'), extra)
    with pytest.raises(UnsupportedModel, match="blocks by derivation"):
        term(s)


def test_xs_all_against_all_and_sequence() -> None:
    optional = el("b", 'minOccurs="0"')
    optional_b = schema(f"<xs:all>{el('a')}{optional}</xs:all>")
    required_b = schema(f"<xs:all>{el('a')}{el('b')}</xs:all>")
    ordered = schema(seq(el("a"), el("b", 'minOccurs="0"')))
    assert check(optional_b, required_b).witness == [q("a")]
    assert check(required_b, optional_b).included is True
    assert check(optional_b, ordered).witness == [q("b"), q("a")]
    assert check(ordered, optional_b).included is True


def test_optional_all_group_accepts_empty() -> None:
    s = schema(f'<xs:all minOccurs="0">{el("a")}</xs:all>')
    assert check(s, schema(seq(el("a")))).witness == []


def test_empty_choice_and_empty_sequence() -> None:
    nothing, empty = Choice(()), Sequence(())
    assert language_included(nothing, Element("x")).included is True
    assert language_included(empty, Element("x")).witness == []
    assert language_included(empty, Sequence((Element("x", min=0),))).included is True


def test_out_of_reach_models_are_unknown() -> None:
    repeated_all = All((Element("a"),), max=2)
    assert language_included(repeated_all, Element("a")).included is None
    huge = Element("a", max=10**9)
    result = language_included(huge, Element("a", max=None))
    assert result.included is None and result.reason is not None


def test_bindings_pair_old_and_new_particles() -> None:
    wildcard = Wildcard(Namespaces(frozenset({"u"})), "lax")
    result = language_included(Element("{u}a"), wildcard)
    assert result.included is True
    assert result.bindings == frozenset({(Element("{u}a"), wildcard)})


def test_other_name_examples_avoid_used_names() -> None:
    used = frozenset({"{u}nifOther", "{urn:nif:compat:other}x"})
    assert OtherName("u", used).example() == "{u}nifOther1"
    assert OtherName("", used).example() == "nifOther"
    assert OtherName(None, used).example() == "{urn:nif:compat:other1}nifOther"


@pytest.fixture(scope="module")
def invoice() -> Any:
    if not UBL_INVOICE.exists():
        pytest.skip("UBL 2.1 not in /work/shared/external")
    return content(xmlschema.XMLSchema(str(UBL_INVOICE)), "Invoice")


def test_ubl_invoice_against_itself_and_a_trimmed_copy(invoice: Any) -> None:
    full = from_xmlschema(invoice)
    assert isinstance(full, Sequence)
    assert language_included(full, full).included is True
    dropped = full.children[0]
    assert isinstance(dropped, Element) and dropped.min == 0
    trimmed = Sequence(full.children[1:])
    result = language_included(full, trimmed)
    assert result.included is False
    assert result.witness is not None and result.witness[0] == dropped.name
    assert dropped.name not in (result.witness[1:])
    assert language_included(trimmed, full).included is True


EXTENDED = """
<xs:group name="g"><xs:choice><xs:element name="a"/><xs:element name="b"/></xs:choice></xs:group>
<xs:complexType name="base"><xs:sequence><xs:element name="x"/></xs:sequence></xs:complexType>
<xs:element name="e"><xs:complexType><xs:complexContent><xs:extension base="t:base">
  <xs:sequence><xs:group ref="t:g" maxOccurs="{n}"/></xs:sequence>
</xs:extension></xs:complexContent></xs:complexType></xs:element>"""


def test_group_reference_inside_a_type_extension() -> None:
    old = schema(seq('<xs:element ref="t:e"/>'), EXTENDED.format(n=2))
    new = schema(seq('<xs:element ref="t:e"/>'), EXTENDED.format(n=1))
    older, newer = from_xmlschema(content(old, "e")), from_xmlschema(content(new, "e"))
    assert language_included(older, newer).witness == [q("x"), q("a"), q("a")]
    assert language_included(newer, older).included is True
