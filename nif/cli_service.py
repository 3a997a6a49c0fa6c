"""`nif serve` and `nif token ...`: thin commands over `nif.web` and `nif.auth`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nif.auth import Role, TokenStore
from nif.cli_client import announced
from nif.cli_options import CONFIG, HOME, STORE, settings_from


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@STORE
@HOME
@CONFIG
@click.option(
    "--load-demo",
    is_flag=True,
    help="Load the demo registry at startup when the store holds no record.",
)
def serve(
    host: str,
    port: int,
    store: str | None,
    home: Path | None,
    config: Path | None,
    load_demo: bool,
) -> None:
    """Run the HTTP service (API, SPARQL endpoint and web pages) until interrupted."""
    import logging

    import uvicorn

    from nif.web import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)-9s %(name)s: %(message)s")
    settings = settings_from(config, home, store)
    app = create_app(settings, load_demo=load_demo)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"nif: serving on http://{shown}:{port}/ (store {settings.store_location})")
    with announced(settings.home, host, port):
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


@click.group()
def token() -> None:
    """Create, list and revoke API tokens (kept as salted hashes in the state: NIF_HOME's
    secrets.sqlite, or the PostgreSQL database the `state` setting names)."""


def _tokens(config: Path | None, home: Path | None) -> TokenStore:
    return TokenStore.open(settings_from(config, home))


@token.command("create")
@click.option("--name", required=True, help="Who or what holds the token (shown in the audit log).")
@click.option(
    "--role", type=click.Choice([str(r) for r in Role]), required=True, help="What it may do."
)
@click.option("--agency", help="For a publisher: the agency (identifier) whose records it writes.")
@click.option("--json", "as_json", is_flag=True, help="As a JSON object (the token under 'token').")
@HOME
@CONFIG
def token_create(
    name: str,
    role: str,
    agency: str | None,
    as_json: bool,
    home: Path | None,
    config: Path | None,
) -> None:
    """Create a token and print it once on stdout: it is not stored and cannot be shown again.

    A publisher's agency is checked when the token is used (the service answers 403 while the
    registry has no such agency), so tokens can be made while the service runs."""
    tokens = _tokens(config, home)
    try:
        secret, info = tokens.create(name, role, agency)
    finally:
        tokens.close()
    if as_json:
        click.echo(json.dumps({**info.to_dict(), "token": secret}, indent=2))
        return
    click.echo(
        f"token {info.token_id} ({info.role}{f', agency {agency}' if agency else ''})", err=True
    )
    click.echo("store it now: it is shown only this once", err=True)
    click.echo(secret)


@token.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@click.option("--json", "as_json", is_flag=True, help="As a JSON array.")
@HOME
@CONFIG
def token_list(
    include_revoked: bool, as_json: bool, home: Path | None, config: Path | None
) -> None:
    """The tokens (never their secrets)."""
    tokens = _tokens(config, home)
    try:
        found = tokens.list(include_revoked)
    finally:
        tokens.close()
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in found], indent=2))
        return
    for t in found:
        state = f"revoked {t.revoked}" if t.revoked else "active"
        click.echo(
            f"{t.token_id}  {t.role:<9}  {t.agency or '-':<12}  {t.created}  {state}  {t.name}"
        )


@token.command("revoke")
@click.argument("token_id", metavar="ID")
@HOME
@CONFIG
def token_revoke(token_id: str, home: Path | None, config: Path | None) -> None:
    """Revoke the token with ID (as `nif token list` shows it); it is refused from then on."""
    tokens = _tokens(config, home)
    try:
        info = tokens.revoke(token_id)
    finally:
        tokens.close()
    click.echo(f"token {info.token_id} ({info.name}) revoked {info.revoked}")
