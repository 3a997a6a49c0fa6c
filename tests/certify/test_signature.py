"""Signatures of certificates: a round trip verifies; any edit, or another key, is named as such."""

from __future__ import annotations

import base64

import pytest
from rdflib import BNode, Graph, Literal, URIRef, namespace

from nif.certify._keys import SigningKey
from nif.certify._signature import SignatureStatus, canonical, sign, verify
from nif.registry._namespaces import DCTERMS, NIF

CERT = URIRef("https://registry.nif.example/certificate/c1")

CERTIFICATE = """
@prefix dqv: <http://www.w3.org/ns/dqv#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://registry.nif.example/certificate/c1> a dqv:QualityCertificate ;
    dct:issued "2026-11-22"^^xsd:date ;
    dct:title "Certificate of the tax office for VAT return 2.0"@en ;
    spdx:checksum [ spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue "aa" ] ,
                  [ spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue "bb" ] .
"""


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def signed(key: SigningKey) -> Graph:
    return sign(Graph().parse(data=CERTIFICATE, format="turtle"), CERT, key)


def test_round_trip_verifies(signed: Graph, key: SigningKey) -> None:
    result = verify(signed, CERT, [key.public])
    assert result.ok and result.status is SignatureStatus.VALID
    assert result.key_id == key.key_id
    assert signed.value(CERT, NIF.signingKey) == Literal(key.key_id)
    assert signed.value(CERT, NIF.signature).datatype == namespace.XSD.base64Binary


def test_signing_again_replaces_the_signature(signed: Graph, key: SigningKey) -> None:
    other = SigningKey.generate()
    again = sign(signed, CERT, other)
    assert len(list(again.objects(CERT, NIF.signature))) == 1
    assert verify(again, CERT, [other.public]).ok


def _edits(graph: Graph) -> list[Graph]:
    """Every graph that differs from `graph` in one triple changed, removed or added."""
    edited = []
    for triple in graph:
        if triple[1] in (NIF.signature,):
            continue
        removed = Graph()
        for t in graph:
            if t != triple:
                removed.add(t)
        edited.append(removed)
        if isinstance(triple[2], Literal):
            changed = Graph()
            for t in removed:
                changed.add(t)
            changed.add((triple[0], triple[1], Literal(str(triple[2]) + "x")))
            edited.append(changed)
    added = Graph()
    for t in graph:
        added.add(t)
    added.add((CERT, DCTERMS.description, Literal("extra")))
    edited.append(added)
    return edited


def test_any_edited_triple_fails_as_a_mismatch(signed: Graph, key: SigningKey) -> None:
    edits = _edits(signed)
    assert len(edits) > 10
    for edited in edits:
        result = verify(edited, CERT, [key.public])
        if edited.value(CERT, NIF.signingKey) is None:
            assert result.status is SignatureStatus.MALFORMED
        elif str(edited.value(CERT, NIF.signingKey)) != key.key_id:
            assert result.status is SignatureStatus.UNKNOWN_KEY
        else:
            assert result.status is SignatureStatus.MISMATCH, edited.serialize(format="nt")
            assert "edited" in result.message


def test_a_different_key_is_unknown(signed: Graph, key: SigningKey) -> None:
    other = SigningKey.generate()
    result = verify(signed, CERT, [other.public])
    assert result.status is SignatureStatus.UNKNOWN_KEY
    assert key.key_id in result.message and other.key_id in result.message


def test_a_signature_by_another_key_under_our_key_id_is_a_mismatch(
    signed: Graph, key: SigningKey
) -> None:
    forged = Graph()
    for t in signed:
        if t[1] != NIF.signature:
            forged.add(t)
    value = base64.b64encode(SigningKey.generate().sign(canonical(forged))).decode()
    forged.add((CERT, NIF.signature, Literal(value, datatype=namespace.XSD.base64Binary)))
    assert verify(forged, CERT, [key.public]).status is SignatureStatus.MISMATCH


def test_unsigned_and_malformed_are_named(signed: Graph, key: SigningKey) -> None:
    unsigned = Graph().parse(data=CERTIFICATE, format="turtle")
    assert verify(unsigned, CERT, [key.public]).status is SignatureStatus.UNSIGNED
    signed.set((CERT, NIF.signature, Literal("not base64!")))
    result = verify(signed, CERT, [key.public])
    assert result.status is SignatureStatus.MALFORMED and "base64" in result.message


def test_blank_node_relabelling_and_other_syntaxes_still_verify(
    signed: Graph, key: SigningKey
) -> None:
    fresh: dict[BNode, BNode] = {}
    relabelled = Graph()
    for triple in signed:
        relabelled.add(
            tuple(fresh.setdefault(t, BNode()) if isinstance(t, BNode) else t for t in triple)
        )
    assert len(fresh) == 2 and set(fresh).isdisjoint(fresh.values())
    assert verify(relabelled, CERT, [key.public]).ok
    for fmt in ("turtle", "nt", "json-ld", "xml"):
        reparsed = Graph().parse(data=signed.serialize(format=fmt), format=fmt)
        assert verify(reparsed, CERT, [key.public]).ok, fmt
