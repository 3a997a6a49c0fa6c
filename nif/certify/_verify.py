"""Verifying a certificate: its signature, that this registry issued exactly it, and its state.

A certificate is `ok` only when it is signed by a known key over exactly its content, the
registry holds the same certificate, and it is certified today (not revoked, not expired, its
suite and artefact checksums still those of the version). Every failed check is one sentence
in `problems`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from nif.certify._certificates import certificate_from, certificate_iri
from nif.certify._keys import PublicKey
from nif.certify._model import Certificate, CertificateState
from nif.certify._signature import Verification, canonical, verify
from nif.certify._standing import standing
from nif.certify._suite import Suite
from nif.errors import InputError, NifError
from nif.registry._namespaces import DQV, NIF
from nif.registry._records import guess_format, parse
from nif.settings import Settings
from nif.store.base import Store


@dataclasses.dataclass(frozen=True)
class CertificateCheck:
    """The outcome of verifying one certificate."""

    iri: str
    signature: Verification
    state: CertificateState
    problems: tuple[str, ...]
    issued_here: bool
    certificate: Certificate | None = None
    hashes_current: bool = False
    """The suite and artefact checksums the certificate pins are still the registry's."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "certificate": self.iri,
            "ok": self.ok,
            "state": str(self.state),
            "signature": {
                "status": str(self.signature.status),
                "message": self.signature.message,
                "key_id": self.signature.key_id,
            },
            "issued_here": self.issued_here,
            "hashes_current": self.hashes_current,
            "problems": list(self.problems),
            "details": self.certificate.to_dict() if self.certificate else None,
        }


def parse_certificate(content: bytes, filename: str, settings: Settings | None = None) -> Graph:
    """A certificate file as a graph, its syntax from the suffix (.ttl, .jsonld, .rdf, .nt...)."""
    settings = settings or Settings()
    return parse(
        content,
        source=Path(filename).name,
        fmt=guess_format(filename),
        base_iri=None,
        settings=settings,
    )


def verify_certificate(
    store: Store,
    settings: Settings,
    graph: Graph,
    keys: Iterable[PublicKey],
    now: dt.datetime | None = None,
    suite: Suite | Path | None = None,
) -> CertificateCheck:
    """Check the one `dqv:QualityCertificate` in `graph` (`InputError` if none or several).

    `keys` are the keys trusted (this NIF_HOME's, or a published one); `now` and `suite` are as
    for `standing`.
    """
    nodes = sorted(
        {n for n in graph.subjects(RDF.type, DQV.QualityCertificate) if isinstance(n, URIRef)}
    )
    if len(nodes) != 1:
        raise InputError(
            f"a certificate holds exactly one dqv:QualityCertificate (found {len(nodes)})"
        )
    iri = nodes[0]
    signature = verify(graph, iri, keys)
    problems = [] if signature.ok else [f"signature {signature.status}: {signature.message}"]
    stored = _stored(store, settings, iri)
    issued_here = stored is not None
    if stored is None:
        problems.append(f"{iri} was not issued by this registry")
    elif not _same(stored, graph, iri):
        problems.append(f"{iri} differs from the certificate this registry issued under that IRI")
    try:
        cert = certificate_from(store, settings, stored if stored is not None else graph, iri)
    except NifError as exc:
        problems.append(str(exc))
        return CertificateCheck(
            str(iri), signature, CertificateState.NONE, tuple(problems), issued_here
        )
    state = standing(store, settings, cert, now, suite)
    problems.extend(state.reasons)
    return CertificateCheck(
        str(iri),
        signature,
        state.state,
        tuple(problems),
        issued_here,
        cert,
        hashes_current=not state.changes,
    )


def _stored(store: Store, settings: Settings, iri: URIRef) -> Graph | None:
    if not str(iri).startswith(certificate_iri(settings, "")):
        return None
    content = store.read_graph(str(iri))
    return Graph().parse(data=content, format="nt") if content.strip() else None


def _same(stored: Graph, graph: Graph, iri: URIRef) -> bool:
    """Same content and same signature (the signature is not part of the canonical form)."""
    return canonical(stored) == canonical(graph) and set(stored.objects(iri, NIF.signature)) == set(
        graph.objects(iri, NIF.signature)
    )
