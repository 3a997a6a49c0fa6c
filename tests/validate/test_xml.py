"""Safe XML parsing, end to end through `validate`: hostile and malformed messages are findings.

Every case runs against a real XSD profile, so "never valid" also means the XSD step did not
run on a half-parsed document. Secrets on disk and a live local HTTP server prove that nothing
is read or fetched.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from nif.errors import CompileError
from nif.report import Report, Severity, render_json
from nif.settings import Settings
from nif.validate import Artefact, Profile, StepSpec, parse_xml, validate
from nif.validate._xml import expand_internal_subset, parse_artefact
from nif.validate._xsd import load_xsd
from tests.conftest import UBL_XSD, recording_server

DATA = Path(__file__).parent / "data" / "xsd"
ORDER = b"""<Order xmlns="urn:nif:test:order" currency="EUR">
  <ID>AB-1</ID>
  <IssueDate>2024-01-01</IssueDate>
  <Line><Item>XY-2</Item><Quantity>2</Quantity><Price>3.50</Price></Line>
</Order>
"""
SECRET = "nif-secret-7f3a9c"


@pytest.fixture(scope="module")
def profile() -> Profile:
    return Profile((StepSpec("xsd", load_xsd(DATA / "order.xsd")),))


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on loopback that records every request and serves a DTD."""
    with recording_server(f'<!ENTITY leak "{SECRET}">'.encode(), "application/xml-dtd") as (
        url,
        requests,
    ):
        with urllib.request.urlopen(f"{url}/alive", timeout=5) as response:
            assert SECRET.encode() in response.read()
        assert requests == ["/alive"]
        requests.clear()
        yield url, requests


def _rejected(report: Report, rule_id: str) -> str:
    """Assert the message was refused at parse time; return the JSON report."""
    assert report.verdict == "invalid"
    parse = [f for f in report.findings if f.step == "parse"]
    assert [f.rule_id for f in parse] == [rule_id], report.findings
    assert parse[0].severity is Severity.FATAL
    assert parse[0].message
    assert report.steps[0].status == "failed"
    assert all(s.status == "skipped" for s in report.steps[1:])
    return render_json(report)


def test_a_good_order_is_valid(profile: Profile):
    assert validate(ORDER, profile).verdict == "valid"


def test_billion_laughs_is_refused_without_expansion(profile: Profile):
    levels = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE Order [<!ENTITY lol0 "lol">{levels}]>'
    bomb += '<Order xmlns="urn:nif:test:order">&lol9;</Order>'
    report = validate(bomb.encode(), profile)
    text = _rejected(report, "xml.doctype")
    assert "DOCTYPE" in report.findings[0].message
    assert "lollollol" not in text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_external_file_entity_is_never_read(profile: Profile, secret_file: Path, encoding: str):
    message = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<!DOCTYPE Order [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
        '<Order xmlns="urn:nif:test:order" currency="EUR"><ID>&xxe;</ID></Order>'
    ).encode(encoding)
    text = _rejected(validate(message, profile), "xml.doctype")
    assert SECRET not in text


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE Order [<!ENTITY xxe SYSTEM "{url}/entity">]>',
        '<!DOCTYPE Order SYSTEM "{url}/order.dtd">',
        '<!DOCTYPE Order PUBLIC "-//nif//x" "{url}/public.dtd">',
        '<!DOCTYPE Order [<!ENTITY % remote SYSTEM "{url}/param.dtd"> %remote;]>',
    ],
    ids=["entity", "system-dtd", "public-dtd", "parameter-entity"],
)
def test_network_entity_or_dtd_is_never_fetched(
    profile: Profile, server: tuple[str, list[str]], doctype: str
):
    url, requests = server
    message = (
        doctype.format(url=url) + '<Order xmlns="urn:nif:test:order" currency="EUR">'
        "<ID>&xxe;</ID><IssueDate>2024-01-01</IssueDate></Order>"
    )
    text = _rejected(validate(message.encode(), profile), "xml.doctype")
    assert SECRET not in text
    assert requests == []


def test_schema_location_hint_in_the_message_is_not_followed(
    profile: Profile, server: tuple[str, list[str]]
):
    url, requests = server
    message = ORDER.replace(
        b'currency="EUR"',
        b'currency="EUR" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        + f'xsi:schemaLocation="urn:nif:test:order {url}/order.xsd"'.encode(),
    )
    assert validate(message, profile).verdict == "valid"
    assert requests == []


def test_plain_doctype_is_refused(profile: Profile):
    message = b'<?xml version="1.0"?>\n<!DOCTYPE Order>\n' + ORDER
    report = validate(message, profile)
    _rejected(report, "xml.doctype")
    assert report.findings[0].location.line == 2


def test_malformed_xml_says_where(profile: Profile):
    message = b'<Order xmlns="urn:nif:test:order" currency="EUR">\n  <ID>AB-1</Id>\n</Order>'
    report = validate(message, profile)
    _rejected(report, "xml.malformed")
    finding = report.findings[0]
    assert finding.location.line == 2
    assert finding.location.column is not None and finding.location.column > 1
    assert "not well-formed" in finding.message
    assert "ID" in finding.message


def _nested(depth: int) -> bytes:
    return (b"<a>" * depth + b"</a>" * depth).replace(b"<a>", b'<a xmlns="urn:x">', 1)


def test_nesting_beyond_the_configured_depth_is_refused(profile: Profile):
    settings = Settings(max_xml_depth=10)
    assert validate(_nested(10), Profile(()), settings=settings).verdict == "valid"
    report = validate(_nested(11), profile, settings=settings)
    _rejected(report, "xml.too-deep")
    assert "10" in report.findings[0].message


def test_nesting_beyond_the_parser_limit_is_refused(profile: Profile):
    report = validate(_nested(300), profile, settings=Settings(max_xml_depth=10_000))
    _rejected(report, "xml.too-deep")
    assert "256" in report.findings[0].message


def test_message_over_the_size_limit_is_refused_before_parsing(profile: Profile):
    report = validate(ORDER, profile, settings=Settings(max_message_bytes=len(ORDER) - 1))
    _rejected(report, "xml.too-large")
    assert str(len(ORDER)) in report.findings[0].message
    assert validate(ORDER, profile, settings=Settings(max_message_bytes=len(ORDER))).verdict == (
        "valid"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_message_is_parsed_and_validated(profile: Profile, encoding: str):
    text = '<?xml version="1.0" encoding="UTF-16"?>\n' + ORDER.decode()
    content = text.encode(encoding)
    if encoding != "utf-16":
        content = ("\ufeff".encode(encoding)) + content
    report = validate(content, profile)
    assert report.verdict == "valid", report.findings
    bad = validate(text.replace("AB-1", "ab").encode("utf-16"), profile)
    assert bad.verdict == "invalid"
    assert bad.findings[0].location.line == 3


# --- schemas: an internal DTD subset is expanded, never anything external ------------------------

SCHEMA_URI = "file:///bundle/schemas/dsig.xsd"
EXPANDED = b"""<?xml version="1.0"?>
<!DOCTYPE xs:schema [
  <!ATTLIST xs:schema xmlns:t CDATA #FIXED "urn:nif:test:dsig">
  <!ENTITY ns "urn:nif:test:dsig">
  <!ENTITY % unused "">
]>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="&ns;">
  <xs:element name="Signed" type="t:Flag"/>
  <xs:simpleType name="Flag"><xs:restriction base="xs:boolean"/></xs:simpleType>
</xs:schema>
"""


def test_a_schema_gets_its_internal_subset_expanded_a_message_never(profile: Profile):
    root = parse_artefact(Artefact(SCHEMA_URI, EXPANDED))
    assert root.get("targetNamespace") == "urn:nif:test:dsig"
    assert root.nsmap["t"] == "urn:nif:test:dsig"  # the #FIXED default applies
    content = expand_internal_subset(Artefact(SCHEMA_URI, EXPANDED))
    assert b"<!DOCTYPE" not in content and b"&ns;" not in content
    assert etree.fromstring(content).get("targetNamespace") == "urn:nif:test:dsig"
    parsed = parse_xml(EXPANDED, max_bytes=10_000, max_depth=100)
    assert parsed.tree is None and parsed.findings[0].rule_id == "xml.doctype"
    _rejected(validate(EXPANDED, profile), "xml.doctype")


def test_a_doctype_that_changes_nothing_is_blanked_keeping_every_line():
    """UBL's xmldsig module declares entities it never uses: engines then see the file's own
    lines, so their errors point at the right place."""
    published = UBL_XSD / "common" / "UBL-xmldsig-core-schema-2.1.xsd"
    content = published.read_bytes()
    expanded = expand_internal_subset(Artefact(published.resolve().as_uri(), content))
    assert b"<!DOCTYPE" not in expanded and b"<!ENTITY" not in expanded
    assert expanded.splitlines()[40:] == content.splitlines()[40:]
    assert expanded.count(b"\n") == content.count(b"\n")
    schema = etree.fromstring(expanded)
    assert schema.sourceline == etree.fromstring(content).sourceline > 40


def test_a_schema_without_doctype_is_returned_as_it_is():
    content = (DATA / "order.xsd").read_bytes()
    assert expand_internal_subset(Artefact(SCHEMA_URI, content)) is content


@pytest.mark.parametrize(
    ("doctype", "line", "what"),
    [
        ('<!DOCTYPE s [\n<!ENTITY xxe SYSTEM "{secret}">\n]>', 3, "external entity 'xxe'"),
        ('<!DOCTYPE s [\n<!ENTITY xxe SYSTEM "{url}/entity">\n]>', 3, "external entity 'xxe'"),
        ('<!DOCTYPE s [\n\n<!ENTITY % p SYSTEM "{url}/p.dtd">\n%p;\n]>', 4, "entity 'p'"),
        ('<!DOCTYPE s SYSTEM "{url}/s.dtd">', 2, "external DTD subset"),
        ('<!DOCTYPE s PUBLIC "-//nif//x" "{url}/p.dtd" [<!ENTITY a "b">]>', 2, "external DTD"),
        (
            "<!DOCTYPE s [\n<!ENTITY % d '<!ENTITY xxe SYSTEM \"{secret}\">'>\n%d;\n]>",
            3,
            "external entity 'xxe'",
        ),
        (
            '<!DOCTYPE s [\n<!NOTATION n SYSTEM "n">\n<!ENTITY u SYSTEM "{secret}" NDATA n>]>',
            4,
            "'u'",
        ),
    ],
    ids=["file", "network", "parameter", "system-dtd", "public-dtd", "declared-by-pe", "ndata"],
)
def test_an_external_dtd_or_entity_in_a_schema_is_refused_saying_where(
    server: tuple[str, list[str]], secret_file: Path, doctype: str, line: int, what: str
):
    url, requests = server
    content = (
        '<?xml version="1.0"?>\n'
        + doctype.format(url=url, secret=secret_file.as_uri())
        + '\n<s xmlns="urn:x">&xxe;</s>'.replace("&xxe;", "&xxe;" if "xxe" in doctype else "")
    ).encode()
    with pytest.raises(CompileError) as caught:
        parse_artefact(Artefact(SCHEMA_URI, content))
    message = str(caught.value)
    assert message.startswith(f"{SCHEMA_URI}, line {line}: the DOCTYPE declares "), message
    assert what in message and "nif reads no external DTD or entity" in message
    assert SECRET not in message
    assert requests == []


def test_billion_laughs_in_a_schema_is_stopped_by_the_amplification_bound():
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    content = (
        f'<?xml version="1.0"?>\n<!DOCTYPE s [<!ENTITY l0 "lol">{levels}]>\n'
        '<s xmlns="urn:x">&l9;</s>'
    ).encode()
    parsed = parse_xml(content, max_bytes=len(content), max_depth=100, internal_subset=True)
    assert parsed.tree is None
    (finding,) = parsed.findings
    assert finding.rule_id == "xml.malformed" and "amplification" in finding.message
    with pytest.raises(CompileError, match=r"dsig\.xsd, line \d: .*amplification"):
        expand_internal_subset(Artefact(SCHEMA_URI, content))


def test_a_doctype_behind_a_comment_is_still_refused_and_nothing_fetched(
    profile: Profile, server: tuple[str, list[str]]
):
    url, requests = server
    message = f'<!-- <a> --><!DOCTYPE Order SYSTEM "{url}/order.dtd">'.encode() + ORDER
    _rejected(validate(message, profile), "xml.doctype")
    assert requests == []
