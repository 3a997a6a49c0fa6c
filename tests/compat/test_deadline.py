"""The time limit of a comparison: what runs out of time is `unknown`, never a verdict."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nif.compat import compare_files
from nif.compat._deadline import TimeLimitExceeded, check, expired, time_limit

XSD = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t"
  xmlns="urn:t" elementFormDefault="qualified">
  <xs:element name="a"><xs:complexType><xs:sequence>
    <xs:element name="b" type="xs:string" minOccurs="{low}"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"""


def test_check_raises_only_after_the_limit() -> None:
    with time_limit(0.05):
        check()
        assert not expired()
        time.sleep(0.06)
        assert expired()
        with pytest.raises(TimeLimitExceeded, match=r"time limit of 0\.05 s"):
            check()
    check()  # outside the block: no limit


def test_an_inner_limit_does_not_extend_an_outer_one() -> None:
    with time_limit(0.05), time_limit(60):
        time.sleep(0.06)
        assert expired()


@pytest.mark.parametrize("kind", ["xsd", "json"])
def test_a_comparison_out_of_time_is_unknown(tmp_path: Path, kind: str) -> None:
    if kind == "xsd":
        old, new = tmp_path / "old.xsd", tmp_path / "new.xsd"
        old.write_text(XSD.format(low=0))
        new.write_text(XSD.format(low=1))
    else:
        old, new = tmp_path / "old.json", tmp_path / "new.json"
        old.write_text('{"type": "object", "properties": {"b": {"type": "string"}}}')
        new.write_text('{"type": "object", "required": ["b"]}')
    assert compare_files(old, new).messages[0].backward.verdict == "incompatible"
    limited = compare_files(old, new, time_limit=1e-9).messages[0]
    assert limited.backward.verdict == "unknown"
    assert "time limit" in (limited.backward.reason or "")
