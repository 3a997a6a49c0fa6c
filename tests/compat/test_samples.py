"""The shared sample values: every candidate a pattern yields is checked by a real engine here."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
import xmlschema

from nif.compat._samples import (
    SAMPLES,
    around,
    pattern_strings,
    primitive_samples,
    regex_strings,
    sized,
)

XSD = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{}</xs:schema>'


def _xsd_type(base: str, facets: str) -> xmlschema.validators.XsdSimpleType:
    body = f'<xs:simpleType name="t"><xs:restriction base="{base}">{facets}</xs:restriction>'
    schema = xmlschema.XMLSchema(XSD.format(body + "</xs:simpleType>"))
    xsd_type = schema.types["t"]
    assert isinstance(xsd_type, xmlschema.validators.XsdSimpleType)
    return xsd_type


@pytest.mark.parametrize(
    "pattern", ["[A-Z]{2}-[0-9]{3}", "(ab|cd)+x?", "[^0-9]\\d*", "\\i\\c*", "[a-z-[aeiou]]{2}"]
)
def test_xsd_pattern_strings_are_accepted_by_the_type(pattern: str) -> None:
    xsd_type = _xsd_type("xs:string", f'<xs:pattern value="{pattern}"/>')
    compiled = xsd_type.patterns.patterns[0]  # type: ignore[union-attr]
    samples = regex_strings(compiled)
    assert all(xsd_type.is_valid(s) for s in samples), samples
    assert samples or pattern in ("\\i\\c*",)  # exotic classes may yield nothing, never wrong


def test_alternatives_and_lengths_are_varied() -> None:
    compiled = re.compile(r"^(ab|cd)+x?$")
    samples = regex_strings(compiled)
    assert samples[0] == "ab"
    assert "cd" in samples and any(len(s) > 4 for s in samples)
    assert len(set(samples)) == len(samples)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("^IS-[0-9]{4}$", "IS-0000"), ("^(foo|bar)+x?$", "foo"), ("^\\w+@\\w+\\.\\w{2,}$", "a@a.aa")],
)
def test_ecma_pattern_first_string_is_minimal_and_matches(pattern: str, expected: str) -> None:
    samples = pattern_strings(pattern)
    assert samples[0] == expected
    validator = jsonschema_rs.validator_for({"pattern": pattern})
    assert all(validator.is_valid(s) for s in samples), samples


def test_negated_class_avoids_ranges() -> None:
    assert all(re.fullmatch("[^a-z0-9]+", s) for s in pattern_strings("[^a-z0-9]+"))


def test_unparsable_or_unrendered_patterns_give_nothing() -> None:
    assert pattern_strings("(") == []
    assert pattern_strings(r"(a)\1") == []


def test_primitive_samples_are_valid_for_their_builtin() -> None:
    schema = xmlschema.XMLSchema(XSD.format(""))
    for primitive, values in SAMPLES.items():
        if primitive in ("QName", "NOTATION"):
            continue  # need namespace context
        builtin = schema.maps.types[f"{{http://www.w3.org/2001/XMLSchema}}{primitive}"]
        assert all(builtin.is_valid(v) for v in values), primitive
    assert primitive_samples("no-such") == SAMPLES["string"]


def test_around_gives_neighbours_of_numbers_only() -> None:
    assert around("10")[:3] == ["10", "9", "11"]
    assert "9.9" in around("10") and "10.001" in around("10")
    assert around("2000-01-01") == ["2000-01-01"]
    assert around("INF") == ["INF"]


def test_sized_skips_missing_and_huge_lengths() -> None:
    assert list(sized([None, 2, 20000])) == ["aa", "00", "11", "AA", "0000"]
