"""XSD steps: XSD 1.0 (libxml2) and 1.1 (xmlschema), schema sets closed over imports, findings,
fail-closed compile errors, and every EN16931 example invoice valid against its real XSD."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import etree

from nif.errors import CompileError, ResolutionError
from nif.report import Severity, render_json
from nif.validate import Artefact, ArtefactSet, Profile, StepSpec, validate
from nif.validate._step import Document
from nif.validate._xsd import (
    Xsd10Step,
    Xsd11Step,
    _engine_bytes,
    compile_xsd,
    load_xsd,
    xsd_references,
)
from tests.conftest import (
    CII_XSD,
    EN16931,
    UBL_CREDITNOTE_XSD,
    UBL_INVOICE_XSD,
    recording_server,
)

DATA = Path(__file__).parent / "data" / "xsd"
ORDER = """<o:Order xmlns:o="urn:nif:test:order" currency="EUR">
  <o:ID>AB-1</o:ID>
  <o:IssueDate>2024-01-01</o:IssueDate>
  <o:Line><o:Item>XY-2</o:Item><o:Quantity>2</o:Quantity><o:Price>3.50</o:Price></o:Line>
  <o:Line><o:Item>XY-3</o:Item><o:Quantity>1</o:Quantity><o:Price>10</o:Price></o:Line>
</o:Order>
"""
SHIPMENT = """<Shipment xmlns="urn:nif:test:shipment">
  <ID>SH-1</ID>
  <Package kind="box"><Weight>2</Weight></Package>
  <Package kind="pallet"><Weight>5</Weight><Layers>3</Layers></Package>
  <TotalWeight>7</TotalWeight>
</Shipment>
"""


def xsd_profile(path: Path, version: str | None = None) -> Profile:
    return Profile((StepSpec("xsd", load_xsd(path), xsd_version=version),))


def check(step: Xsd10Step | Xsd11Step, text: str):
    tree = etree.fromstring(text.encode()).getroottree()
    return step.check(Document(text.encode(), tree=tree)).findings


def uri(name: str) -> str:
    return (DATA / name).resolve().as_uri()


# --- schema sets ---------------------------------------------------------------------------------


def test_references_are_every_import_include_redefine_and_override():
    schema = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
      <xs:import namespace="urn:a" schemaLocation="a.xsd"/>
      <xs:import namespace="urn:no-location"/>
      <xs:include schemaLocation=" sub/b.xsd "/>
      <xs:redefine schemaLocation="c.xsd"/>
      <xs:override schemaLocation="http://example.org/d.xsd"/>
      <xs:element name="x" type="xs:string"/>
    </xs:schema>"""
    refs = xsd_references(Artefact("file:///s/main.xsd", schema))
    assert refs == ["a.xsd", "sub/b.xsd", "c.xsd", "http://example.org/d.xsd"]


def test_load_closes_over_imports_and_includes_across_folders():
    artefacts = load_xsd(DATA / "order.xsd")
    assert artefacts.main == uri("order.xsd")
    assert set(artefacts.parts) == {
        uri("order.xsd"),
        uri("order-lines.xsd"),
        uri("common/types.xsd"),
    }


def test_a_missing_import_names_the_file_and_the_reference():
    with pytest.raises(ResolutionError) as caught:
        load_xsd(DATA / "missing-import.xsd")
    message = str(caught.value)
    assert "missing-import.xsd" in message
    assert "common/no-such-types.xsd" in message


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A live loopback HTTP server that would serve a schema and records every request."""
    with recording_server((DATA / "common" / "types.xsd").read_bytes(), "application/xml") as live:
        yield live


def _http_importing_schema(tmp_path: Path, url: str, version: str = "1.0") -> Path:
    path = tmp_path / "remote.xsd"
    path.write_text(
        f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
             xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="{version}"
             xmlns:t="urn:nif:test:types" targetNamespace="urn:nif:test:remote">
          <xs:import namespace="urn:nif:test:types" schemaLocation="{url}/types.xsd"/>
          <xs:element name="Code" type="t:Identifier"/>
        </xs:schema>"""
    )
    return path


def test_an_http_import_is_refused_when_loading(tmp_path: Path, server: tuple[str, list[str]]):
    url, requests = server
    path = _http_importing_schema(tmp_path, url)
    with pytest.raises(ResolutionError) as caught:
        load_xsd(path)
    assert "remote.xsd" in str(caught.value)
    assert f"{url}/types.xsd" in str(caught.value)
    assert "refused" in str(caught.value)
    assert requests == []


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_an_import_outside_the_set_is_refused_when_compiling(
    tmp_path: Path, server: tuple[str, list[str]], version: str
):
    url, requests = server
    path = _http_importing_schema(tmp_path, url, version)
    profile = Profile((StepSpec("xsd", ArtefactSet.single(Artefact.from_path(path))),))
    report = validate(b'<r:Code xmlns:r="urn:nif:test:remote">AB-1</r:Code>', profile)
    assert report.verdict == "error"
    step = report.steps[-1]
    assert step.status == "error"
    assert f"refused to load {url}/types.xsd" in step.error
    assert requests == []


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_pinned_parts_are_served_from_the_set_whatever_their_uri(version: str):
    base = "https://registry.example.org/schemas/"
    parts = {
        base + name: Artefact(base + name, (DATA / name).read_bytes())
        for name in ("order.xsd", "order-lines.xsd", "common/types.xsd")
    }
    step = compile_xsd(ArtefactSet(base + "order.xsd", parts), version)
    assert check(step, ORDER) == []
    del parts[base + "order-lines.xsd"]
    with pytest.raises(CompileError, match=r"refused to load .*order-lines\.xsd"):
        compile_xsd(ArtefactSet(base + "order.xsd", parts), version)


# --- XSD 1.0 -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def order() -> Xsd10Step:
    step = compile_xsd(load_xsd(DATA / "order.xsd"))
    assert isinstance(step, Xsd10Step)
    return step


def test_xsd10_step_describes_itself(order: Xsd10Step):
    assert (order.kind, order.media, order.name) == ("xsd", "xml", "xsd:order.xsd")
    engine, version = order.engine
    assert engine == "libxml2 via lxml"
    assert version.startswith(".".join(map(str, etree.LIBXML_VERSION)))


def test_xsd10_valid_order_has_no_findings(order: Xsd10Step):
    assert check(order, ORDER) == []


def test_xsd10_findings_say_what_and_where(order: Xsd10Step):
    bad = ORDER.replace("<o:Quantity>1<", "<o:Quantity>0<").replace('"EUR"', '"GBP"')
    bad = bad.replace("</o:Order>", "<o:Note>late</o:Note>\n</o:Order>")
    findings = check(order, bad)
    by_rule = {f.rule_id: f for f in findings}
    assert set(by_rule) == {
        "SCHEMAV_CVC_ENUMERATION_VALID",
        "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
        "SCHEMAV_ELEMENT_CONTENT",
    }
    assert all(f.severity is Severity.ERROR and f.step == "xsd:order.xsd" for f in findings)
    quantity = by_rule["SCHEMAV_CVC_DATATYPE_VALID_1_2_1"]
    assert quantity.location.line == 5
    assert quantity.location.xpath == "/o:Order/o:Line[2]/o:Quantity"
    assert quantity.message.startswith("Element 'o:Quantity': '0' is not a valid value")
    note = by_rule["SCHEMAV_ELEMENT_CONTENT"]
    assert (note.location.line, note.location.xpath) == (6, "/o:Order/o:Note")
    assert "{urn:nif:test:order}" not in note.message
    assert "Expected is ( o:Line )" in note.message
    assert "'GBP'" in by_rule["SCHEMAV_CVC_ENUMERATION_VALID"].message


def test_xpath_of_a_finding_selects_the_element(order: Xsd10Step):
    bad = ORDER.replace("<o:Price>10<", "<o:Price>10.001<")
    tree = etree.fromstring(bad.encode()).getroottree()
    (finding,) = order.check(Document(bad.encode(), tree=tree)).findings
    (element,) = tree.xpath(finding.location.xpath, namespaces={"o": "urn:nif:test:order"})
    assert element.text == "10.001"
    assert element.sourceline == finding.location.line


def test_xsd10_step_is_safe_to_share_between_threads(order: Xsd10Step):
    messages = [
        ORDER if i % 2 else ORDER.replace("<o:ID>AB-1<", f"<o:ID>bad-{i}<") for i in range(200)
    ]

    def run(i: int) -> tuple[int, list[str]]:
        return i, [f.message for f in check(order, messages[i])]

    with ThreadPoolExecutor(8) as pool:
        for i, messages_found in pool.map(run, range(len(messages))):
            if i % 2:
                assert messages_found == []
            else:
                assert len(messages_found) == 1 and f"'bad-{i}'" in messages_found[0]


# --- XSD 1.1 -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipment() -> Xsd11Step:
    step = compile_xsd(load_xsd(DATA / "shipment-11.xsd"))
    assert isinstance(step, Xsd11Step), "vc:minVersion='1.1' chooses XSD 1.1"
    return step


def test_xsd11_step_describes_itself(shipment: Xsd11Step):
    assert shipment.engine[0] == "xmlschema"
    assert uri("common/types.xsd") in {ref.uri for ref in shipment.refs()}


def test_xsd11_valid_shipment_has_no_findings(shipment: Xsd11Step):
    assert check(shipment, SHIPMENT) == []


def test_xsd11_assertion_failure_is_a_finding(shipment: Xsd11Step):
    (finding,) = check(shipment, SHIPMENT.replace(">7<", ">8<"))
    assert finding.rule_id == "xsd11:assert"
    assert finding.test == "TotalWeight = sum(Package/Weight)"
    assert "TotalWeight = sum(Package/Weight)" in finding.message
    assert "Shipment" in finding.message
    assert (finding.location.line, finding.location.xpath) == (1, "/Shipment")
    assert finding.schema_location == uri("shipment-11.xsd")


def test_xsd11_type_alternative_is_chosen_by_attribute(shipment: Xsd11Step):
    box_with_layers = SHIPMENT.replace(
        '<Package kind="box"><Weight>2</Weight>',
        '<Package kind="box"><Weight>2</Weight><Layers>1</Layers>',
    )
    (finding,) = check(shipment, box_with_layers)
    assert finding.rule_id == "xsd11:content"
    assert "Layers" in finding.message and "Package" in finding.message
    assert (finding.location.line, finding.location.xpath) == (3, "/Shipment/Package[1]")
    pallet_without_layers = SHIPMENT.replace("<Layers>3</Layers>", "")
    (finding,) = check(shipment, pallet_without_layers)
    assert "Layers" in finding.message
    assert (finding.location.line, finding.location.xpath) == (4, "/Shipment/Package[2]")


def test_xsd11_imported_types_are_checked(shipment: Xsd11Step):
    (finding,) = check(shipment, SHIPMENT.replace("SH-1", "sh1"))
    assert finding.rule_id == "xsd11:value"
    assert "sh1" in finding.message
    assert finding.location.xpath == "/Shipment/ID"


def test_xsd11_assertion_that_cannot_be_evaluated_says_why(shipment: Xsd11Step):
    findings = check(shipment, SHIPMENT.replace("<Weight>2<", "<Weight>two<"))
    assert {f.rule_id for f in findings} == {"xsd11:value", "xsd11:assert"}
    value = next(f for f in findings if f.rule_id == "xsd11:value")
    assert "'two'" in value.message and value.location.line == 3
    (assertion,) = (f for f in findings if f.rule_id == "xsd11:assert")
    assert "'TotalWeight = sum(Package/Weight)' failed: " in assertion.message
    assert "FORG0006" in assertion.message


def test_version_can_be_forced():
    assert isinstance(compile_xsd(load_xsd(DATA / "order.xsd"), "1.1"), Xsd11Step)
    with pytest.raises(CompileError, match="line 32: Element 'xs:element'"):
        compile_xsd(load_xsd(DATA / "shipment-11.xsd"), "1.0")


def test_a_bad_version_declaration_is_a_compile_error(tmp_path: Path):
    path = tmp_path / "v.xsd"
    path.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="one"/>'
    )
    with pytest.raises(CompileError, match="vc:minVersion 'one'"):
        compile_xsd(load_xsd(path))


# --- fail closed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0", "line 6: .*Missing' does not resolve to a\\(n\\) type definition"),
        ("1.1", "line 6: unknown type 'Missing'"),
    ],
)
def test_a_schema_that_does_not_compile_gives_verdict_error(version: str, expected: str):
    profile = xsd_profile(DATA / "broken.xsd", version)
    report = validate(b'<Thing xmlns="urn:nif:test:broken"/>', profile)
    assert report.verdict == "error"
    step = report.steps[-1]
    assert step.status == "error"
    assert "broken.xsd" in step.error
    assert re.search(expected, step.error), step.error


def test_a_schema_that_is_not_well_formed_says_where(tmp_path: Path):
    path = tmp_path / "bad.xsd"
    path.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">\n<xs:element>\n')
    with pytest.raises(CompileError, match=r"bad\.xsd, line 3: not well-formed"):
        load_xsd(path)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_a_billion_laughs_schema_part_is_refused_by_either_engine(tmp_path: Path, version: str):
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = Artefact(
        (tmp_path / "bomb.xsd").as_uri(),
        (
            f'<!DOCTYPE xs:schema [<!ENTITY l0 "lol">{levels}]>'
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:bomb">'
            '<xs:element name="a" type="xs:string" fixed="&l9;"/></xs:schema>'
        ).encode(),
    )
    main = Artefact(
        (tmp_path / "main.xsd").as_uri(),
        b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        b'<xs:import namespace="urn:bomb" schemaLocation="bomb.xsd"/></xs:schema>',
    )
    with pytest.raises(CompileError, match=r"bomb\.xsd, line 1: .*amplification"):
        xsd_references(bomb)
    with pytest.raises(CompileError, match=r"bomb\.xsd.*amplification"):
        compile_xsd(ArtefactSet(main.uri, {main.uri: main, bomb.uri: bomb}), version)


def test_a_document_that_is_not_a_schema_is_a_compile_error(tmp_path: Path):
    path = tmp_path / "order.xml"
    path.write_text(ORDER)
    with pytest.raises(CompileError, match="not an XML Schema"):
        compile_xsd(load_xsd(path))


def test_report_lists_the_artefacts_with_their_sha256():
    report = validate(ORDER.encode(), xsd_profile(DATA / "order.xsd"))
    assert report.verdict == "valid"
    step = json.loads(render_json(report))["steps"][1]
    assert step["kind"] == "xsd"
    assert step["engine"] == "libxml2 via lxml"
    assert step["artefacts"][0]["uri"] == uri("order.xsd")
    expected = {
        uri(name): hashlib.sha256((DATA / name).read_bytes()).hexdigest()
        for name in ("order.xsd", "order-lines.xsd", "common/types.xsd")
    }
    assert {a["uri"]: a["sha256"] for a in step["artefacts"]} == expected


def test_invalid_message_gives_verdict_invalid_with_findings_in_the_report():
    report = validate(ORDER.replace("AB-1", "x").encode(), xsd_profile(DATA / "order.xsd"))
    assert report.verdict == "invalid"
    (finding,) = json.loads(render_json(report))["findings"]
    assert finding["severity"] == "error"
    assert finding["rule_id"] == "SCHEMAV_CVC_PATTERN_VALID"
    assert finding["location"] == {"line": 2, "xpath": "/o:Order/o:ID"}


# --- EN16931: every example invoice is valid against its real XSD --------------------------------

SCHEMAS = {
    "Invoice": UBL_INVOICE_XSD,
    "CreditNote": UBL_CREDITNOTE_XSD,
    "CrossIndustryInvoice": CII_XSD,
}
INVOICES = sorted(
    path
    for folder in ("ubl/examples", "cii/examples", "test/testfiles")
    for path in (EN16931 / folder).glob("*")
    if path.suffix.lower() == ".xml"
)


@pytest.fixture(scope="module")
def profiles() -> dict[str, Profile]:
    return {root: xsd_profile(path) for root, path in SCHEMAS.items()}


def test_the_example_invoices_are_all_there():
    assert len(INVOICES) >= 60


@pytest.mark.parametrize("path", INVOICES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_en16931_invoice_is_valid_against_its_xsd(path: Path, profiles: dict[str, Profile]):
    content = path.read_bytes()
    root = etree.QName(etree.fromstring(content)).localname
    report = validate(content, profiles[root], source=path.name)
    assert report.verdict == "valid", [f.message for f in report.findings]
    assert report.steps[-1].status == "passed"


@pytest.mark.slow
def test_ubl_invoice_validates_under_forced_xsd11_too():
    """UBL's xmldsig module declares entities in a DOCTYPE; XSD 1.1 still loads it safely."""
    path = EN16931 / "ubl" / "examples" / "ubl-tc434-example1.xml"
    report = validate(path.read_bytes(), xsd_profile(UBL_INVOICE_XSD, "1.1"))
    assert report.steps[-1].engine == "xmlschema"
    assert report.verdict == "valid", [f.message for f in report.findings]


# --- schemas as published: internal DTD subsets, locations with spaces ---------------------------

SIGNED = '<Signed xmlns="urn:nif:test:dsig">true</Signed>'


def _dsig_set(tmp_path: Path, dsig: str) -> ArtefactSet:
    """A main schema importing a module that declares things in its internal DTD subset."""
    (tmp_path / "dsig.xsd").write_text(dsig)
    (tmp_path / "main.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:main">\n'
        '  <xs:import namespace="urn:nif:test:dsig" schemaLocation="dsig.xsd"/>\n'
        "</xs:schema>\n"
    )
    return load_xsd(tmp_path / "main.xsd")


DSIG = """<?xml version="1.0"?>
<!DOCTYPE xs:schema [
  <!ATTLIST xs:schema xmlns:t CDATA #FIXED "urn:nif:test:dsig">
  <!ENTITY ns "urn:nif:test:dsig">
]>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="&ns;"
           elementFormDefault="qualified">
  <xs:element name="Signed" type="t:Flag"/>
  <xs:simpleType name="Flag"><xs:restriction base="xs:boolean"/></xs:simpleType>
</xs:schema>
"""


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_an_internal_subset_is_expanded_for_either_engine(tmp_path: Path, version: str):
    step = compile_xsd(_dsig_set(tmp_path, DSIG), version)
    assert check(step, SIGNED) == []
    assert check(step, SIGNED.replace("true", "yes"))


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize("needed", [False, True], ids=["unused-doctype", "expanded"])
def test_a_schema_error_after_a_doctype_names_the_line_in_the_file(
    tmp_path: Path, version: str, needed: bool
):
    """Whether the DOCTYPE declares what the schema does not need (as UBL's xmldsig module
    does) or what it needs, the engines report the line in the file."""
    dsig = DSIG.replace('type="t:Flag"', 'type="t:Nope"')
    if not needed:
        dsig = dsig.replace("&ns;", "urn:nif:test:dsig").replace(
            'elementFormDefault="qualified"', 'xmlns:t="urn:nif:test:dsig"'
        )
    with pytest.raises(CompileError, match=r"dsig\.xsd, line 8\b") as caught:
        compile_xsd(_dsig_set(tmp_path, dsig), version)
    assert "Nope" in str(caught.value)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_an_external_entity_in_an_imported_schema_is_a_compile_error(
    tmp_path: Path, version: str, server: tuple[str, list[str]]
):
    url, requests = server
    dsig = DSIG.replace("]>", f'<!ENTITY ext SYSTEM "{url}/types.xsd">\n]>', 1)
    artefacts = _dsig_set(tmp_path, DSIG)
    dsig_uri = (tmp_path / "dsig.xsd").as_uri()
    parts = {**artefacts.parts, dsig_uri: Artefact(dsig_uri, dsig.encode())}
    with pytest.raises(CompileError, match=r"dsig\.xsd, line 5: the DOCTYPE declares the external"):
        compile_xsd(ArtefactSet(artefacts.main, parts), version)
    assert requests == []


TYPES_SPACED = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">
  <xs:simpleType name="Code">
    <xs:restriction base="xs:string"><xs:pattern value="[A-Z]+"/></xs:restriction>
  </xs:simpleType>
</xs:schema>
"""


def _spaced_set(tmp_path: Path, location: str) -> ArtefactSet:
    folder = tmp_path / "My Schemas"
    (folder / "common").mkdir(parents=True)
    (folder / "common" / "My Types.xsd").write_text(TYPES_SPACED)
    (folder / "main.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t"\n'
        '           targetNamespace="urn:main" elementFormDefault="qualified">\n'
        f"  <xs:import namespace='urn:t' schemaLocation='{location}'/>\n"
        '  <xs:element name="Code" type="t:Code"/>\n'
        "</xs:schema>\n"
    )
    return load_xsd(folder / "main.xsd")


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize("location", ["common/My Types.xsd", "common/My%20Types.xsd"])
def test_a_schema_location_with_a_space_compiles_either_way_it_is_written(
    tmp_path: Path, location: str, version: str
):
    artefacts = _spaced_set(tmp_path, location)
    assert set(artefacts.parts) == {
        (tmp_path / "My Schemas" / "main.xsd").as_uri(),
        (tmp_path / "My Schemas" / "common" / "My Types.xsd").as_uri(),
    }
    assert all(" " not in uri for uri in artefacts.parts)
    step = compile_xsd(artefacts, version)
    assert check(step, '<Code xmlns="urn:main">ABC</Code>') == []
    (finding,) = check(step, '<Code xmlns="urn:main">abc</Code>')
    assert "abc" in finding.message


def test_references_are_written_as_uris():
    schema = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
      <xs:include schemaLocation="My Types.xsd"/>
      <xs:include schemaLocation=" My%20Other%20Types.xsd  "/>
      <xs:include schemaLocation="Kommun\xc3\xa5l.xsd"/>
    </xs:schema>"""
    refs = xsd_references(Artefact("file:///s/main.xsd", schema))
    assert refs == ["My%20Types.xsd", "My%20Other%20Types.xsd", "Kommun%C3%A5l.xsd"]


def test_only_schema_locations_are_rewritten_and_lines_stay():
    schema = Artefact(
        "file:///s/main.xsd",
        b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:a a b.xsd">
  <xs:include schemaLocation='My Types.xsd'/>
  <xs:include schemaLocation=" sub/b.xsd "/>
  <xs:include schemaLocation="Other%20Types.xsd"/>
</xs:schema>""",
    )
    expected = schema.content.replace(b"'My Types.xsd'", b'"My%20Types.xsd"')
    assert _engine_bytes(schema) == expected.replace(b'" sub/b.xsd "', b'"sub/b.xsd"')
