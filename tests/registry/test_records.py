"""Parsing submitted documents safely and splitting them into records."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from nif.errors import InputError, RecordSyntaxError
from nif.registry._records import (
    RecordKind,
    add_ntriples,
    from_ntriples,
    guess_format,
    parse_records,
    sorted_ntriples,
    split,
)
from nif.settings import Settings

AGENCY = b"""@prefix cv: <http://data.europa.eu/m8g/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
<https://r.example/agency/a> a org:Organization, cv:PublicOrganisation ;
  dct:identifier "a" ; skos:prefLabel "Agency A"@en ;
  dcat:contactPoint [ vcard:fn "Desk" ] .
<https://r.example/interface/i> a dcat:DataService ; dct:identifier "i" ;
  dct:publisher <https://r.example/agency/a> ;
  dcat:hasVersion <https://r.example/interface/i/1.0.0> .
<https://r.example/interface/i/1.0.0> a dcat:DataService, <https://w3id.org/nif/ns#InterfaceVersion> ;
  dcat:version "1.0.0" .
"""


def _parse(content: bytes, name: str = "record.ttl", **limits: int):
    settings = Settings(**limits)
    return parse_records(
        content, source=name, fmt=guess_format(name), base_iri=None, settings=settings
    )


def test_a_document_splits_into_its_agency_and_interface_records() -> None:
    records = split(_parse(AGENCY), "record.ttl")
    assert [(r.kind, r.identifier) for r in records] == [
        (RecordKind.AGENCY, "a"),
        (RecordKind.INTERFACE, "i"),
    ]
    agency, interface = records
    # the contact point (a blank node) goes with the agency, the version with the interface
    assert len(agency.graph) == 6
    assert (URIRef("https://r.example/interface/i/1.0.0"), None, None) in interface.graph
    assert (URIRef("https://r.example/interface/i/1.0.0"), None, None) not in agency.graph


def test_stored_form_is_sorted_ntriples_and_hash_is_stable() -> None:
    first = split(_parse(AGENCY), "x")[0]
    second = split(_parse(AGENCY), "x")[0]
    lines = first.ntriples().decode().splitlines()
    assert lines == sorted(lines)
    assert len(lines) == len(first.graph)
    assert any(ln.startswith("_:") for ln in lines)
    assert first.sha256() == second.sha256()


@pytest.mark.parametrize("name", ["r.jsonld", "r.rdf", "r.nt"])
def test_every_rdf_syntax_gives_the_same_triples(name: str) -> None:
    graph = _parse(AGENCY)
    fmt = {"r.jsonld": "json-ld", "r.rdf": "xml", "r.nt": "nt"}[name]
    other = _parse(graph.serialize(format=fmt, encoding="utf-8"), name)
    assert len(other) == len(graph)


def test_turtle_syntax_error_says_line_and_column() -> None:
    with pytest.raises(RecordSyntaxError, match=r"record.ttl: line 3 column \d+"):
        _parse(b'@prefix a: <http://a/> .\na:x a:y "z" .\na:x a:y')


def test_remote_jsonld_context_is_refused_without_fetching() -> None:
    doc = {"@context": "https://schema.org/", "@id": "https://r.example/x", "name": "x"}
    with pytest.raises(RecordSyntaxError, match="remote JSON-LD @context is not allowed"):
        _parse(json.dumps(doc).encode(), "r.jsonld")


def test_rdfxml_doctype_is_refused() -> None:
    doc = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dct="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="https://r.example/x"><dct:title>&b;</dct:title></rdf:Description>
</rdf:RDF>"""
    with pytest.raises(RecordSyntaxError, match="DOCTYPE is not allowed"):
        _parse(doc, "r.rdf")


def test_huge_literal_is_refused_naming_the_property() -> None:
    doc = b'<https://r.example/x> <http://purl.org/dc/terms/title> "' + b"x" * 2000 + b'" .'
    with pytest.raises(InputError, match=r"dc/terms/title> on <https://r.example/x> has 2,000"):
        _parse(doc, "r.nt", max_literal_chars=1000)


def test_oversized_document_is_refused_before_parsing() -> None:
    with pytest.raises(InputError, match="more than the limit of 100 bytes"):
        _parse(AGENCY, max_record_bytes=100)


def test_unknown_suffix_and_format_are_usage_errors() -> None:
    with pytest.raises(InputError, match="cannot tell the RDF format"):
        guess_format("record.docx")
    with pytest.raises(InputError, match="unknown RDF format 'n5'"):
        guess_format("record.ttl", "n5")


def test_nodes_no_record_reaches_are_refused() -> None:
    doc = AGENCY + b'<https://r.example/stray> <http://purl.org/dc/terms/title> "lost" .\n'
    with pytest.raises(InputError, match=r"<https://r.example/stray> are not reachable"):
        split(_parse(doc), "record.ttl")


def test_a_document_without_agency_or_interface_is_refused() -> None:
    with pytest.raises(InputError, match="no record found"):
        split(
            _parse(b'<https://r.example/x> <http://purl.org/dc/terms/title> "x" .', "r.nt"), "r.nt"
        )


def test_empty_document_is_refused() -> None:
    with pytest.raises(RecordSyntaxError, match="no triples"):
        _parse(b"# nothing\n")


def test_equal_blank_nodes_under_different_parents_get_stable_labels() -> None:
    """Two blank nodes that say the same but hang under different nodes (the same prefix
    declaration of two assertions) are told apart by where they hang, however parsed."""
    template = """@prefix ex: <https://example.org/> .
{a} ex:declare [ ex:prefix "b" ] .
{b} ex:declare [ ex:prefix "b" ] .
ex:one ex:check [ ex:path "/x" ; ex:declare [ ex:prefix "v" ] ] .
ex:two ex:check [ ex:path "/y" ; ex:declare [ ex:prefix "v" ] ] .
"""
    forms = set()
    for first, second in (("ex:one", "ex:two"), ("ex:two", "ex:one")) * 10:
        graph = Graph().parse(data=template.format(a=first, b=second), format="turtle")
        forms.add(sorted_ntriples(graph))
    assert len(forms) == 1


NTRIPLES = (
    b'<https://r.example/a> <http://purl.org/dc/terms/title> "T\\u00e9"@en-gb .\n'
    b'<https://r.example/a> <http://www.w3.org/ns/dcat#version> "1"^^<http://example.org/t> .\n'
    b"<https://r.example/a> <http://www.w3.org/ns/dcat#contactPoint> _:c .\n"
    b'_:c <http://www.w3.org/2006/vcard/ns#fn> "Desk" .\n'
)


@pytest.mark.parametrize(
    "content",
    [
        NTRIPLES,
        NTRIPLES + b'<https://r.example/a> <http://e.org/p> "s"^^'
        b"<http://www.w3.org/2001/XMLSchema#string> .\n",
    ],
    ids=["plain", "explicit-xsd-string"],
)
def test_fast_ntriples_give_the_graph_rdflib_parses(content: bytes) -> None:
    expected = Graph().parse(data=content.decode(), format="nt")
    graph = Graph()
    subjects = add_ntriples(graph, content)
    assert isomorphic(graph, expected)
    assert set(subjects) == set(graph.subjects())


def test_fast_ntriples_keep_each_documents_blank_nodes_apart() -> None:
    graph = Graph()
    add_ntriples(graph, NTRIPLES)
    add_ntriples(graph, NTRIPLES)
    assert len(set(graph.objects(None, URIRef("http://www.w3.org/ns/dcat#contactPoint")))) == 2


def test_a_lean_stored_record_reads_as_the_full_one() -> None:
    content = sorted_ntriples(Graph().parse(data=AGENCY.decode(), format="turtle"))
    lean = from_ntriples("https://r.example/agency/a", content, lean=True)
    full = from_ntriples("https://r.example/agency/a", content)
    assert (lean.kind, lean.identifier, lean.ntriples()) == (
        full.kind,
        full.identifier,
        full.ntriples(),
    )
