"""The review step: which submissions are proposed instead of stored, and deciding them.

The rule (`review_reasons`): a submission asked to be reviewed (`Registry.submit(review=True)`,
what the service does for publisher tokens) is kept as a proposal when it adds a version to an
interface (a new `dcat:hasVersion`) or moves a version's `adms:status` to Completed. Anything
else is stored at once. A proposal has passed every check a submission runs before it is kept
(`_proposals` keeps it); a certifier or admin accepts it, which stores the record exactly as its
submission would have been stored (history action `accept`, the reviewer as actor), or rejects
it with a comment. Accepting is refused (`ReviewError`) once the record changed since the
proposal was made.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rdflib import Graph, URIRef

from nif.errors import RejectedError, ReviewError, UsageError
from nif.registry._assessment import read_assessment
from nif.registry._blobs import Blobs
from nif.registry._history import RecordVersion, utc_now
from nif.registry._namespaces import ADMS, DCAT, DCTERMS, STATUS
from nif.registry._proposals import Proposal, ProposalState
from nif.registry._record_diff import RecordDiff, record_diff
from nif.registry._records import Record, RecordKind, from_ntriples, literal_text, stored_record
from nif.registry._shacl import ShaclReport
from nif.registry._staging import staging_area
from nif.registry._submission import own_nodes_only
from nif.store import EmbeddedStore

if TYPE_CHECKING:
    from nif.registry._registry import Registry

ADDED = "version-added"
COMPLETED = "version-completed"


def review_reasons(record: Record, stored: Record | None) -> list[tuple[str, str]]:
    """Why `record` needs review against its stored version (None: new): (`version-added` or
    `version-completed`, the version number) for each version it adds or moves to Completed."""
    if record.kind is not RecordKind.INTERFACE:
        return []
    before = stored.graph if stored is not None else Graph()
    known = set(before.objects(URIRef(record.iri), DCAT.hasVersion))
    reasons = []
    for version in sorted(record.graph.objects(URIRef(record.iri), DCAT.hasVersion), key=str):
        number = literal_text(record.graph.value(version, DCAT.version)) or str(version)
        completed = (version, ADMS.status, STATUS.Completed)
        if version not in known:
            reasons.append((ADDED, number))
        elif completed in record.graph and completed not in before:
            reasons.append((COMPLETED, number))
    return reasons


def current_sha256(registry: Registry, iri: str) -> str | None:
    """The sha256 of the record's current version (None: not in the registry)."""
    stored = stored_record(iri, registry.store.read_graph(iri))
    return stored.sha256() if stored is not None else None


def propose(
    registry: Registry,
    records: Sequence[Record],
    staging: Blobs,
    actor: str,
    assessed: dict[str, bytes],
) -> Proposal | None:
    """Keep the submission as a proposal if the rule asks for review (None: store it). The
    caller holds the write lock and ran every check; pinned files move to the blob store."""
    stored = {r.iri: stored_record(r.iri, registry.store.read_graph(r.iri)) for r in records}
    reasons = {r.iri: review_reasons(r, stored[r.iri]) for r in records}
    if not any(reasons.values()):
        return None
    if len(records) != 1:
        names = ", ".join(r.identifier for r in records if reasons[r.iri])
        raise UsageError(f"{names} need(s) review: submit a record that needs review on its own")
    record = records[0]
    base = stored[record.iri]
    staging.copy_into(registry.blobs)
    if base is not None:
        registry.blobs.put(base.ntriples())
    graphs = {iri: content.decode() for iri, content in assessed.items()}
    kept = Proposal(
        id="",
        record=record.iri,
        identifier=record.identifier,
        agency=str(record.graph.value(URIRef(record.iri), DCTERMS.publisher) or ""),
        proposer=actor,
        created=utc_now(),
        base=base.sha256() if base is not None else None,
        sha256=registry.blobs.put(record.ntriples()),
        assessment=registry.blobs.put(json.dumps(graphs).encode()) if graphs else None,
        reasons=tuple(reasons[record.iri]),
        state=ProposalState.OPEN,
    )
    new, *superseded = registry.proposals.add(kept)
    detail = f"proposal {new}" + (f", superseding {', '.join(superseded)}" if superseded else "")
    registry.history.audit(actor, "propose", record.identifier, "proposed", detail)
    return registry.proposals.get(new)


def _open(registry: Registry, proposal_id: str) -> Proposal:
    proposal = registry.proposals.get(proposal_id)
    if not proposal.is_open:
        raise ReviewError(
            f"proposal {proposal_id} is {proposal.state} already"
            + (f" (by {proposal.decided_by})" if proposal.decided_by else "")
        )
    return proposal


def accept(
    registry: Registry, proposal_id: str, actor: str, comment: str
) -> tuple[Proposal, list[RecordVersion], ShaclReport]:
    """Store an open proposal's record as its submission would have been (see the module):
    the proposal, the versions stored and the shapes report."""
    with registry._writing():
        with registry.history.audited(actor, "accept", proposal_id):
            proposal = _open(registry, proposal_id)
            if current_sha256(registry, proposal.record) != proposal.base:
                raise ReviewError(
                    f"proposal {proposal_id}: record {proposal.identifier} changed since the "
                    "proposal was made; the agency must propose its change again"
                )
            record = from_ntriples(proposal.record, registry.blobs.get(proposal.sha256))
            owners = registry._owners([record])
            own_nodes_only(registry.store, [record], registry.settings, owners, proposal_id)
            report = registry._check([record])
            if not report.conforms:
                raise RejectedError(
                    f"proposal {proposal_id}: rejected, {len(report.violations)} violation(s) "
                    f"of the shapes:\n{report.text()}",
                    report,
                )
            with staging_area(registry.settings) as staging:
                stored = registry._commit(
                    [record], staging, actor, "accept", beside=_graphs(registry, proposal)
                )
            decided = registry.proposals.decide(
                proposal_id, ProposalState.ACCEPTED, actor, comment.strip()
            )
        registry.history.audit(
            actor,
            "accept",
            proposal.identifier,
            "stored",
            f"proposal {proposal_id} by {proposal.proposer}",
        )
    return decided, stored, report


def reject(registry: Registry, proposal_id: str, actor: str, comment: str) -> Proposal:
    """Close an open proposal without storing it; the comment (required) tells the agency why."""
    with registry._writing():
        with registry.history.audited(actor, "reject", proposal_id):
            if not comment.strip():
                raise UsageError("rejecting a proposal needs a comment saying why")
            proposal = _open(registry, proposal_id)
            decided = registry.proposals.decide(
                proposal_id, ProposalState.REJECTED, actor, comment.strip()
            )
        registry.history.audit(
            actor, "reject", proposal.identifier, "rejected", f"proposal {proposal_id}"
        )
    return decided


def _graphs(registry: Registry, proposal: Proposal) -> dict[str, bytes]:
    """The assessment graphs the proposal was given, to write with its record."""
    if proposal.assessment is None:
        return {}
    kept = json.loads(registry.blobs.get(proposal.assessment))
    return {str(iri): str(content).encode() for iri, content in kept.items()}


@dataclasses.dataclass
class ProposalDetails:
    """A proposal with what a reviewer needs: the `diff` against the version it was made
    against, the `assessments` of each version it adds or completes (`_assessment`'s keys,
    None for a version nif does not assess), and whether the record changed since (`stale`)."""

    proposal: Proposal
    diff: RecordDiff
    assessments: list[dict[str, Any]]
    stale: bool

    def text(self) -> str:
        """The proposal for a terminal: who proposed what, why review, the diff, and each
        version's assessment message type by message type."""
        p = self.proposal
        lines = [
            f"proposal {p.id}: {p.identifier} <{p.record}>",
            f"  proposed by {p.proposer} at {p.created}; {p.state}"
            + (f" by {p.decided_by} at {p.decided_at}" if p.decided_by else ""),
            *([f"  comment: {p.comment}"] if p.comment else []),
            *(f"  {change.replace('-', ' ')}: {number}" for change, number in p.reasons),
            *(["  the record changed since: accepting it is refused"] if self.stale else []),
            "",
            self.diff.text(),
        ]
        for item in self.assessments:
            found = item["assessment"]
            if found is None:
                lines.append(f"\n{item['version']}: not assessed (no earlier version)")
                continue
            verdict = "breaking" if found["breaking"] else "compatible"
            lines.append(f"\n{item['version']}: {verdict} ({found['policy']})")
            for m in found["messages"]:
                lines.append(
                    f"  {m['name']} vs {m['compared_with']['version']}: backward "
                    f"{m['backward']['verdict']}, forward {m['forward']['verdict']}"
                )
                lines.extend(f"    {c['kind']}: {c['detail']}" for c in m["changes"])
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.proposal.to_dict(),
            "stale": self.stale,
            "diff": self.diff.to_dict(),
            "assessments": self.assessments,
        }


def proposal_details(registry: Registry, proposal: Proposal, lang: str = "en") -> ProposalDetails:
    """`ProposalDetails` of a proposal, labels in `lang` where the record has them."""
    new = from_ntriples(proposal.record, registry.blobs.get(proposal.sha256))
    old = None
    if proposal.base is not None:
        old = from_ntriples(proposal.record, registry.blobs.get(proposal.base)).graph
    graphs = _graphs(registry, proposal)
    assessments = []
    with EmbeddedStore(None) as pending:
        contents = {proposal.record: new.ntriples(), **{k: v for k, v in graphs.items() if v}}
        pending.replace_graphs(contents)
        for _, number in proposal.reasons:
            found = read_assessment(pending, registry.settings, proposal.identifier, number)
            if found is None:
                found = registry.assessment(proposal.identifier, number)
            assessments.append({"version": number, "assessment": found})
    stale = proposal.is_open and current_sha256(registry, proposal.record) != proposal.base
    return ProposalDetails(proposal, record_diff(old, new.graph, lang), assessments, stale)
