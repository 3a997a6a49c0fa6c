"""Verifying certificates: stored ones and files in every RDF syntax, edited, foreign or stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from nif.certify import CertificateState
from nif.certify._certificates import certificate_graph, revoke
from nif.certify._keys import SigningKey
from nif.certify._signature import SignatureStatus, sign
from nif.certify._verify import (
    parse_certificate,
    verify_certificate,
    verify_certificate_file,
    verify_stored_certificate,
)
from nif.errors import InputError, NotFoundError
from nif.registry import Registry
from nif.registry._namespaces import NIF
from tests.certify.certified import certified, changed_schema, changed_suites, key_of

SYNTAXES = {".ttl": "turtle", ".jsonld": "json-ld", ".rdf": "xml", ".nt": "nt"}


def test_a_stored_certificate_verifies(demo: Registry) -> None:
    cert = certified(demo)
    graph = certificate_graph(demo.store, demo.settings, cert.id)
    check = verify_certificate(demo.store, demo.settings, graph, [key_of(demo).public])
    assert check.ok and check.issued_here and check.hashes_current
    assert check.state is CertificateState.CERTIFIED
    assert check.signature.status is SignatureStatus.VALID
    assert check.certificate == cert
    assert check.to_dict()["problems"] == []


@pytest.mark.parametrize("suffix", sorted(SYNTAXES))
def test_a_certificate_file_verifies_in_any_syntax(demo: Registry, suffix: str) -> None:
    cert = certified(demo)
    graph = certificate_graph(demo.store, demo.settings, cert.id)
    content = graph.serialize(format=SYNTAXES[suffix], encoding="utf-8")
    parsed = parse_certificate(content, f"certificate{suffix}")
    check = verify_certificate(demo.store, demo.settings, parsed, [key_of(demo).public])
    assert check.ok, check.problems


def test_an_edited_certificate_file_is_a_mismatch(demo: Registry) -> None:
    cert = certified(demo)
    graph = certificate_graph(demo.store, demo.settings, cert.id)
    node = URIRef(cert.iri)
    graph.set((node, NIF.validUntil, Literal("2099-01-01T00:00:00Z")))
    content = graph.serialize(format="turtle", encoding="utf-8")
    check = verify_certificate(
        demo.store, demo.settings, parse_certificate(content, "c.ttl"), [key_of(demo).public]
    )
    assert not check.ok
    assert check.signature.status is SignatureStatus.MISMATCH
    assert any("edited after it was signed" in p for p in check.problems)
    assert f"{cert.iri} differs from the certificate this registry issued" in " ".join(
        check.problems
    )


def test_a_certificate_signed_by_another_key_is_unknown(demo: Registry) -> None:
    cert = certified(demo)
    other = SigningKey.generate()
    graph = sign(certificate_graph(demo.store, demo.settings, cert.id), URIRef(cert.iri), other)
    check = verify_certificate(demo.store, demo.settings, graph, [key_of(demo).public])
    assert check.signature.status is SignatureStatus.UNKNOWN_KEY
    assert other.key_id in check.signature.message
    assert not check.ok
    trusting = verify_certificate(demo.store, demo.settings, graph, [other.public])
    assert trusting.signature.ok
    assert not trusting.ok  # the registry issued the certificate with another signature
    assert any("differs from the certificate" in p for p in trusting.problems)


def test_a_certificate_this_registry_never_issued(demo: Registry) -> None:
    cert = certified(demo)
    graph = certificate_graph(demo.store, demo.settings, cert.id)
    foreign = URIRef(cert.iri.replace(cert.id, "cert-20200101-0badc0de"))
    moved = Graph()
    for s, p, o in graph:
        moved.add((foreign if s == URIRef(cert.iri) else s, p, o))
    key = key_of(demo)
    check = verify_certificate(demo.store, demo.settings, sign(moved, foreign, key), [key.public])
    assert check.signature.ok
    assert check.problems == (f"{foreign} was not issued by this registry",)
    assert not check.issued_here and not check.ok


def test_stale_revoked_and_expired_certificates_do_not_verify(
    demo: Registry, tmp_path: Path
) -> None:
    cert = certified(demo)
    key = key_of(demo).public
    graph = certificate_graph(demo.store, demo.settings, cert.id)
    stale = verify_certificate(
        demo.store, demo.settings, graph, [key], suite=changed_suites(tmp_path)
    )
    assert stale.signature.ok and not stale.ok and not stale.hashes_current
    assert stale.state is CertificateState.NEEDS_RECERTIFICATION
    changed_schema(demo, tmp_path)
    schema = verify_certificate(demo.store, demo.settings, graph, [key])
    assert any("artefact checksums" in p for p in schema.problems)
    revoke(demo, cert.id, actor="bob", reason="misused")
    revoked = verify_certificate(demo.store, demo.settings, graph, [key])
    assert revoked.state is CertificateState.REVOKED
    assert revoked.problems[0].startswith("revoked on")


def test_files_that_are_not_one_certificate_are_input_errors(demo: Registry) -> None:
    key = key_of(demo).public
    with pytest.raises(InputError, match="cannot tell the RDF format"):
        parse_certificate(b"<a> <b> <c> .", "certificate.txt")
    with pytest.raises(InputError, match="line 1"):
        parse_certificate(b"<a> <b> .", "certificate.nt")
    graph = parse_certificate(b"<urn:a> <urn:b> <urn:c> .", "certificate.nt")
    with pytest.raises(InputError, match="exactly one dqv:QualityCertificate"):
        verify_certificate(demo.store, demo.settings, graph, [key])


def test_a_stored_certificate_and_its_file_verify_by_id_and_by_content(demo: Registry) -> None:
    cert = certified(demo)
    keys = [key_of(demo).public]
    stored = verify_stored_certificate(demo.store, demo.settings, cert.id, keys)
    content = certificate_graph(demo.store, demo.settings, cert.id).serialize(
        format="turtle", encoding="utf-8"
    )
    held = verify_certificate_file(demo.store, demo.settings, content, "held.ttl", keys)
    assert stored.ok and held.ok and stored.certificate == held.certificate == cert
    with pytest.raises(NotFoundError, match="no certificate cert-20200101-0badc0de"):
        verify_stored_certificate(demo.store, demo.settings, "cert-20200101-0badc0de", keys)
    with pytest.raises(InputError, match="cannot tell the RDF format"):
        verify_certificate_file(demo.store, demo.settings, content, "held.txt", keys)
