"""The review pages: proposals listed, one shown with its diff and assessment, and the forms a
certifier or admin accepts or rejects it with.

Pages have no login, and proposals are visible to their agency and the reviewers only: a GET
shows a form for the access token, and the POST of that form shows what the token may see (as
the API does: a publisher its own agency's proposals, certifiers and admins all). Deciding is a
form of its own, with the token in a password field, checked and audited like the API's.
"""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nif import errors
from nif.auth import Principal
from nif.registry import Proposal, ProposalState, proposal_details
from nif.web._auth import form_principal, sees_every_agency
from nif.web._errors import status_of
from nif.web._services import Services, ServicesDep
from nif.web.api.proposals import reviewer, visible, visible_agency
from nif.web.pages._i18n import language
from nif.web.pages._render import page, translator

router = APIRouter(include_in_schema=False)

READ = "read-proposals"
"""The audit log's name of a refused attempt to read proposals from a page."""
Token = Annotated[str, Form(max_length=200)]
Comment = Annotated[str, Form(max_length=4000)]


def _list_page(
    request: Request,
    svc: Services,
    *,
    proposals: list[Proposal] | None = None,
    state: str = "",
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    t = translator(request)
    return page(
        request,
        "proposals.html",
        status=status,
        title=t("review.title"),
        proposals=proposals,
        state=state,
        states=[str(s) for s in ProposalState],
        error=error,
    )


def _proposal_page(
    request: Request,
    svc: Services,
    proposal_id: str,
    *,
    who: Principal | None = None,
    status: int = 200,
    error: str | None = None,
    comment: str = "",
    done: str = "",
) -> HTMLResponse:
    """The token form (no `who`), or the proposal as `who` may see it."""
    t = translator(request)
    shown = None
    if who is not None:
        proposal = visible(svc, who, proposal_id)
        shown = proposal_details(svc.registry, proposal, language(request))
    return page(
        request,
        "proposal.html",
        status=status,
        title=t("review.proposal_title", id=proposal_id),
        proposal_id=proposal_id,
        shown=shown,
        reviewer=who is not None and sees_every_agency(who),
        error=error,
        comment=comment,
        done=done,
    )


@router.get("/proposals", response_class=HTMLResponse)
async def proposals_form(request: Request, svc: ServicesDep) -> HTMLResponse:
    """The token form that shows the proposals the token may see."""
    return await run_in_threadpool(_list_page, request, svc)


@router.post("/proposals", response_class=HTMLResponse)
async def proposals_page(
    request: Request, svc: ServicesDep, token: Token = "", state: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """The proposals of the token's agency (all of them for certifiers and admins)."""

    def listed() -> HTMLResponse:
        try:
            wanted = ProposalState(state) if state else None
        except ValueError:
            wanted = None
        try:
            who = form_principal(svc, token, READ, "proposals")
        except errors.NifError as exc:
            return _list_page(request, svc, status=status_of(exc)[0], error=str(exc))
        agency = visible_agency(svc, who)
        found = [] if agency == "" else svc.registry.proposals.find(agency=agency, state=wanted)
        return _list_page(request, svc, proposals=found, state=state)

    return await run_in_threadpool(listed)


@router.get("/proposals/{proposal_id}", response_class=HTMLResponse)
async def proposal_form(request: Request, svc: ServicesDep, proposal_id: str) -> HTMLResponse:
    """The token form that shows one proposal."""
    return await run_in_threadpool(functools.partial(_proposal_page, request, svc, proposal_id))


@router.post("/proposals/{proposal_id}", response_class=HTMLResponse)
async def proposal_page(
    request: Request, svc: ServicesDep, proposal_id: str, token: Token = ""
) -> HTMLResponse:
    """A proposal with its diff and assessment, and the decision forms for reviewers."""

    def shown() -> HTMLResponse:
        try:
            who = form_principal(svc, token, READ, proposal_id)
        except errors.NifError as exc:
            status, message = status_of(exc)[0], str(exc)
            return _proposal_page(request, svc, proposal_id, status=status, error=message)
        return _proposal_page(request, svc, proposal_id, who=who)

    return await run_in_threadpool(shown)


@router.post("/proposals/{proposal_id}/{decision}")
async def decide_page(
    request: Request,
    svc: ServicesDep,
    proposal_id: str,
    decision: str,
    token: Token = "",
    comment: Comment = "",
) -> Response:
    """Accept (then show the interface, 303) or reject a proposal (certifiers and admins)."""
    if decision not in ("accept", "reject"):
        raise errors.NotFoundError(f"no page /proposals/{proposal_id}/{decision}")

    def decide() -> Response:
        try:
            who = form_principal(svc, token, decision, proposal_id)
            reviewer(svc, who, decision, proposal_id)
            if decision == "accept":
                result = svc.registry.accept(proposal_id, actor=who.actor, comment=comment)
                assert result.proposal is not None
                target = f"/interfaces/{result.proposal.identifier}"
                return RedirectResponse(target, status_code=303)
            svc.registry.reject(proposal_id, comment, actor=who.actor)
        except errors.NifError as exc:
            status, message = status_of(exc)[0], str(exc)
            return _proposal_page(
                request, svc, proposal_id, status=status, error=message, comment=comment
            )
        return _proposal_page(request, svc, proposal_id, who=who, done="rejected")

    return await run_in_threadpool(decide)
