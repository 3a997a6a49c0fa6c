"""`nif registry export --full` and `nif registry import --full`: a whole registry moved
between back ends (embedded Oxigraph or a SPARQL store, SQLite files or PostgreSQL).

The command layer is where the registry's, the tokens' and the certification runs' tables
meet: it names every component's schema (`state_parts`) for the registry's full backup.
"""

from __future__ import annotations

from pathlib import Path

import click

from nif.auth import TOKENS_SCHEMA
from nif.certify import RUNS_SCHEMA
from nif.registry import HISTORY_SCHEMA, PROPOSALS_SCHEMA, Registry, export_full, import_full
from nif.settings import Settings
from nif.state import StateParts

EXIT_OK = 0

FULL_EXPORT = click.option(
    "--full",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="FOLDER",
    help="Export the whole registry (records, history, audit, proposals, tokens, runs, "
    "blobs, signing key) into this new folder, to move it to another store or state. "
    "The folder holds secrets: keep it private.",
)
FULL_IMPORT = click.option(
    "--full",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="FOLDER",
    help="Import a folder `export --full` wrote into this (empty) registry.",
)
REPLACE = click.option(
    "--replace",
    is_flag=True,
    help="With --full: overwrite a registry that is not empty.",
)


def state_parts() -> StateParts:
    """Every component's tables, in the order they load, both blob namespaces and the key."""
    return StateParts(
        (HISTORY_SCHEMA, PROPOSALS_SCHEMA, TOKENS_SCHEMA, RUNS_SCHEMA),
        blobs=("artefacts", "evidence"),
        secrets=("certificate-key",),
    )


def _progress(line: str) -> None:
    click.echo(line, err=True)


def export_command(settings: Settings, folder: Path) -> int:
    """Write the full export; one line per part on stderr."""
    with Registry.open(settings) as reg:
        manifest = export_full(reg, folder, state_parts(), _progress)
    click.echo(
        f"exported the registry ({manifest['records']} record(s), {reg.state.kind} state) to "
        f"{folder}: it holds token hashes and the signing key, keep it private",
        err=True,
    )
    return EXIT_OK


def import_command(settings: Settings, folder: Path, *, replace: bool, actor: str | None) -> int:
    """Load a full export; one line per part on stderr, success said only at the end."""
    with Registry.open(settings) as reg:
        manifest = import_full(
            reg, folder, state_parts(), replace=replace, actor=actor, progress=_progress
        )
        kind = reg.state.kind
    click.echo(
        f"imported the registry ({manifest.get('records')} record(s)) from {folder} into "
        f"{kind} state",
        err=True,
    )
    return EXIT_OK
