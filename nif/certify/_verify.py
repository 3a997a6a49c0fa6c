"""Verifying a certificate: its signature, that this registry issued exactly it, and its state.

A certificate is `ok` only when it is signed by a known key over exactly its content, the
registry holds the same certificate, and it is certified today (not revoked, not expired, its
suite and artefact checksums still those of the version). Every failed check is one sentence
in `problems`.

Offline (`verify_offline`: a file and a published key, no registry) only what the file itself
proves is checked: the signature, the form of the pinned hashes it signs, and its expiry; the
checks only the registry can make are named in `unchecked`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from nif.certify._certificates import certificate_from, certificate_graph, parse_time
from nif.certify._keys import PublicKey
from nif.certify._model import Certificate, CertificateState
from nif.certify._signature import Verification, canonical, verify
from nif.certify._standing import standing
from nif.certify._suite import Suite
from nif.errors import InputError, NifError
from nif.registry import DQV, NIF, certificate_iri, guess_format, parse_records
from nif.settings import Settings
from nif.store import Store


@dataclasses.dataclass(frozen=True)
class CertificateCheck:
    """The outcome of verifying one certificate."""

    iri: str
    signature: Verification
    state: CertificateState
    problems: tuple[str, ...]
    issued_here: bool | None
    """This registry holds exactly this certificate (None: not checked, offline)."""
    certificate: Certificate | None = None
    hashes_current: bool | None = False
    """The suite and artefact checksums the certificate pins are still the registry's (None:
    not checked, offline)."""
    unchecked: tuple[str, ...] = ()
    """The checks that could not be made (offline: those that need the registry)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The check as `nif certify verify` prints it, ending in `ok` or `not ok`."""
        not_checked = "not checked (offline)"
        issued = {True: "yes", False: "no", None: not_checked}[self.issued_here]
        lines = [
            f"certificate {self.iri}",
            f"  signature: {self.signature.status} ({self.signature.message})",
            f"  issued by this registry: {issued}",
        ]
        if (cert := self.certificate) is not None:
            lines.append(f"  {cert.agency} implements {cert.interface}@{cert.version}")
            lines.append(
                f"  issued {cert.issued} by {cert.issued_by}, valid until {cert.valid_until}"
            )
            if self.hashes_current is None:
                signed = "signed" if self.signature.ok else "not signed"
                count = len(cert.artefacts)
                pinned = f"{signed} (suite and {count} artefact checksums); current: {not_checked}"
            else:
                pinned = "current" if self.hashes_current else "changed"
            lines.append(f"  pinned hashes: {pinned}")
        offline = " (from the file alone)" if self.unchecked else ""
        lines.append(f"  state: {self.state}{offline}")
        lines.extend(f"  problem: {problem}" for problem in self.problems)
        lines.extend(f"  not checked (needs the registry): {u}" for u in self.unchecked)
        lines.append("ok" if self.ok else "not ok")
        return lines

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
            "unchecked": list(self.unchecked),
            "details": self.certificate.to_dict() if self.certificate else None,
        }


def parse_certificate(content: bytes, filename: str, settings: Settings | None = None) -> Graph:
    """A certificate file as a graph, its syntax from the suffix (.ttl, .jsonld, .rdf, .nt...)."""
    settings = settings or Settings.defaults()
    return parse_records(
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
    keys = tuple(keys)
    iri, signature, problems = _signed(graph, keys)
    stored = _stored(store, settings, iri)
    issued_here = stored is not None
    if stored is None:
        problems.append(f"{iri} was not issued by this registry")
    elif not _same(stored, graph, iri):
        problems.append(f"{iri} differs from the certificate this registry issued under that IRI")
    try:
        cert = certificate_from(store, settings, stored if stored is not None else graph, iri, keys)
    except NifError as exc:
        problems.append(str(exc))
        return CertificateCheck(
            str(iri), signature, CertificateState.NONE, tuple(problems), issued_here
        )
    state = standing(store, settings, cert, now, suite)
    problems.extend(r for r in state.reasons if r not in problems)
    return CertificateCheck(
        str(iri),
        signature,
        state.state,
        tuple(problems),
        issued_here,
        cert,
        hashes_current=not state.changes,
    )


def verify_stored_certificate(
    store: Store, settings: Settings, cert_id: str, keys: Iterable[PublicKey]
) -> CertificateCheck:
    """`verify_certificate` of the stored certificate `cert_id` (an id or IRI); `NotFoundError`
    when there is none."""
    return verify_certificate(store, settings, certificate_graph(store, settings, cert_id), keys)


def verify_certificate_file(
    store: Store, settings: Settings, content: bytes, filename: str, keys: Iterable[PublicKey]
) -> CertificateCheck:
    """`verify_certificate` of a certificate file someone holds (syntax from `filename`'s
    suffix), against this registry; `InputError` when it is not one certificate."""
    graph = parse_certificate(content, filename, settings)
    return verify_certificate(store, settings, graph, keys)


REGISTRY_CHECKS = (
    "that the registry issued exactly this certificate",
    "that it has not been revoked",
    "that its pinned suite and artefact checksums are still the registry's (re-certification)",
)
"""What `verify_offline` cannot tell from a file and a key."""


def verify_offline(
    settings: Settings, graph: Graph, keys: Iterable[PublicKey], now: dt.datetime | None = None
) -> CertificateCheck:
    """Check the one `dqv:QualityCertificate` in `graph` with nothing but `keys`: its signature,
    the pinned hashes it signs (each a sha256) and its expiry at `now`. No store is read;
    `unchecked` names the registry-side checks (`REGISTRY_CHECKS`)."""
    keys = tuple(keys)
    iri, signature, problems = _signed(graph, keys)
    unchecked = REGISTRY_CHECKS
    try:
        cert = certificate_from(None, settings, graph, iri, keys)
    except NifError as exc:
        problems.append(str(exc))
        state = CertificateState.SIGNATURE_INVALID if not signature.ok else CertificateState.NONE
        return CertificateCheck(
            str(iri), signature, state, tuple(problems), None, None, None, unchecked
        )
    for pinned in (cert.suite_sha256, *cert.artefacts):
        if not _SHA256.fullmatch(pinned):
            problems.append(f"the pinned checksum {pinned!r} is not a sha256 (64 hex digits)")
    state = CertificateState.CERTIFIED
    try:
        if parse_time(cert.valid_until) <= (now or dt.datetime.now(dt.UTC)):
            state = CertificateState.EXPIRED
            problems.append(f"expired on {cert.valid_until}")
    except ValueError:
        problems.append(f"nif:validUntil {cert.valid_until!r} is not a date and time")
    if not signature.ok:
        state = CertificateState.SIGNATURE_INVALID
    return CertificateCheck(
        str(iri), signature, state, tuple(problems), None, cert, None, unchecked
    )


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _signed(graph: Graph, keys: tuple[PublicKey, ...]) -> tuple[URIRef, Verification, list[str]]:
    """The one certificate in `graph`, its signature checked with `keys`, and the problems
    found so far: the signature's, when it does not verify."""
    iri = _the_certificate(graph)
    signature = verify(graph, iri, keys)
    problems = [] if signature.ok else [f"signature {signature.status}: {signature.message}"]
    return iri, signature, problems


def _the_certificate(graph: Graph) -> URIRef:
    """The IRI of the one `dqv:QualityCertificate` in `graph` (`InputError` if none or several)."""
    nodes = sorted(
        {n for n in graph.subjects(RDF.type, DQV.QualityCertificate) if isinstance(n, URIRef)}
    )
    if len(nodes) != 1:
        raise InputError(
            f"a certificate holds exactly one dqv:QualityCertificate (found {len(nodes)})"
        )
    return nodes[0]


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
