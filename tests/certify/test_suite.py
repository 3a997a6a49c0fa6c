"""Parsing conformance suites: the model, the suite hash, and a clear error for each mistake."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from nif.certify import CaseKind, available, find_suite, load_suite
from nif.errors import InputError, NotFoundError, RecordSyntaxError

MT = "https://registry.nif.example/interface/demo/1.0.0/"
PREFIXES = f"""\
@prefix mf: <http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#> .
@prefix earl: <http://www.w3.org/ns/earl#> .
@prefix nif: <https://w3id.org/nif/ns#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mt: <{MT}> .
"""
PRODUCE = """\
<#produce> a earl:TestCase, nif:ProduceTest ;
  dct:identifier "produce" ; dct:title "Produces"@en ; dct:description "Produces a reply."@en ;
  nif:mandatory true ;
  nif:expectedType mt:Reply ;
  nif:assertion [ nif:xpath "/r:Reply/r:Id" ;
                  sh:declare [ sh:prefix "r" ; sh:namespace "urn:r" ] ;
                  nif:expectedValue "42" ; dct:description "Answers 42."@en ] .
"""
CONSUME = """\
<#consume> a earl:TestCase, nif:ConsumeTest ;
  dct:identifier "consume" ; dct:title "Consumes"@en ; dct:description "Answers a request."@en ;
  nif:mandatory false ;
  mf:action <messages/request.json> ;
  nif:sentType mt:Request ;
  nif:expectedType mt:Reply ;
  nif:assertion [ nif:jsonPointer "/requestId" ; nif:expectedValue "r-1" ] ,
                [ nif:jsonPointer "/answer" ] .
"""
REJECT = """\
<#reject> a earl:TestCase, nif:RejectTest ;
  dct:identifier "reject" ; dct:title "Rejects"@en ; dct:description "Refuses junk."@en ;
  nif:mandatory true ;
  mf:action <messages/invalid.json> ;
  nif:sentType mt:Request ;
  nif:refusalStatus 422, 400 ;
  nif:refusalType mt:Error .
"""
ENTRIES = '<> a mf:Manifest ; rdfs:label "Demo suite"@en ; rdfs:comment "All kinds."@en ;\n  mf:entries ( <#produce> <#consume> <#reject> ) .\n'


def write_suite(root: Path, manifest: str, files: dict[str, bytes] | None = None) -> Path:
    folder = root / "demo" / "1.0.0"
    (folder / "messages").mkdir(parents=True, exist_ok=True)
    for name, content in (
        files
        if files is not None
        else {"messages/request.json": b'{"requestId": "r-1"}', "messages/invalid.json": b"{"}
    ).items():
        (folder / name).write_bytes(content)
    (folder / "manifest.ttl").write_text(PREFIXES + manifest, encoding="utf-8")
    return folder


def good(tmp_path: Path) -> Path:
    return write_suite(tmp_path, ENTRIES + PRODUCE + CONSUME + REJECT)


def test_a_suite_parses_into_its_cases(tmp_path: Path) -> None:
    suite = load_suite(good(tmp_path))
    assert (suite.interface, suite.version) == ("demo", "1.0.0")
    assert (suite.title, suite.description) == ("Demo suite", "All kinds.")
    assert suite.iri == "https://registry.nif.example/conformance/demo/1.0.0/manifest.ttl"
    assert [c.identifier for c in suite.cases] == ["produce", "consume", "reject"]
    assert [c.kind for c in suite.cases] == [CaseKind.PRODUCE, CaseKind.CONSUME, CaseKind.REJECT]
    assert [c.identifier for c in suite.mandatory] == ["produce", "reject"]

    produce = suite.case("produce")
    assert produce.iri == suite.iri + "#produce"
    assert (produce.title, produce.description) == ("Produces", "Produces a reply.")
    assert produce.expected_type == MT + "Reply" and produce.message is None
    (check,) = produce.assertions
    assert (check.language, check.expression, check.expected) == ("xpath", "/r:Reply/r:Id", "42")
    assert check.namespaces == (("r", "urn:r"),) and check.description == "Answers 42."

    consume = suite.case("consume")
    assert consume.message == "messages/request.json"
    assert suite.message(consume) == b'{"requestId": "r-1"}'
    assert (consume.sent_type, consume.expected_type) == (MT + "Request", MT + "Reply")
    assert [(a.language, a.expression, a.expected) for a in consume.assertions] == [
        ("json-pointer", "/answer", None),
        ("json-pointer", "/requestId", "r-1"),
    ]

    reject = suite.case("reject")
    assert suite.message(reject) == b"{"
    assert reject.refusal_statuses == (400, 422)
    assert reject.refusal_types == (MT + "Error",)
    assert reject.message_types == (MT + "Request", MT + "Error")
    assert [f.path for f in suite.files] == [
        "manifest.ttl",
        "messages/request.json",
        "messages/invalid.json",
    ]


def test_an_unknown_case_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"no case 'nope' .*produce, consume, reject"):
        load_suite(good(tmp_path)).case("nope")


def test_the_suite_hash_is_stable_and_covers_every_file(tmp_path: Path) -> None:
    first = load_suite(good(tmp_path / "a")).sha256
    assert first == load_suite(good(tmp_path / "b")).sha256
    assert len(first) == 64

    folder = good(tmp_path / "c")
    (folder / "messages" / "invalid.json").write_bytes(b"[")
    assert load_suite(folder).sha256 != first

    folder = good(tmp_path / "d")
    with (folder / "manifest.ttl").open("a") as manifest:
        manifest.write("# a comment changes the manifest\n")
    assert load_suite(folder).sha256 != first

    folder = good(tmp_path / "e")
    (folder / "messages" / "unused.json").write_bytes(b"{}")
    assert load_suite(folder).sha256 == first


def test_the_shipped_suites_are_found() -> None:
    assert ("civreg-birth", "2.0.0") in available()
    suite = find_suite("civreg-birth", "2.0.0")
    assert suite.cases and suite.interface == "civreg-birth"


def test_a_missing_suite_says_which_exist(tmp_path: Path) -> None:
    good(tmp_path)
    with pytest.raises(NotFoundError, match=r"no conformance suite for demo@9\.9\.9 .*1\.0\.0"):
        find_suite("demo", "9.9.9", root=tmp_path)
    with pytest.raises(NotFoundError, match=r"no conformance suite for other@1\.0\.0$"):
        find_suite("other", "1.0.0", root=tmp_path)
    with pytest.raises(NotFoundError, match=re.escape("bad name '..'")):
        find_suite("..", "1.0.0", root=tmp_path / "demo")


def test_a_missing_manifest_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"manifest\.ttl: cannot read the manifest"):
        load_suite(tmp_path / "demo" / "1.0.0")


def test_a_syntax_error_says_where(tmp_path: Path) -> None:
    folder = write_suite(
        tmp_path, ENTRIES + PRODUCE.replace(" ;\n  nif:mandatory", " \n  nif:mandatory")
    )
    with pytest.raises(RecordSyntaxError, match=r"manifest\.ttl: .*line"):
        load_suite(folder)


# (id, block edited, text replaced, replacement, what the error says)
EDITS = [
    (
        "not a test case",
        "produce",
        "a earl:TestCase, nif:ProduceTest",
        "a nif:ProduceTest",
        "case <#produce> is listed in mf:entries but is not an earl:TestCase",
    ),
    (
        "two kinds",
        "produce",
        "nif:ProduceTest",
        "nif:ProduceTest, nif:RejectTest",
        "case <#produce> needs exactly one kind",
    ),
    (
        "no identifier",
        "produce",
        'dct:identifier "produce" ;',
        "",
        "case <#produce> needs a dct:identifier",
    ),
    (
        "bad identifier",
        "produce",
        'dct:identifier "produce"',
        'dct:identifier "a b"',
        "identifier 'a b' must match",
    ),
    (
        "duplicate identifier",
        "consume",
        'dct:identifier "consume"',
        'dct:identifier "produce"',
        "two cases have the identifier 'produce'",
    ),
    ("no title", "produce", 'dct:title "Produces"@en ;', "", "case <#produce> needs a dct:title"),
    (
        "no description",
        "consume",
        'dct:description "Answers a request."@en ;',
        "",
        "case <#consume> needs a dct:description",
    ),
    (
        "mandatory as text",
        "produce",
        "nif:mandatory true",
        'nif:mandatory "yes"',
        "case <#produce> needs one nif:mandatory true or false",
    ),
    (
        "produce sends a file",
        "produce",
        "nif:mandatory true ;",
        "nif:mandatory true ; mf:action <messages/request.json> ;",
        "a produce case sends nothing: remove mf:action",
    ),
    (
        "produce sends a type",
        "produce",
        "nif:expectedType mt:Reply ;",
        "nif:expectedType mt:Reply ; nif:sentType mt:Request ;",
        "remove nif:sentType",
    ),
    (
        "consume without a request",
        "consume",
        "mf:action <messages/request.json> ;",
        "",
        "case <#consume> needs one mf:action",
    ),
    (
        "consume without its answer type",
        "consume",
        "nif:expectedType mt:Reply ;",
        "",
        "case <#consume> needs a nif:expectedType",
    ),
    (
        "message type as text",
        "produce",
        "nif:expectedType mt:Reply",
        'nif:expectedType "Reply"',
        "must be the IRI of a registry message type",
    ),
    (
        "two expected types",
        "produce",
        "nif:expectedType mt:Reply",
        "nif:expectedType mt:Reply, mt:Other",
        "has 2 values of nif:expectedType",
    ),
    (
        "a file above the suite",
        "consume",
        "<messages/request.json>",
        "<../../secret.json>",
        "is not a file of the suite folder",
    ),
    (
        "an encoded climb out",
        "consume",
        "<messages/request.json>",
        "<messages/%2e%2e/%2e%2e/%2e%2e/secret.json>",
        "is outside the suite folder",
    ),
    (
        "an absolute file",
        "consume",
        "<messages/request.json>",
        "<file:///etc/passwd>",
        "mf:action <file:///etc/passwd> is not a file of the suite folder",
    ),
    (
        "a missing file",
        "consume",
        "request.json",
        "missing.json",
        "cannot read messages/missing.json",
    ),
    (
        "the manifest as a message",
        "consume",
        "<messages/request.json>",
        "<manifest.ttl>",
        "mf:action cannot be the manifest itself",
    ),
    (
        "reject without a refusal",
        "reject",
        "nif:refusalStatus 422, 400 ;\n  nif:refusalType mt:Error ",
        "",
        "a reject case needs what counts as a refusal",
    ),
    (
        "reject asserting without a refusal type",
        "reject",
        "nif:refusalStatus 422, 400 ;\n  nif:refusalType mt:Error ",
        'nif:refusalStatus 422 ; nif:assertion [ nif:jsonPointer "/status" ] ',
        "a reject case's nif:assertion checks an answer of a refusal type",
    ),
    (
        "reject with an expected type",
        "reject",
        "nif:sentType",
        "nif:expectedType mt:Reply ; nif:sentType",
        "a reject case expects a refusal",
    ),
    (
        "a success status as refusal",
        "reject",
        "422, 400",
        "200",
        "nif:refusalStatus 200 is not an HTTP error status",
    ),
    (
        "a refusal on a consume case",
        "consume",
        "nif:mandatory false ;",
        "nif:mandatory false ; nif:refusalStatus 400 ;",
        "only reject cases have refusals, not a consume case",
    ),
    ("bad XPath", "produce", '"/r:Reply/r:Id"', '"/r:Reply/["', "is not XPath 1.0"),
    (
        "undeclared XPath prefix",
        "produce",
        '"/r:Reply/r:Id"',
        '"/q:Reply"',
        "uses prefix(es) q that no sh:declare declares",
    ),
    (
        "half a declaration",
        "produce",
        ' ; sh:namespace "urn:r"',
        "",
        "each sh:declare needs an sh:prefix and an sh:namespace",
    ),
    (
        "bad JSON Pointer",
        "consume",
        '"/answer"',
        '"answer"',
        "nif:jsonPointer 'answer' is not a JSON Pointer",
    ),
    ("bad JSON Pointer escape", "consume", '"/answer"', '"/a~2b"', "is not a JSON Pointer"),
    (
        "two expressions",
        "consume",
        '[ nif:jsonPointer "/answer" ]',
        '[ nif:jsonPointer "/answer" ; nif:xpath "/a" ]',
        "an assertion needs one nif:xpath or one nif:jsonPointer",
    ),
    (
        "two expected values",
        "produce",
        'nif:expectedValue "42"',
        'nif:expectedValue "42", "43"',
        "at most one nif:expectedValue",
    ),
]


def edited(block: str, old: str, new: str) -> str:
    blocks = {"produce": PRODUCE, "consume": CONSUME, "reject": REJECT}
    assert old in blocks[block], old
    blocks[block] = blocks[block].replace(old, new)
    return ENTRIES + "".join(blocks.values())


BROKEN = [
    ("no manifest", PRODUCE, "expected one mf:Manifest, found 0"),
    ("empty entries", "<> a mf:Manifest ; mf:entries () .\n", "mf:entries lists no test case"),
    *((name, edited(block, old, new), message) for name, block, old, new, message in EDITS),
]


@pytest.mark.parametrize(
    ("manifest", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_a_broken_manifest_says_what_is_wrong(tmp_path: Path, manifest: str, message: str) -> None:
    folder = write_suite(tmp_path, manifest)
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        load_suite(folder)
    assert str(caught.value).startswith(str(folder / "manifest.ttl") + ":")


def test_a_symlink_out_of_the_suite_is_refused(tmp_path: Path) -> None:
    folder = good(tmp_path / "suites")
    secret = tmp_path / "secret.json"
    secret.write_bytes(b"{}")
    (folder / "messages" / "request.json").unlink()
    (folder / "messages" / "request.json").symlink_to(secret)
    with pytest.raises(
        InputError, match=re.escape("'messages/request.json' is outside the suite folder")
    ):
        load_suite(folder)


def test_a_file_over_the_message_limit_is_refused(tmp_path: Path) -> None:
    from nif.settings import Settings

    folder = good(tmp_path)
    with pytest.raises(
        InputError, match=re.escape("messages/request.json is larger than max_message_bytes")
    ):
        load_suite(folder, Settings(max_message_bytes=4))


def test_an_ill_formed_entries_list_is_refused(tmp_path: Path) -> None:
    manifest = "<> a mf:Manifest ; mf:entries [ rdf:first <#produce> ] .\n"
    folder = write_suite(
        tmp_path,
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n" + manifest + PRODUCE,
    )
    with pytest.raises(InputError, match="mf:entries is not a well-formed RDF list"):
        load_suite(folder)


def test_the_text_prefers_english(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        <> a mf:Manifest ; rdfs:label "Suite"@fr, "Suite (en)"@en ; mf:entries ( <#produce> ) .
        """
    )
    suite = load_suite(
        write_suite(tmp_path, text + PRODUCE.replace('"Produces"@en', '"Produit"@fr, "Produces"'))
    )
    assert suite.title == "Suite (en)"
    assert suite.cases[0].title == "Produces"
