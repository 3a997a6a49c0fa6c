"""`nif schematron`: work with Schematron rule sets (see the compiled stylesheet)."""

from __future__ import annotations

from pathlib import Path

import click

from nif.cli_options import CATALOG, write_output
from nif.errors import InputError, UsageError


@click.group()
def schematron() -> None:
    """Work with Schematron rule sets."""


@schematron.command("compile")
@click.argument("rules", metavar="RULES.sch[#PHASE]")
@click.option("--phase", help="Phase to compile (default: the schema's defaultPhase, else #ALL).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the stylesheet to FILE instead of standard output.",
)
@CATALOG
def compile_command(
    rules: str, phase: str | None, output: Path | None, catalogs: tuple[Path, ...]
) -> int:
    """Write the XSLT stylesheet nif generates from RULES.sch (to stdout without -o)."""
    from nif.validate import Catalog, local_fetcher
    from nif.validate.schematron import compile_to_xslt, load_schematron, split_phase

    path, path_phase = split_phase(rules)
    if phase and path_phase and phase != path_phase:
        raise UsageError(f"two phases given: #{path_phase} and --phase {phase}")
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file")
    fetch = Catalog.load(catalogs).fetcher() if catalogs else local_fetcher
    text = compile_to_xslt(load_schematron(path, fetch), phase or path_phase)
    write_output(text if text.endswith("\n") else text + "\n", output)
    return 0
