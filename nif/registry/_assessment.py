"""The compatibility assessment of an interface version as RDF, in nif's own named graph.

At every write of an interface record, each of its versions that has an earlier version is
assessed (`_compatibility`) unless nothing it was judged on changed; the graphs are written in
the same transaction as the record (`assess_records`), dropped with it, and read back for
pages and feeds (`read_assessment`). The graph `{base}compatibility/{interface}/{version}`
holds one `nif:CompatibilityAssessment` of that IRI, with a `nif:messageAssessment` per message
type and earlier version, and their `nif:change`s: the vocabulary of `vocabularies/nif.ttl`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from nif.compat import DIRECTIONS, Answer, Comparison
from nif.errors import InputError, NifError, NotFoundError
from nif.registry._blobs import Blobs, Overlay
from nif.registry._compatibility import (
    VERDICT,
    VersionSide,
    compare_sides,
    find_version,
    order_key,
    read_versions,
    version_numbers,
)
from nif.registry._history import utc_now
from nif.registry._iris import assessment_iri
from nif.registry._namespaces import NIF, PROV, sparql_prefixes
from nif.registry._policy import (
    POLICY,
    MessageVerdict,
    Policy,
    VersionAssessment,
    assess,
    compared_versions,
    read_policy,
    refusal,
)
from nif.registry._records import Record, RecordKind, from_ntriples, sorted_ntriples
from nif.registry._shacl import ShaclReport, ShaclResult
from nif.settings import Settings
from nif.store import DumpFormat, EmbeddedStore, Store

if TYPE_CHECKING:
    from nif.registry._registry import Registry

ASSESSMENT = NIF.CompatibilityAssessment


@dataclasses.dataclass
class Assessed:
    """What assessing a submission gives: graphs to write beside the records (empty bytes:
    drop) and, per record IRI, the new minor or patch versions that break their policy."""

    graphs: dict[str, bytes]
    refused: dict[str, list[VersionAssessment]]

    def message(self) -> str:
        return "\n".join(refusal(a) for found in self.refused.values() for a in found)

    def comparisons(self) -> list[Comparison]:
        return [c for found in self.refused.values() for a in found for c in a.comparisons]


def refusals_report(assessed: Assessed) -> ShaclReport:
    """The refusals of a folder load as violations, one per refused version."""
    from nif.registry._ownership import report_of

    results = [
        ShaclResult(
            "violation", a.version.iri, "", refusal(a), constraint=str(NIF.compatibilityPolicy)
        )
        for found in assessed.refused.values()
        for a in found
    ]
    report = report_of(results)
    report.results = results
    return report


def assess_records(registry: Registry, records: Sequence[Record], staging: Blobs) -> Assessed:
    """Assess every interface record of a submission against the store (see the module)."""
    interfaces = [
        r for r in records if r.kind is RecordKind.INTERFACE and version_numbers(r.graph, r.iri)
    ]
    assessed = Assessed({}, {})
    if not interfaces:
        return assessed
    from nif.registry._bulk import nquads

    blobs = Overlay(staging, registry.blobs)
    with EmbeddedStore(None) as pending:
        pending.load(nquads({r.iri: r.ntriples() for r in interfaces}), DumpFormat.NQUADS)
        for record in interfaces:
            graphs, refused = _assess_record(registry, pending, record, blobs)
            assessed.graphs.update(graphs)
            if refused:
                assessed.refused[record.iri] = refused
    return assessed


def _assess_record(
    registry: Registry, pending: Store, record: Record, blobs: Blobs
) -> tuple[dict[str, bytes], list[VersionAssessment]]:
    settings = registry.settings
    policy = read_policy(record.graph, record.iri)
    versions = read_versions(pending, record.graph, record.iri, blobs)
    stored_policy, stored = _stored(registry, record.iri)
    graphs: dict[str, bytes] = {}
    refused: list[VersionAssessment] = []
    for number in sorted(versions, key=order_key):
        compared = compared_versions(policy, versions, number)
        iri = assessment_iri(settings, record.identifier, number)
        if not compared:
            continue
        if _unchanged(policy, versions, stored_policy, stored, number, compared) and (
            registry.store.read_graph(iri).strip()
        ):
            continue
        assessment = assess(
            record.identifier,
            record.iri,
            policy,
            versions,
            number,
            settings.registry.compatibility_time_limit,
        )
        if assessment is None:
            continue
        known = stored.get(number)
        if (
            assessment.breaking
            and not assessment.major
            and (known is None or known.fingerprint != versions[number].fingerprint)
        ):
            refused.append(assessment)
        graphs[iri] = assessment_graph(assessment, settings)
    for number in stored:
        if number not in versions or not compared_versions(policy, versions, number):
            graphs.setdefault(assessment_iri(settings, record.identifier, number), b"")
    return graphs, refused


def _stored(registry: Registry, iri: str) -> tuple[Policy | None, dict[str, VersionSide]]:
    """The stored version of the record: its policy and versions (none when new)."""
    content = registry.store.read_graph(iri)
    if not content.strip():
        return None, {}
    graph = from_ntriples(iri, content).graph
    try:
        policy: Policy | None = read_policy(graph, iri)
    except InputError:
        policy = None
    try:
        return policy, read_versions(registry.store, graph, iri, registry.blobs)
    except NifError:
        return policy, {}


def _unchanged(
    policy: Policy,
    versions: dict[str, VersionSide],
    stored_policy: Policy | None,
    stored: dict[str, VersionSide],
    number: str,
    compared: list[str],
) -> bool:
    """Whether the version, the versions it is compared with and the policy are as stored."""
    if policy != stored_policy or compared_versions(policy, stored, number) != compared:
        return False
    return all(
        v in stored and stored[v].fingerprint == versions[v].fingerprint
        for v in (number, *compared)
    )


def withdrawn_graphs(registry: Registry, record: Record) -> dict[str, bytes]:
    """The assessment graphs to drop with an interface record (empty bytes each)."""
    if record.kind is not RecordKind.INTERFACE:
        return {}
    return {
        assessment_iri(registry.settings, record.identifier, number): b""
        for number in version_numbers(record.graph, record.iri)
    }


def compare_stored(registry: Registry, interface: str, old: str | None, new: str) -> Comparison:
    """`Registry.compare_versions`: two stored versions of an interface (OLD default: the
    version before NEW), every message type of NEW with its counterpart."""
    record = registry.read(interface)
    if record.kind is not RecordKind.INTERFACE:
        raise NotFoundError(f"{interface} is an agency, not an interface")
    versions = read_versions(registry.store, record.graph, record.iri, registry.blobs)
    new_side = find_version(versions, interface, new)
    if old is None:
        earlier = [v for v in versions if order_key(v) < order_key(new)]
        if not earlier:
            raise NotFoundError(f"{interface}@{new} is its first version: nothing to compare")
        old = max(earlier, key=order_key)
    return compare_sides(
        record.identifier,
        find_version(versions, interface, old),
        new_side,
        registry.settings.registry.compatibility_time_limit,
    )


# writing


def assessment_graph(assessment: VersionAssessment, settings: Settings) -> bytes:
    """The assessment as sorted N-Triples (see the module for the vocabulary)."""
    graph = Graph()
    node = URIRef(assessment_iri(settings, assessment.interface, assessment.version.version))
    graph.add((node, RDF.type, ASSESSMENT))
    graph.add((node, NIF.assessedVersion, URIRef(assessment.version.iri)))
    for side in assessment.compared:
        graph.add((node, NIF.comparedWith, URIRef(side.iri)))
    graph.add((node, NIF.policy, URIRef(assessment.policy.iri)))
    graph.add((node, NIF.breaking, Literal(assessment.breaking)))
    graph.add((node, PROV.generatedAtTime, Literal(utc_now(), datatype=XSD.dateTime)))
    for n, verdict in enumerate(assessment.messages, start=1):
        message = URIRef(f"{node}/message/{n}")
        graph.add((node, NIF.messageAssessment, message))
        _message(graph, message, verdict)
    return sorted_ntriples(graph)


def _message(graph: Graph, node: URIRef, verdict: MessageVerdict) -> None:
    compared = verdict.comparison
    side = verdict.new or verdict.old
    assert side is not None
    graph.add((node, RDFS.label, Literal(side.name)))
    if verdict.new is not None:
        graph.add((node, NIF.assessedMessageType, URIRef(verdict.new.ref.iri)))
    if verdict.old is not None:
        graph.add((node, NIF.previousMessageType, URIRef(verdict.old.ref.iri)))
    graph.add((node, NIF.comparedWith, URIRef(verdict.compared_with.iri)))
    for direction in verdict.required:
        graph.add((node, NIF.required, Literal(direction)))
    graph.add((node, NIF.breaking, Literal(not verdict.met)))
    open_content = False
    for direction in DIRECTIONS:
        answer: Answer = compared.answer(direction)
        graph.add((node, NIF[f"{direction}Verdict"], VERDICT[answer.verdict]))
        if answer.counterexample is not None:
            graph.add((node, NIF[f"{direction}Counterexample"], Literal(answer.counterexample)))
        if answer.reason:
            graph.add((node, NIF[f"{direction}Reason"], Literal(answer.reason)))
        open_content = open_content or answer.open_content
    graph.add((node, NIF.openContent, Literal(open_content)))
    for k, change in enumerate(compared.changes, start=1):
        at = URIRef(f"{node}/change/{k}")
        graph.add((node, NIF.change, at))
        graph.add((at, NIF.changeKind, Literal(change.kind)))
        graph.add((at, RDFS.comment, Literal(change.detail)))
        graph.add((at, NIF.breaks, Literal(change.breaks)))
        if change.old is not None:
            graph.add((at, NIF.oldLocation, Literal(str(change.old))))
        if change.new is not None:
            graph.add((at, NIF.newLocation, Literal(str(change.new))))


# reading


def read_assessment(
    store: Store, settings: Settings, interface: str, version: str
) -> dict[str, Any] | None:
    """The stored assessment of `interface`@`version` as plain data, None when there is none
    (a first version, or an interface nif has not assessed).

    Keys: `iri`, `interface`, `version`, `version_iri`, `policy` (e.g. "by-direction"),
    `breaking` (bool), `generated` (ISO timestamp), `compared_with` ([{`iri`, `version`}],
    oldest first) and `messages`, each {`iri`, `name` (the message type), `message_type` and
    `previous_message_type` (IRIs, None for one added or removed), `compared_with` {`iri`,
    `version`}, `required` (["backward"] ...), `breaking`, `open_content`, `backward` and
    `forward` ({`verdict`, `counterexample`, `reason`}) and `changes` ([{`kind`, `detail`,
    `breaks`, `old`, `new`}], locations as "file:line path")}.
    """
    iri = assessment_iri(settings, interface, version)
    content = store.read_graph(iri)
    if not content.strip():
        return None
    graph = Graph().parse(data=content, format="nt")
    node = URIRef(iri)
    if (node, RDF.type, ASSESSMENT) not in graph:
        return None
    compared = sorted({str(o) for o in graph.objects(node, NIF.comparedWith)})
    numbers = _version_numbers(store, [*compared, str(graph.value(node, NIF.assessedVersion))])
    messages = sorted(
        graph.objects(node, NIF.messageAssessment),
        key=lambda m: int(str(m).rsplit("/", 1)[-1]),
    )
    policy = graph.value(node, NIF.policy)
    generated = graph.value(node, PROV.generatedAtTime)
    return {
        "iri": iri,
        "interface": interface,
        "version": version,
        "version_iri": str(graph.value(node, NIF.assessedVersion) or ""),
        "policy": str(policy).removeprefix(str(POLICY)) if policy is not None else None,
        "breaking": _bool(graph.value(node, NIF.breaking)),
        "generated": str(generated) if generated is not None else None,
        "compared_with": sorted(
            ({"iri": c, "version": numbers.get(c, c.rsplit("/", 1)[-1])} for c in compared),
            key=lambda c: order_key(c["version"]),
        ),
        "messages": [_read_message(graph, URIRef(str(m)), numbers) for m in messages],
    }


def _read_message(graph: Graph, node: URIRef, numbers: dict[str, str]) -> dict[str, Any]:
    def text(prop: URIRef) -> str | None:
        value = graph.value(node, prop)
        return str(value) if value is not None else None

    compared = text(NIF.comparedWith) or ""
    changes = sorted(graph.objects(node, NIF.change), key=lambda c: int(str(c).rsplit("/", 1)[-1]))
    answers = {}
    for direction in ("backward", "forward"):
        verdict = text(NIF[f"{direction}Verdict"]) or str(VERDICT.unknown)
        answers[direction] = {
            "verdict": verdict.removeprefix(str(VERDICT)),
            "counterexample": text(NIF[f"{direction}Counterexample"]),
            "reason": text(NIF[f"{direction}Reason"]),
        }
    return {
        "iri": str(node),
        "name": text(RDFS.label),
        "message_type": text(NIF.assessedMessageType),
        "previous_message_type": text(NIF.previousMessageType),
        "compared_with": {
            "iri": compared,
            "version": numbers.get(compared, compared.rsplit("/", 1)[-1]),
        },
        "required": sorted(str(r) for r in graph.objects(node, NIF.required)),
        "breaking": _bool(graph.value(node, NIF.breaking)),
        "open_content": _bool(graph.value(node, NIF.openContent)),
        **answers,
        "changes": [
            {
                "kind": str(graph.value(c, NIF.changeKind) or ""),
                "detail": str(graph.value(c, RDFS.comment) or ""),
                "breaks": str(graph.value(c, NIF.breaks) or ""),
                "old": _optional(graph.value(c, NIF.oldLocation)),
                "new": _optional(graph.value(c, NIF.newLocation)),
            }
            for c in changes
        ],
    }


def _version_numbers(store: Store, iris: Sequence[str]) -> dict[str, str]:
    values = " ".join(URIRef(i).n3() for i in iris if i and i != "None")
    if not values:
        return {}
    rows = store.select(
        sparql_prefixes()
        + f"SELECT ?v ?n WHERE {{ VALUES ?v {{ {values} }} GRAPH ?g {{ ?i dcat:hasVersion ?v . "
        "?v dcat:version ?n } FILTER(?i = ?g) }"
    )
    return {str(r["v"]): str(r["n"]) for r in rows}


def _bool(value: object) -> bool:
    return isinstance(value, Literal) and value.toPython() is True


def _optional(value: object) -> str | None:
    return str(value) if value is not None else None
