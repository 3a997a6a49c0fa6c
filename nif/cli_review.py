"""`nif registry proposals|proposal|accept|reject`: the review step at the command line.

Commands never propose (they write as the operator); these list the proposals publishers made
through the service and decide them. They join the `registry` group in `nif.cli`.
"""

from __future__ import annotations

import json

import click

from nif.cli_options import ACTOR, registry_options
from nif.registry import ProposalState, Registry, proposal_details
from nif.settings import Settings

EXIT_OK = 0


@click.command("proposals")
@click.option(
    "--state",
    type=click.Choice([str(s) for s in ProposalState]),
    help="Only proposals in this state (default: all).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@registry_options
def proposals_command(state: str | None, fmt: str, settings: Settings) -> int:
    """Proposals kept for review (a publisher's new version or move to Completed), newest
    first: id, when, state, record, why and who proposed it."""
    with Registry.open(settings) as reg:
        found = reg.proposals.find(state=ProposalState(state) if state else None)
    if fmt == "json":
        click.echo(json.dumps([p.to_dict() for p in found], indent=2))
    for p in found if fmt == "text" else []:
        why = ", ".join(f"{c.replace('-', ' ')} {v}" for c, v in p.reasons)
        click.echo(f"{p.id}  {p.created}  {p.state:<10}  {p.identifier:<24}  {why}  {p.proposer}")
    return EXIT_OK


@click.command("proposal")
@click.argument("proposal_id", metavar="ID")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@registry_options
def proposal_command(proposal_id: str, fmt: str, settings: Settings) -> int:
    """A proposal: the triples it adds and removes against the current version, and the
    compatibility assessment of each version it adds or completes."""
    with Registry.open(settings) as reg:
        shown = proposal_details(reg, reg.proposals.get(proposal_id))
    click.echo(json.dumps(shown.to_dict(), indent=2) if fmt == "json" else shown.text())
    return EXIT_OK


@click.command("accept")
@click.argument("proposal_id", metavar="ID")
@click.option("--comment", default="", help="A word for the agency.")
@ACTOR
@registry_options
def accept_command(proposal_id: str, comment: str, actor: str | None, settings: Settings) -> int:
    """Accept a proposal: store its record as its submission would have been."""
    with Registry.open(settings) as reg:
        result = reg.accept(proposal_id, actor=actor, comment=comment)
    for v in result.records:
        click.echo(f"accepted {proposal_id}: stored {v.kind} {v.identifier} ({v.sha256})")
    return EXIT_OK


@click.command("reject")
@click.argument("proposal_id", metavar="ID")
@click.option("--comment", required=True, help="Why (the agency sees it).")
@ACTOR
@registry_options
def reject_command(proposal_id: str, comment: str, actor: str | None, settings: Settings) -> int:
    """Reject a proposal with a comment; nothing is stored."""
    with Registry.open(settings) as reg:
        reg.reject(proposal_id, comment, actor=actor)
    click.echo(f"rejected {proposal_id}")
    return EXIT_OK


COMMANDS = [proposals_command, proposal_command, accept_command, reject_command]
