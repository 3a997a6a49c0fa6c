"""The review step over HTTP: proposals listed, shown with their diff, accepted or rejected.

A publisher's `PUT /api/records/{id}` that adds a version or moves one to Completed is kept as
a proposal (202) while `registry.review` is on. Proposals are private: a publisher sees its own
agency's, certifiers and admins every one, and anyone else gets the 404 of a proposal that does
not exist. Only certifiers and admins decide; rejecting needs a comment. Every decision attempt
is audited, refused or not.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from nif.auth import Principal
from nif.errors import ForbiddenError, NotFoundError
from nif.registry import Proposal, ProposalState, RecordKind, proposal_details
from nif.web._auth import UNAUTHENTICATED, audited, principal, sees_every_agency, writer
from nif.web._services import Services, ServicesDep

router = APIRouter(prefix="/api/proposals", tags=["review"])

PROPOSAL_ID = Path(description="The proposal's id (16 hex digits).", max_length=64)
Reader = Annotated[Principal, Depends(principal)]
Accepter = Annotated[Principal, Depends(writer("accept", "proposal_id"))]
Rejecter = Annotated[Principal, Depends(writer("reject", "proposal_id"))]
_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHENTICATED,
    404: {"description": "No such proposal, or one of another agency."},
}
_DECIDE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_READ_ERRORS,
    403: {"description": "Not a certifier or admin token."},
    409: {"description": "Decided already, or the record changed since the proposal."},
}


class Decision(BaseModel):
    """A reviewer's word on a proposal."""

    comment: str = Field(
        default="", max_length=4000, description="Why (required to reject); the agency sees it."
    )


def url(proposal: Proposal) -> str:
    return f"/api/proposals/{proposal.id}"


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    """A proposal as the API shows it: its fields and its URL."""
    return {**proposal.to_dict(), "url": url(proposal)}


def visible_agency(svc: Services, who: Principal) -> str | None:
    """The agency IRI whose proposals `who` may see (None: every agency's); '' for a token
    whose agency is not in the registry (it sees none)."""
    if sees_every_agency(who):
        return None
    if who.agency is None:
        return ""
    try:
        info = svc.registry.find(who.agency)
    except NotFoundError:
        return ""
    return info.iri if info.kind == RecordKind.AGENCY else ""


def visible(svc: Services, who: Principal, proposal_id: str) -> Proposal:
    """The proposal, if `who` may see it; the 404 of a missing one otherwise."""
    proposal = svc.registry.proposals.get(proposal_id)
    agency = visible_agency(svc, who)
    if agency is not None and proposal.agency != agency:
        raise NotFoundError(f"no proposal {proposal_id!r}")
    return proposal


def reviewer(svc: Services, who: Principal, action: str, target: str) -> None:
    """Admit certifiers and admins; audit and refuse (403) everyone else."""
    with audited(svc, who.actor, action, target):
        if not sees_every_agency(who):
            raise ForbiddenError(
                f"a {who.role} token cannot decide proposals; it needs the role certifier or admin"
            )


@router.get("", summary="Proposals (newest first)", responses=UNAUTHENTICATED)
async def list_proposals(
    who: Reader,
    svc: ServicesDep,
    state: Annotated[ProposalState | None, Query(description="Only those in this state.")] = None,
) -> dict[str, Any]:
    """The proposals the token may see: its agency's for a publisher, all for certifiers and
    admins. Each with its record, proposer, state, why it needs review and its URL."""

    def found() -> list[Proposal]:
        agency = visible_agency(svc, who)
        if agency == "":
            return []
        return svc.registry.proposals.find(agency=agency, state=state)

    return {"proposals": [proposal_json(p) for p in await run_in_threadpool(found)]}


@router.get("/{proposal_id}", summary="A proposal with its diff", responses=_READ_ERRORS)
async def get_proposal(
    who: Reader, svc: ServicesDep, proposal_id: Annotated[str, PROPOSAL_ID]
) -> dict[str, Any]:
    """A proposal with the triples it adds and removes against the version it was made
    against (grouped by subject, blank nodes nested), the compatibility assessment of each
    version it adds or completes, and `stale` when the record changed since."""

    def shown() -> dict[str, Any]:
        proposal = visible(svc, who, proposal_id)
        return {**proposal_details(svc.registry, proposal).to_dict(), "url": url(proposal)}

    return await run_in_threadpool(shown)


@router.post("/{proposal_id}/accept", summary="Accept a proposal", responses=_DECIDE_ERRORS)
async def accept_proposal(
    who: Accepter,
    svc: ServicesDep,
    proposal_id: Annotated[str, PROPOSAL_ID],
    decision: Decision | None = None,
) -> dict[str, Any]:
    """Store the proposed record as its submission would have been (the reviewer is the
    history's actor, the proposer stays in the proposal). Certifiers and admins only."""

    def accept() -> dict[str, Any]:
        reviewer(svc, who, "accept", proposal_id)
        result = svc.registry.accept(
            proposal_id, actor=who.actor, comment=decision.comment if decision else ""
        )
        assert result.proposal is not None
        return {
            **result.to_dict(),
            "status": "accepted",
            "proposal": proposal_json(result.proposal),
        }

    return await run_in_threadpool(accept)


@router.post("/{proposal_id}/reject", summary="Reject a proposal", responses=_DECIDE_ERRORS)
async def reject_proposal(
    who: Rejecter, svc: ServicesDep, proposal_id: Annotated[str, PROPOSAL_ID], decision: Decision
) -> dict[str, Any]:
    """Close the proposal without storing it; the comment (required) tells the agency why.
    Certifiers and admins only."""

    def reject() -> dict[str, Any]:
        reviewer(svc, who, "reject", proposal_id)
        decided = svc.registry.reject(proposal_id, decision.comment, actor=who.actor)
        return {"status": "rejected", "proposal": proposal_json(decided)}

    return await run_in_threadpool(reject)
