"""Simple type inclusion against the real engine: every witness is re-checked with xmlschema."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from nif.compat._simple_types import SimpleInclusion, describe_changes, simple_included

XSD = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{}</xs:schema>'
UBL = Path(__file__).parents[2].parent / "shared" / "external" / "ubl-2.1" / "xsd"


def _types(body: str) -> dict[str, xmlschema.validators.XsdSimpleType]:
    schema = xmlschema.XMLSchema(XSD.format(body))
    return {name: t for name, t in schema.types.items()}


def _restriction(name: str, base: str, facets: str = "") -> str:
    return f'<xs:simpleType name="{name}"><xs:restriction base="{base}">{facets}</xs:restriction></xs:simpleType>'


def _pair(old: str, new: str, extra: str = "") -> tuple[SimpleInclusion, SimpleInclusion]:
    """(old ⊆ new, new ⊆ old) for two type definitions named 'old' and 'new'."""
    types = _types(old + new + extra)
    forward = simple_included(types["old"], types["new"])
    backward = simple_included(types["new"], types["old"])
    for result, (a, b) in ((forward, ("old", "new")), (backward, ("new", "old"))):
        _check(result, types[a], types[b])
    return forward, backward


def _check(result: SimpleInclusion, old: object, new: object) -> None:
    """A False must carry a witness the engine accepts under OLD and rejects under NEW."""
    if result.included is False:
        assert result.witness is not None
        assert old.is_valid(result.witness)  # type: ignore[attr-defined]
        assert not new.is_valid(result.witness)  # type: ignore[attr-defined]
    else:
        assert result.witness is None
    if result.included is None:
        assert result.reason


def _builtins(old: str, new: str) -> tuple[SimpleInclusion, SimpleInclusion]:
    return _pair(_restriction("old", old), _restriction("new", new))


@pytest.mark.parametrize(
    ("narrow", "wide"),
    [
        ("xs:int", "xs:long"),
        ("xs:long", "xs:integer"),
        ("xs:integer", "xs:decimal"),
        ("xs:int", "xs:decimal"),
        ("xs:short", "xs:int"),
        ("xs:nonNegativeInteger", "xs:integer"),
    ],
)
def test_builtin_hierarchy_both_directions(narrow: str, wide: str) -> None:
    forward, backward = _builtins(narrow, wide)
    assert forward.included is True
    assert backward.included is False


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("xs:token", "xs:normalizedString"),
        ("xs:normalizedString", "xs:string"),
        ("xs:token", "xs:string"),
    ],
)
def test_string_builtins_share_one_lexical_space(one: str, other: str) -> None:
    """The value spaces nest, but whitespace is normalized before checking: any text is valid."""
    forward, backward = _builtins(one, other)
    assert forward.included is True and backward.included is True


def test_date_and_datetime_are_distinct() -> None:
    forward, backward = _builtins("xs:date", "xs:dateTime")
    assert forward.included is False
    assert backward.included is False
    assert "type xs:date -> xs:dateTime" in forward.changes


def test_decimal_to_integer_is_a_narrowing_with_a_fraction_witness() -> None:
    forward, _ = _builtins("xs:decimal", "xs:integer")
    assert forward.included is False
    assert "type xs:decimal -> xs:integer" in forward.changes


def test_max_length_shrinks() -> None:
    forward, backward = _pair(
        _restriction("old", "xs:string", '<xs:maxLength value="35"/>'),
        _restriction("new", "xs:string", '<xs:maxLength value="20"/>'),
    )
    assert forward.included is False and len(forward.witness or "") > 20
    assert backward.included is True
    assert "maxLength 35 -> 20" in forward.changes


def test_min_length_and_length() -> None:
    forward, backward = _pair(
        _restriction("old", "xs:string", '<xs:length value="3"/>'),
        _restriction("new", "xs:string", '<xs:minLength value="2"/><xs:maxLength value="4"/>'),
    )
    assert forward.included is True
    assert backward.included is False


def test_enumeration_value_removed() -> None:
    enum = "".join(f'<xs:enumeration value="{v}"/>' for v in ("A", "B", "C"))
    forward, backward = _pair(
        _restriction("old", "xs:token", enum),
        _restriction("new", "xs:token", enum.replace('<xs:enumeration value="C"/>', "")),
    )
    assert forward.included is False and forward.witness == "C"
    assert "enumeration value 'C' removed" in forward.changes
    assert backward.included is True


def test_enumeration_across_string_types_is_decided_exactly() -> None:
    forward, backward = _pair(
        _restriction("old", "xs:string", '<xs:enumeration value="a"/><xs:enumeration value="b"/>'),
        _restriction("new", "xs:token", '<xs:pattern value="[a-c]"/>'),
    )
    assert forward.included is True
    assert backward.included is False and backward.witness is not None


def test_integer_enumeration_inside_a_range() -> None:
    forward, backward = _pair(
        _restriction("old", "xs:integer", '<xs:enumeration value="1"/><xs:enumeration value="5"/>'),
        _restriction("new", "xs:int", '<xs:minInclusive value="0"/><xs:maxInclusive value="9"/>'),
    )
    assert forward.included is True
    assert backward.included is False


@pytest.mark.parametrize(
    ("old_facets", "new_facets", "expected"),
    [
        ('<xs:maxInclusive value="10"/>', '<xs:maxInclusive value="20"/>', True),
        ('<xs:maxInclusive value="20"/>', '<xs:maxInclusive value="10"/>', False),
        ('<xs:maxInclusive value="10"/>', '<xs:maxExclusive value="10"/>', False),
        ('<xs:maxExclusive value="10"/>', '<xs:maxInclusive value="10"/>', True),
        ('<xs:minInclusive value="1"/>', '<xs:minExclusive value="0"/>', True),
        ('<xs:minExclusive value="0"/>', '<xs:minInclusive value="1"/>', True),
        ("", '<xs:minInclusive value="0"/>', False),
    ],
)
def test_integer_bounds(old_facets: str, new_facets: str, expected: bool) -> None:
    forward, _ = _pair(
        _restriction("old", "xs:integer", old_facets), _restriction("new", "xs:integer", new_facets)
    )
    assert forward.included is expected


def test_decimal_exclusive_bound_is_not_made_inclusive() -> None:
    forward, backward = _pair(
        _restriction("old", "xs:decimal", '<xs:minExclusive value="0"/>'),
        _restriction("new", "xs:decimal", '<xs:minInclusive value="1"/>'),
    )
    assert forward.included is False
    assert backward.included is True


def test_digits() -> None:
    forward, backward = _pair(
        _restriction(
            "old", "xs:decimal", '<xs:totalDigits value="5"/><xs:fractionDigits value="2"/>'
        ),
        _restriction(
            "new", "xs:decimal", '<xs:totalDigits value="4"/><xs:fractionDigits value="2"/>'
        ),
    )
    assert forward.included is False
    assert backward.included is True
    assert "totalDigits 5 -> 4" in forward.changes


def test_integer_has_no_fraction_digits() -> None:
    forward, _ = _pair(
        _restriction("old", "xs:int"),
        _restriction("new", "xs:decimal", '<xs:fractionDigits value="0"/>'),
    )
    assert forward.included is True


def test_identical_patterns_are_included() -> None:
    facets = '<xs:pattern value="[A-Z]{2}[0-9]+"/>'
    forward, backward = _pair(
        _restriction("old", "xs:string", facets), _restriction("new", "xs:string", facets)
    )
    assert forward.included is True and backward.included is True


def test_pattern_added_on_new_gives_a_witness() -> None:
    forward, backward = _pair(
        _restriction("old", "xs:string", '<xs:maxLength value="5"/>'),
        _restriction("new", "xs:string", '<xs:pattern value="[A-Z]+"/>'),
    )
    assert forward.included is False
    assert backward.included is False  # "AAAAAA" is longer than 5
    assert "pattern '[A-Z]+' added" in forward.changes


def test_changed_pattern_witness_from_old_pattern() -> None:
    forward, backward = _pair(
        _restriction("old", "xs:string", '<xs:pattern value="[A-Z]{2}-[0-9]{3}"/>'),
        _restriction("new", "xs:string", '<xs:pattern value="[A-Z]{2}-[0-9]{2}"/>'),
    )
    assert forward.included is False and forward.witness is not None
    assert backward.included is False


def test_pattern_subset_that_cannot_be_shown_is_unknown() -> None:
    forward, _ = _pair(
        _restriction("old", "xs:string", '<xs:pattern value="a+"/>'),
        _restriction("new", "xs:string", '<xs:pattern value="a*"/>'),
    )
    assert forward.included is None
    assert forward.reason


def test_whitespace_difference_matters_for_lengths() -> None:
    forward, _ = _pair(
        _restriction("old", "xs:token", '<xs:maxLength value="3"/>'),
        _restriction("new", "xs:string", '<xs:maxLength value="3"/>'),
    )
    assert forward.included is False
    assert "whiteSpace collapse -> preserve" in forward.changes


LISTS = """
<xs:simpleType name="codes"><xs:list itemType="xs:int"/></xs:simpleType>
<xs:simpleType name="bigcodes"><xs:list itemType="xs:long"/></xs:simpleType>
"""


def test_list_item_type_widened_and_narrowed() -> None:
    forward, backward = _pair(
        _restriction("old", "codes", '<xs:maxLength value="3"/>'),
        _restriction("new", "bigcodes", '<xs:maxLength value="4"/>'),
        LISTS,
    )
    assert forward.included is True
    assert backward.included is False


def test_list_length_shrinks() -> None:
    forward, _ = _pair(
        _restriction("old", "codes", '<xs:maxLength value="3"/>'),
        _restriction("new", "codes", '<xs:maxLength value="2"/>'),
        LISTS,
    )
    assert forward.included is False and len((forward.witness or "").split()) == 3


def test_list_under_unrestricted_string_is_included() -> None:
    forward, backward = _pair(_restriction("old", "codes"), _restriction("new", "xs:string"), LISTS)
    assert forward.included is True
    assert backward.included is False
    assert forward.changes == ["variety list -> atomic"]


UNIONS = """
<xs:simpleType name="small"><xs:restriction base="xs:int"><xs:maxInclusive value="9"/></xs:restriction></xs:simpleType>
<xs:simpleType name="dateOrSmall"><xs:union memberTypes="xs:date small"/></xs:simpleType>
<xs:simpleType name="dateOrInt"><xs:union memberTypes="xs:date xs:int"/></xs:simpleType>
"""


def test_union_members() -> None:
    forward, backward = _pair(
        _restriction("old", "dateOrSmall"), _restriction("new", "dateOrInt"), UNIONS
    )
    assert forward.included is True
    assert backward.included is False
    assert "member types xs:date small -> xs:date xs:int" in forward.changes


def test_atomic_into_union_and_back() -> None:
    forward, backward = _pair(
        _restriction("old", "small"), _restriction("new", "dateOrInt"), UNIONS
    )
    assert forward.included is True
    assert backward.included is False


def test_identical_type_object() -> None:
    t = _types(_restriction("old", "xs:string"))["old"]
    assert simple_included(t, t) == SimpleInclusion(True, changes=[])
    assert describe_changes(t, t) == []


@pytest.mark.skipif(not UBL.is_dir(), reason="UBL 2.1 schemas not available")
def test_ubl_unqualified_data_types_against_builtins() -> None:
    """Simple content of UBL's unqualified data types (restrictions of complex CCTS types)."""
    schema = xmlschema.XMLSchema(UBL / "common" / "UBL-UnqualifiedDataTypes-2.1.xsd")
    amount = schema.types["AmountType"].content
    builtin = schema.maps.types
    decimal, integer = builtin[f"{{{XS}}}decimal"], builtin[f"{{{XS}}}integer"]
    assert simple_included(amount, decimal).included is True
    result = simple_included(amount, integer)
    _check(result, amount, integer)
    assert result.included is False
    assert "type xs:decimal -> xs:integer" in result.changes


XS = "http://www.w3.org/2001/XMLSchema"


def test_list_item_narrowed_gives_a_list_witness() -> None:
    forward, _ = _pair(_restriction("old", "bigcodes"), _restriction("new", "codes"), LISTS)
    assert forward.included is False
    assert any(len(item) >= 10 for item in (forward.witness or "").split())
    assert "list item: type xs:long -> xs:int" in forward.changes


def test_union_member_narrowed() -> None:
    forward, _ = _pair(_restriction("old", "dateOrInt"), _restriction("new", "dateOrSmall"), UNIONS)
    assert forward.included is False and forward.witness is not None


def test_restricted_new_union_is_not_proven() -> None:
    forward, _ = _pair(
        _restriction("old", "small"),
        _restriction("new", "dateOrInt", '<xs:pattern value="[0-9]"/>'),
        UNIONS,
    )
    assert forward.included is not True


def test_date_bounds_are_never_guessed() -> None:
    forward, backward = _pair(
        _restriction("old", "xs:date", '<xs:maxInclusive value="2020-01-01"/>'),
        _restriction("new", "xs:date", '<xs:maxInclusive value="2021-01-01"/>'),
    )
    assert forward.included is None and forward.reason
    assert backward.included is False and backward.witness == "2021-01-01"


def test_float_range_and_special_values() -> None:
    forward, backward = _pair(
        _restriction("old", "xs:double", '<xs:minInclusive value="0"/>'),
        _restriction("new", "xs:double"),
    )
    assert forward.included is True
    assert backward.included is False


def test_string_enumeration_into_boolean() -> None:
    enum = '<xs:enumeration value="true"/><xs:enumeration value="false"/>'
    forward, backward = _pair(
        _restriction("old", "xs:string", enum), _restriction("new", "xs:boolean")
    )
    assert forward.included is True
    assert backward.included is False and backward.witness in {"1", "0"}


def test_enumeration_with_padded_values_under_preserve() -> None:
    forward, _ = _pair(
        _restriction("old", "xs:token", '<xs:enumeration value="a"/>'),
        _restriction("new", "xs:string", '<xs:enumeration value="a"/>'),
    )
    assert forward.included is False
    assert (forward.witness or "").strip() == "a" and forward.witness != "a"


def test_new_enumeration_over_finite_integer_range_is_unknown_or_decided_soundly() -> None:
    enum = "".join(f'<xs:enumeration value="{v}"/>' for v in (1, 2, 3))
    forward, backward = _pair(
        _restriction(
            "old", "xs:integer", '<xs:minInclusive value="1"/><xs:maxInclusive value="3"/>'
        ),
        _restriction("new", "xs:integer", enum),
    )
    assert forward.included is not False  # 1..3 is exactly {1, 2, 3}
    assert backward.included is True


def test_changes_read_like_a_changelog() -> None:
    forward, _ = _pair(
        _restriction(
            "old", "xs:decimal", '<xs:maxInclusive value="10"/><xs:enumeration value="1"/>'
        ),
        _restriction("new", "xs:integer", '<xs:maxInclusive value="20"/>'),
    )
    assert forward.changes == [
        "type xs:decimal -> xs:integer",
        "maxInclusive 10 -> 20",
        "enumeration removed (any value of the base type allowed)",
    ]
    assert forward.included is False and forward.witness == "1.0"  # value 1, lexically no integer


MATRIX = [
    ("xs:string", ""),
    ("xs:string", '<xs:maxLength value="3"/>'),
    ("xs:token", '<xs:enumeration value="a"/><xs:enumeration value="bb"/>'),
    ("xs:string", '<xs:pattern value="[a-c]+"/>'),
    ("xs:decimal", '<xs:fractionDigits value="1"/>'),
    ("xs:integer", '<xs:minExclusive value="-1"/><xs:maxInclusive value="9"/>'),
    ("xs:int", '<xs:enumeration value="1"/><xs:enumeration value="5"/>'),
    ("xs:short", ""),
    ("xs:double", '<xs:minInclusive value="0"/>'),
    ("xs:date", '<xs:maxInclusive value="2020-01-01"/>'),
    ("xs:boolean", ""),
    ("L", '<xs:maxLength value="2"/>'),
    ("U", ""),
]


def test_no_proof_is_contradicted_by_any_probe() -> None:
    """Every True in a matrix of pairs survives a pool of probes run through the engine."""
    extra = (
        '<xs:simpleType name="L"><xs:list itemType="xs:int"/></xs:simpleType>'
        '<xs:simpleType name="U"><xs:union memberTypes="xs:date xs:short"/></xs:simpleType>'
    )
    body = "".join(_restriction(f"t{i}", b, f) for i, (b, f) in enumerate(MATRIX))
    types = [t for name, t in sorted(_types(body + extra).items()) if name.startswith("t")]
    probes = {"", " ", "a", " a ", "bb", "abc", "abcd", "1", "01", "+1", "-1", "1.0", "1.05"}
    probes |= {"9", "10", "5", "32768", "0", "true", "2020-01-01", "2020-01-02", "1 2", "1 2 3"}
    proofs = 0
    for old, new in ((a, b) for a in types for b in types if a is not b):
        result = simple_included(old, new)
        _check(result, old, new)
        if result.included is True:
            proofs += 1
            assert not [p for p in probes if old.is_valid(p) and not new.is_valid(p)]
    assert proofs >= 10


def test_versions_in_separate_schemas() -> None:
    """OLD and NEW come from two schema files in practice: only built-ins are shared."""
    old = _types(_restriction("t", "xs:int", '<xs:maxInclusive value="10"/>'))["t"]
    new = _types(_restriction("t", "xs:long", '<xs:maxInclusive value="20"/>'))["t"]
    same = _types(_restriction("t", "xs:int", '<xs:maxInclusive value="10"/>'))["t"]
    forward = simple_included(old, new)
    assert forward.included is True
    assert forward.changes == ["type xs:int -> xs:long", "maxInclusive 10 -> 20"]
    backward = simple_included(new, old)
    _check(backward, new, old)
    assert backward.included is False
    assert simple_included(old, same) == SimpleInclusion(True, changes=[])
