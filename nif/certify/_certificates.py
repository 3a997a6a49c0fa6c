"""Certificates: issued from a passing certification run, signed, kept in the registry, revoked.

A certificate is the signed named graph `{base}certificate/{id}`; issuing it also stores the run
it was derived from (EARL and PROV) and the suite it ran, so the registry alone explains it. A
revocation is a separate graph `{base}certificate/{id}/revocation`, signed with the same key on
the node of that IRI: the certificate's signed content never changes after issue.

Whatever is in the store, only signatures count: a certificate is read with the check of its
signature against the registry's keys (`Certificate.signature`), and a revocation counts only
when its own signature verifies, so graphs written by other means (older data, imports, a
remote store written by others) can neither certify nor revoke.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from nif.certify._earl import run_graph
from nif.certify._keys import PublicKey, SigningKey, load_or_create, registry_keys
from nif.certify._manifest import find_suite
from nif.certify._model import Certificate, Purpose, Revocation, Run
from nif.certify._namespaces import OA
from nif.certify._publish import published, suite_graph
from nif.certify._runner import agency_iri
from nif.certify._signature import sign, verify
from nif.certify._suite import Suite
from nif.errors import CertificationError, NotFoundError, UsageError
from nif.registry import (
    DCTERMS,
    DQV,
    NIF,
    PROV,
    RecordVersion,
    Registry,
    certificate_iri,
    pick_version,
    revocation_iri,
    run_iri,
    sorted_ntriples,
    sparql_prefixes,
    version_checksums,
)
from nif.registry import utc_now as history_now
from nif.settings import Settings
from nif.store import Store

MAX_REASON = 2000
_ID = re.compile(r"cert-[0-9]{8}-[0-9a-f]{8}")
_TITLE = re.compile(r"Certificate: (\S+) implements (\S+)@(\S+)")
PREFIXES = sparql_prefixes() + f"PREFIX dqv: <{DQV}>\nPREFIX oa: <{OA}>\nPREFIX prov: <{PROV}>\n"
log = logging.getLogger("nif.certify")


def certificate_id(settings: Settings, key: str) -> str:
    """The id in `key`, an id or a certificate IRI; `NotFoundError` when it is neither."""
    prefix = certificate_iri(settings, "")
    cert_id = key[len(prefix) :] if key.startswith(prefix) else key
    if not _ID.fullmatch(cert_id):
        raise NotFoundError(f"no certificate {key!r}: ids look like cert-20260101-0123abcd")
    return cert_id


def timestamp(moment: dt.datetime) -> str:
    """ISO 8601 UTC with seconds, as certificates state times."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def version_iri(store: Store, interface: str, version: str) -> str:
    """The IRI of `interface`@`version`; `NotFoundError` naming the versions there are."""
    return pick_version(store, interface, version)[0]


def issue(
    registry: Registry,
    run: Run,
    key: SigningKey,
    *,
    actor: str,
    valid_days: int | None = None,
    now: dt.datetime | None = None,
    suite: Suite | None = None,
) -> Certificate:
    """Issue and store the certificate of `run`, signed with `key`.

    Refused (`CertificationError`, saying why) unless `run` is a certification run in which every
    mandatory case passed, judged on the suite (`suite`, default the shipped one) and artefacts
    the registry has now, and no certificate was issued from it yet. Certificate, run and suite
    graphs are written in one store transaction.
    """
    settings = registry.settings
    days = settings.certificates.validity_days if valid_days is None else valid_days
    if days < 1:
        raise UsageError(f"a certificate must be valid for at least one day, not {days}")
    with registry._writing():
        try:
            current = _certifiable(registry, run, suite)
        except CertificationError as exc:
            registry.history.audit(actor, "certificate.issue", run.id, "refused", str(exc))
            raise
        issued = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        cert_id = f"cert-{issued:%Y%m%d}-{secrets.token_hex(4)}"
        iri = URIRef(certificate_iri(settings, cert_id))
        graph = Graph()
        for prop, value in (
            (RDF.type, DQV.QualityCertificate),
            (DCTERMS.identifier, Literal(cert_id)),
            (
                DCTERMS.title,
                Literal(f"Certificate: {run.agency} implements {run.interface}@{run.version}"),
            ),
            (OA.hasTarget, URIRef(version_iri(registry.store, run.interface, run.version))),
            (NIF.holder, URIRef(agency_iri(registry.store, run.agency))),
            (DCTERMS.creator, Literal(settings.certificates.issuer)),
            (NIF.issuedBy, Literal(actor)),
            (DCTERMS.issued, Literal(timestamp(issued), datatype=XSD.dateTime)),
            (
                NIF.validUntil,
                Literal(timestamp(issued + dt.timedelta(days=days)), datatype=XSD.dateTime),
            ),
            (PROV.wasDerivedFrom, URIRef(run_iri(settings, run.id))),
            (NIF.suite, URIRef(run.suite_iri)),
            (NIF.suiteChecksum, Literal(run.suite_sha256)),
            *((NIF.artefactChecksum, Literal(a)) for a in run.artefacts),
        ):
            graph.add((iri, prop, value))
        signed = sign(graph, iri, key)
        content = sorted_ntriples(signed)
        suite_content = sorted_ntriples(suite_graph(current, settings))
        if not published(registry.store, current):
            registry.store.replace_graph(current.iri, suite_content)  # run_graph reads its cases
        run_content = sorted_ntriples(run_graph(run, settings, registry.store))
        registry.store.replace_graphs(
            {str(iri): content, run_iri(settings, run.id): run_content, current.iri: suite_content}
        )
        registry.changed()
        version = RecordVersion(
            str(iri),
            cert_id,
            "certificate",
            "issue",
            actor,
            history_now(),
            registry.blobs.put(content),
            len(signed),
        )
        registry.history.add([version])
        registry.history.audit(
            actor,
            "certificate.issue",
            str(iri),
            "issued",
            f"{run.agency} {run.interface}@{run.version} from run {run.id}",
        )
    return certificate_from(registry.store, settings, signed, iri)


def _certifiable(registry: Registry, run: Run, suite: Suite | None) -> Suite:
    """The current suite of `run`, when a certificate may be issued from it."""
    store, settings = registry.store, registry.settings
    what = f"{run.interface}@{run.version}"
    if run.purpose is not Purpose.CERTIFICATION:
        raise CertificationError(
            f"run {run.id} is a {run.purpose} run: only a certification run, started by a "
            "certifier, yields a certificate"
        )
    if not run.passed:
        raise CertificationError(
            f"run {run.id} did not pass: mandatory case(s) {', '.join(run.failed_mandatory)} "
            "did not pass"
        )
    current = suite or find_suite(run.interface, run.version, settings=settings)
    if current.sha256 != run.suite_sha256:
        raise CertificationError(
            f"the conformance suite of {what} changed since run {run.id} (run on "
            f"{run.suite_sha256[:12]}, now {current.sha256[:12]}): run it again"
        )
    now_pinned = version_checksums(store, version_iri(store, run.interface, run.version))
    if set(now_pinned) != set(run.artefacts):
        raise CertificationError(
            f"the artefact checksums of {what} changed since run {run.id}: "
            f"{artefact_change(run.artefacts, now_pinned)}; run it again"
        )
    rows = store.select(
        f"{PREFIXES}SELECT ?c WHERE {{ GRAPH ?c {{ ?c a dqv:QualityCertificate ; "
        f"prov:wasDerivedFrom {URIRef(run_iri(settings, run.id)).n3()} }} }}"
    )
    for row in rows:  # a graph whose signature fails claims nothing
        try:
            earlier = get_certificate(store, settings, str(row["c"]))
        except (CertificationError, NotFoundError):
            continue
        if earlier.signature.ok:
            raise CertificationError(
                f"certificate {earlier.iri} was already issued from run {run.id}"
            )
    return current


def artefact_change(pinned: tuple[str, ...], current: tuple[str, ...]) -> str:
    """`1 removed, 1 added`: how the checksums of a version's artefacts differ from a pin."""
    removed = len(set(pinned) - set(current))
    added = len(set(current) - set(pinned))
    return f"{removed} removed, {added} added"


def revoke(
    registry: Registry,
    cert_id: str,
    *,
    actor: str,
    reason: str,
    key: SigningKey | None = None,
) -> Certificate:
    """Revoke a certificate, saying why, signed with `key` (default: the registry's);
    `CertificationError` if it is already revoked (a revocation whose signature does not
    verify does not count: revoking again replaces it)."""
    settings = registry.settings
    key = key or load_or_create(registry.state)
    reason = " ".join(reason.split())
    if not reason:
        raise UsageError("a revocation needs a reason")
    if len(reason) > MAX_REASON:
        raise UsageError(f"the reason is {len(reason)} characters long, more than {MAX_REASON}")
    with registry._writing():
        cert = get_certificate(registry.store, settings, cert_id)
        if cert.revocation is not None:
            exc = CertificationError(
                f"certificate {cert.id} was already revoked on {cert.revocation.at} by "
                f"{cert.revocation.actor}"
            )
            registry.history.audit(actor, "certificate.revoke", cert.iri, "refused", str(exc))
            raise exc
        at = timestamp(dt.datetime.now(dt.UTC))
        subject = URIRef(cert.iri)
        graph = Graph()
        graph.add((subject, PROV.invalidatedAtTime, Literal(at, datatype=XSD.dateTime)))
        graph.add((subject, NIF.revokedBy, Literal(actor)))
        graph.add((subject, NIF.revocationReason, Literal(reason)))
        graph = sign(graph, URIRef(revocation_iri(settings, cert.id)), key)
        content = sorted_ntriples(graph)
        registry.store.replace_graphs({revocation_iri(settings, cert.id): content})
        registry.changed()
        registry.history.add(
            [
                RecordVersion(
                    cert.iri,
                    cert.id,
                    "certificate",
                    "revoke",
                    actor,
                    history_now(),
                    registry.blobs.put(content),
                    len(graph),
                )
            ]
        )
        registry.history.audit(actor, "certificate.revoke", cert.iri, "revoked", reason)
    return get_certificate(registry.store, settings, cert.id)


def certificate_graph(store: Store, settings: Settings, cert_id: str) -> Graph:
    """The signed graph of a stored certificate; `NotFoundError` when there is none."""
    cert_id = certificate_id(settings, cert_id)
    content = store.read_graph(certificate_iri(settings, cert_id))
    if not content.strip():
        raise NotFoundError(f"no certificate {cert_id} in the registry")
    return Graph().parse(data=content, format="nt")


def get_certificate(store: Store, settings: Settings, cert_id: str) -> Certificate:
    """The stored certificate `cert_id` (an id or IRI); `NotFoundError` when there is none."""
    cert_id = certificate_id(settings, cert_id)
    graph = certificate_graph(store, settings, cert_id)
    return certificate_from(store, settings, graph, URIRef(certificate_iri(settings, cert_id)))


def find_certificates(
    store: Store,
    settings: Settings,
    *,
    agency: str | None = None,
    interface: str | None = None,
    version: str | None = None,
) -> list[Certificate]:
    """The stored certificates (newest first), of an agency and/or an interface (version).

    Only what a certificate graph states about its own IRI makes it one (statements elsewhere
    in the store do not); one that is not well-formed is logged and left out.
    """
    patterns = ["GRAPH ?c { ?c a dqv:QualityCertificate ; nif:holder ?h ; oa:hasTarget ?v . }"]
    if agency is not None:
        patterns.append(f"?h dct:identifier {Literal(agency).n3()} .")
    if interface is not None:
        patterns.append(f"?i dcat:hasVersion ?v ; dct:identifier {Literal(interface).n3()} .")
    if version is not None:
        patterns.append(f"?v dcat:version {Literal(version).n3()} .")
    rows = store.select(f"{PREFIXES}SELECT DISTINCT ?c WHERE {{ {' '.join(patterns)} }}")
    prefix = certificate_iri(settings, "")
    found = []
    for row in rows:
        if not str(row["c"]).startswith(prefix):
            continue
        try:
            cert = get_certificate(store, settings, str(row["c"]))
        except (CertificationError, NotFoundError) as exc:
            log.warning("not a certificate, left out: %s", exc)
            continue
        wanted = (agency, cert.agency), (interface, cert.interface), (version, cert.version)
        if all(want is None or want == got for want, got in wanted):
            found.append(cert)
    return sorted(found, key=lambda c: (c.issued, c.id), reverse=True)


def certificate_from(
    store: Store | None,
    settings: Settings,
    graph: Graph,
    iri: URIRef,
    keys: Iterable[PublicKey] | None = None,
) -> Certificate:
    """The certificate `iri` states in `graph`, with the check of its signature with `keys`
    (default: the registry's, `registry_keys`) and its revocation from the store if any.

    Agency, interface and version identifiers come from the registry's records, or from the
    certificate's title when those records are gone or there is no `store` (a file checked
    offline: no revocation either).
    """
    trusted = tuple(registry_keys(settings) if keys is None else keys)

    def one(prop: URIRef) -> Node:
        values = list(graph.objects(iri, prop))
        if len(values) != 1:
            raise CertificationError(
                f"{iri} is not a well-formed certificate: it needs exactly one "
                f"{graph.namespace_manager.normalizeUri(prop)} (has {len(values)})"
            )
        return values[0]

    holder, target, title = one(NIF.holder), one(OA.hasTarget), str(one(DCTERMS.title))
    agency, interface, version = _identity(store, holder, target, title)
    cert_id = str(one(DCTERMS.identifier))
    key_ids = list(graph.objects(iri, NIF.signingKey))
    revocation, ignored = (
        _revocation(store, settings, iri, cert_id, trusted) if store is not None else (None, None)
    )
    return Certificate(
        id=cert_id,
        iri=str(iri),
        agency=agency,
        agency_iri=str(holder),
        interface=interface,
        version=version,
        version_iri=str(target),
        issuer=str(one(DCTERMS.creator)),
        issued_by=str(one(NIF.issuedBy)),
        issued=str(one(DCTERMS.issued)),
        valid_until=str(one(NIF.validUntil)),
        run=str(one(PROV.wasDerivedFrom)).rsplit("/", 1)[-1],
        run_iri=str(one(PROV.wasDerivedFrom)),
        suite_iri=str(one(NIF.suite)),
        suite_sha256=str(one(NIF.suiteChecksum)),
        artefacts=tuple(sorted(str(a) for a in graph.objects(iri, NIF.artefactChecksum))),
        key_id=str(key_ids[0]) if len(key_ids) == 1 else "",
        signature=verify(graph, iri, trusted),
        revocation=revocation,
        ignored_revocation=ignored,
    )


def _identity(store: Store | None, holder: Node, target: Node, title: str) -> tuple[str, str, str]:
    rows = (
        []
        if store is None
        else store.select(
            f"""{PREFIXES}SELECT ?agency ?interface ?version WHERE {{
  OPTIONAL {{ {holder.n3()} dct:identifier ?agency }}
  OPTIONAL {{ ?i dcat:hasVersion {target.n3()} ; dct:identifier ?interface .
             {target.n3()} dcat:version ?version }}
}}"""
        )
    )
    row = rows[0] if rows else {}
    named = _TITLE.fullmatch(title)
    fallback = named.groups() if named else ("?", "?", "?")
    return (
        str(row.get("agency", fallback[0])),
        str(row.get("interface", fallback[1])),
        str(row.get("version", fallback[2])),
    )


def _revocation(
    store: Store, settings: Settings, iri: URIRef, cert_id: str, keys: tuple[PublicKey, ...]
) -> tuple[Revocation | None, str | None]:
    """The revocation of certificate `iri` when its signature verifies with `keys`; else None
    and why the revocation graph (if any) was ignored."""
    if not _ID.fullmatch(cert_id) or str(iri) != certificate_iri(settings, cert_id):
        return None, None
    node = revocation_iri(settings, cert_id)
    content = store.read_graph(node)
    if not content.strip():
        return None, None
    graph = Graph().parse(data=content, format="nt")
    signature = verify(graph, URIRef(node), keys)
    if not signature.ok:
        return None, f"a revocation was ignored: signature {signature.status}: {signature.message}"
    values = [list(graph.objects(iri, p)) for p in _REVOKED]
    if any(len(v) != 1 for v in values):
        return None, f"a revocation was ignored: {node} does not state one revocation of {iri}"
    at, actor, reason = (str(v[0]) for v in values)
    return Revocation(at=at, actor=actor, reason=reason), None


_REVOKED = (PROV.invalidatedAtTime, NIF.revokedBy, NIF.revocationReason)
