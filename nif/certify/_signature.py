"""Signing a certificate's RDF graph, and telling precisely why a signature does not verify.

What is signed is the graph without its `nif:signature` triple, as sorted N-Triples with
content-derived blank node labels (the registry's record form): re-serialising the certificate in
another syntax, or parsing it again with other blank node ids, does not change it, while any
edited, added or removed triple does. `nif:signingKey` (the key id) is part of what is signed.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from nif.certify._keys import PublicKey, SigningKey
from nif.registry import NIF, sorted_ntriples


class SignatureStatus(enum.StrEnum):
    VALID = "valid"
    UNSIGNED = "unsigned"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown key"
    MISMATCH = "mismatch"


@dataclasses.dataclass(frozen=True)
class Verification:
    """The outcome of checking a certificate's signature, with a message fit for the user."""

    status: SignatureStatus
    message: str
    key_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is SignatureStatus.VALID

    def to_dict(self) -> dict[str, str | None]:
        return {"status": str(self.status), "message": self.message, "key_id": self.key_id}


def canonical(graph: Graph) -> bytes:
    """The bytes that are signed: every triple but `nif:signature`, as sorted N-Triples."""
    return sorted_ntriples(graph, without=NIF.signature)


def sign(graph: Graph, certificate: URIRef, key: SigningKey) -> Graph:
    """A copy of `graph` with `certificate`'s `nif:signingKey` and `nif:signature`, replacing any
    earlier ones."""
    signed = Graph()
    for triple in graph:
        if not (triple[0] == certificate and triple[1] in (NIF.signature, NIF.signingKey)):
            signed.add(triple)
    signed.add((certificate, NIF.signingKey, Literal(key.key_id)))
    value = base64.b64encode(key.sign(canonical(signed))).decode("ascii")
    signed.add((certificate, NIF.signature, Literal(value, datatype=XSD.base64Binary)))
    return signed


def verify(graph: Graph, certificate: URIRef, keys: Iterable[PublicKey]) -> Verification:
    """Whether `certificate`'s signature in `graph` was made by one of `keys` over exactly this
    content; if not, why: unsigned, malformed, signed with an unknown key, or edited since."""
    signatures = list(graph.objects(certificate, NIF.signature))
    key_ids = list(graph.objects(certificate, NIF.signingKey))
    if not signatures:
        return Verification(SignatureStatus.UNSIGNED, f"{certificate} has no signature")
    if len(signatures) > 1 or len(key_ids) != 1:
        return Verification(
            SignatureStatus.MALFORMED,
            f"{certificate} needs exactly one nif:signature and one nif:signingKey "
            f"(has {len(signatures)} and {len(key_ids)})",
        )
    key_id = str(key_ids[0])
    try:
        value = base64.b64decode(str(signatures[0]), validate=True)
    except binascii.Error:
        return Verification(
            SignatureStatus.MALFORMED, f"{certificate}: the signature is not base64", key_id
        )
    known = {k.key_id: k for k in keys}
    if key_id not in known:
        return Verification(
            SignatureStatus.UNKNOWN_KEY,
            f"{certificate} was signed with key {key_id}, which is not a key of this registry "
            f"(known: {', '.join(sorted(known)) or 'none'})",
            key_id,
        )
    try:
        known[key_id].key.verify(value, canonical(graph))
    except InvalidSignature:
        return Verification(
            SignatureStatus.MISMATCH,
            f"{certificate}: the signature does not match its content: the certificate was "
            "edited after it was signed",
            key_id,
        )
    return Verification(SignatureStatus.VALID, f"{certificate}: signed with key {key_id}", key_id)
