"""Large messages are checked without an lxml tree: the parse step streams them, the XSD 1.0
step validates them as libxml2 streams them and builds the tree only to report an invalid
one, so verdicts and findings are those of the tree for every kind of schema error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nif.report import render_json
from nif.validate import Artefact, ArtefactSet, Profile, _step, validate
from nif.validate._step import Document
from nif.validate._xsd import Xsd10Step, load_xsd
from tests.conftest import EN16931, UBL_INVOICE_XSD

SCHEMA = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:t="urn:nif:test:s" targetNamespace="urn:nif:test:s" elementFormDefault="qualified">
  <xs:element name="r">
    <xs:complexType><xs:sequence>
      <xs:element name="item" maxOccurs="unbounded">
        <xs:complexType><xs:sequence>
          <xs:element name="n" type="xs:positiveInteger"/>
          <xs:element name="code" minOccurs="0"><xs:simpleType><xs:restriction base="xs:string">
            <xs:pattern value="[A-Z]{3}"/></xs:restriction></xs:simpleType></xs:element>
          <xs:element name="v" type="xs:decimal" minOccurs="0" nillable="true"/>
        </xs:sequence>
        <xs:attribute name="id" type="xs:ID"/>
        <xs:attribute name="ref" type="xs:IDREF"/>
        <xs:attribute name="kind" type="xs:string" default="plain"/>
        </xs:complexType>
      </xs:element>
    </xs:sequence></xs:complexType>
    <xs:unique name="codes"><xs:selector xpath="t:item"/><xs:field xpath="t:code"/></xs:unique>
    <xs:key name="ns"><xs:selector xpath="t:item"/><xs:field xpath="t:n"/></xs:key>
  </xs:element>
</xs:schema>"""

ITEM = '<item id="i{i}"{ref}>\n<n>{n}</n>\n<code>{code}</code>\n</item>\n'


def message(*, n: str = "7", code: str = "ABC", ref: str = "", extra: str = "") -> bytes:
    """A message of items whose second one carries the variation."""
    items = [ITEM.format(i=1, ref="", n="1", code="XYZ")]
    items.append(ITEM.format(i=2, ref=ref, n=n, code=code))
    return f'<r xmlns="urn:nif:test:s">\n{"".join(items)}{extra}</r>'.encode()


CASES = {
    "valid": message(),
    "valid-idref": message(ref=' ref="i1"'),
    "facet": message(code="abc"),
    "type": message(n="-3"),
    "unique": message(code="XYZ"),
    "key": message(n="1"),
    "dangling-idref": message(ref=' ref="nowhere"'),
    "duplicate-id": message().replace(b'id="i2"', b'id="i1"'),
    "duplicate-id-spaced": message().replace(b'id="i2"', b'id=" i1 "'),
    "duplicate-id-referenced": message().replace(b'id="i2"', b'id="&#105;1"'),
    "unexpected": message(extra="<other/>\n"),
    "valid-nil": message(
        extra='<item><n>3</n><v xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:nil="true"/></item>\n'
    ),
    "nil-with-content": message(
        extra='<item><n>3</n><v xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:nil="true">2</v></item>\n'
    ),
}


@pytest.fixture(scope="module")
def schema_step() -> Xsd10Step:
    uri = "urn:nif:test:s.xsd"
    return Xsd10Step(ArtefactSet(uri, {uri: Artefact(uri, SCHEMA.encode())}))


def reports(monkeypatch: pytest.MonkeyPatch, profile: Profile, content: bytes) -> tuple[str, str]:
    """The JSON report with the tree kept, then with the message counted as large."""
    kept = render_json(validate(content, profile))
    monkeypatch.setattr(_step, "RELEASE_TREE_BYTES", 0)
    streamed = render_json(validate(content, profile))
    monkeypatch.setattr(_step, "RELEASE_TREE_BYTES", 4 * 1024 * 1024)
    return kept, streamed


def _timeless(report: str) -> str:
    data = json.loads(report)
    data.pop("created")
    for step in data["steps"]:
        step.pop("millis", None)
    return json.dumps(data, sort_keys=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_kind_of_schema_error_is_reported_as_from_the_tree(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    schema = tmp_path / "s.xsd"
    schema.write_text(SCHEMA)
    kept, streamed = reports(monkeypatch, Profile.from_files(xsd=schema), CASES[name])
    assert _timeless(streamed) == _timeless(kept)
    if name.startswith("valid"):
        assert '"verdict": "valid"' in kept


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_valid_streamed_message_never_gets_a_tree(schema_step: Xsd10Step, name: str) -> None:
    document = Document.streamed(CASES[name])
    findings = schema_step.check(document).findings
    assert (document.tree is None) == (not findings)
    assert not findings or not name.startswith("valid")


UBL_EXAMPLES = sorted((EN16931 / "ubl/examples").glob("*.xml"))


def test_the_en16931_examples_stream_valid() -> None:
    step = Xsd10Step(load_xsd(UBL_INVOICE_XSD))
    invoices = [p for p in UBL_EXAMPLES if b"<Invoice" in p.read_bytes()[:2000]]
    assert invoices
    for path in invoices:
        document = Document.streamed(path.read_bytes())
        assert step.check(document).findings == []
        assert document.tree is None, path.name


def test_an_invalid_invoice_is_located_as_from_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    content = UBL_EXAMPLES[0].read_bytes().replace(b"<cbc:ID>", b"<cbc:Idx>", 1)
    content = content.replace(b"</cbc:ID>", b"</cbc:Idx>", 1)
    kept, streamed = reports(monkeypatch, Profile.from_files(xsd=UBL_INVOICE_XSD), content)
    assert _timeless(streamed) == _timeless(kept)
    assert '"verdict": "invalid"' in streamed
