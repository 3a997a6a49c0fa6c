"""`nif registry new-version|pull|import-kosit`: commands that write bundles rather than read
the registry: scaffolding the next version in a registry folder, pulling a record back as a
bundle folder, importing a KoSIT configuration as an interface version. They join the `registry`
group in `nif.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nif import cli_client
from nif.archives import read_zip, replace_folder
from nif.cli_client import client_options, refuse_local_options
from nif.cli_options import ACTOR, REPORT_FORMAT, print_shacl_report, registry_options
from nif.errors import RejectedError
from nif.registry import KositImport, Registry, ShaclReport, import_kosit, scaffold_version
from nif.settings import Settings

EXIT_OK = 0
EXIT_REFUSED = 1


@click.command("new-version")
@click.argument("identifier", metavar="ID")
@click.option("--from", "from_version", required=True, metavar="VERSION", help="Copy this version.")
@click.option("--version", "new_version", required=True, metavar="NEW", help="The new version.")
@click.option(
    "--folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("registry"),
    show_default=True,
    help="The registry folder (holding interfaces/ID/) or the interface's bundle folder.",
)
@click.option("--notes", help="The new version's notes, in English (default: 'Based on FROM.').")
@registry_options
def new_version_command(
    identifier: str,
    from_version: str,
    new_version: str,
    folder: Path,
    notes: str | None,
    settings: Settings,
) -> int:
    """Scaffold version NEW of interface ID from version FROM in a registry folder.

    Appends the version (a copy of FROM, UnderDevelopment) to the bundle's interface.ttl and
    copies schemas/FROM and examples/FROM to schemas/NEW and examples/NEW. Edit them, then
    submit the bundle with `nif registry submit`.
    """
    done = scaffold_version(
        folder, identifier, from_version, new_version, settings, {"en": notes} if notes else None
    )
    click.echo(f"added <{done.version}> to {done.record}")
    for copied in done.copied:
        click.echo(f"copied {copied}")
    return EXIT_OK


@click.command("import-kosit")
@click.argument("configuration", type=click.Path(exists=True, path_type=Path))
@click.option("--interface", required=True, metavar="ID", help="The interface identifier.")
@click.option("--version", required=True, metavar="V", help="The version (semantic version).")
@click.option(
    "--publisher", required=True, metavar="AGENCY", help="The publishing agency's identifier."
)
@click.option(
    "--endpoint", metavar="URL", help="The https endpoint (required for a new interface)."
)
@click.option("--title", help="The title of a new interface (default: its identifier).")
@click.option(
    "--transport",
    type=click.Choice(KositImport.transports),
    default="rest",
    show_default=True,
    help="How messages of a new interface travel.",
)
@click.option(
    "--direction",
    type=click.Choice(KositImport.directions),
    default="request",
    show_default=True,
    help="The direction of the scenarios' message types.",
)
@click.option(
    "--status",
    type=click.Choice(KositImport.statuses),
    default="Completed",
    show_default=True,
    help="The version's ADMS status.",
)
@click.option(
    "--replace", is_flag=True, help="Replace the version when it holds another configuration."
)
@REPORT_FORMAT
@ACTOR
@registry_options
def import_kosit_command(
    configuration: Path,
    interface: str,
    version: str,
    publisher: str,
    endpoint: str | None,
    title: str | None,
    transport: str,
    direction: str,
    status: str,
    replace: bool,
    report_format: str,
    actor: str | None,
    settings: Settings,
) -> int:
    """Register a KoSIT validator configuration (a folder or zip with scenarios.xml) as an
    interface version whose message types are its scenarios.

    The interface is created, or the version added to it; the configuration is pinned like
    any bundle. A record the shapes refuse is not stored (exit 1, with the report).
    """
    spec = KositImport(
        interface=interface,
        version=version,
        publisher=publisher,
        endpoint=endpoint,
        title=title,
        transport=transport,
        direction=direction,
        status=status,
        replace=replace,
    )
    with Registry.open(settings) as reg:
        try:
            result = import_kosit(reg, configuration, spec, actor=actor)
        except RejectedError as exc:
            click.echo(f"nif: {str(exc).splitlines()[0]}", err=True)
            if isinstance(exc.report, ShaclReport):
                print_shacl_report(exc.report, report_format)
            return EXIT_REFUSED
    submitted = result.submitted
    for stored in submitted.records if submitted else ():
        click.echo(f"stored {stored.kind} {stored.identifier} <{stored.record}> {stored.sha256}")
    for scenario, message_type in result.message_types.items():
        click.echo(f"  scenario {scenario!r} -> {interface}@{version}/{message_type}")
    if submitted is None:
        click.echo(f"{interface}@{version} already holds this configuration: unchanged", err=True)
    elif result.unchanged:
        click.echo(f"{interface}@{version} already held this configuration", err=True)
    if submitted and submitted.report.warnings:
        print_shacl_report(submitted.report, report_format)
    return EXIT_OK


@click.command("pull")
@click.argument("identifier", metavar="ID")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder to write the bundle folder ID/ into.",
)
@click.option("--force", is_flag=True, help="Replace OUT/ID when it is not empty.")
@registry_options
@client_options
def pull_command(
    identifier: str,
    out: Path,
    force: bool,
    settings: Settings,
    server: str | None,
    token: str | None,
) -> int:
    """Write a current record and its files as a bundle folder, OUT/ID/.

    The record file (interface.ttl or agency.ttl) names its files by relative URLs, as in a
    registry folder: edit it and send it back with `nif registry submit OUT/ID`.
    """
    if server:
        refuse_local_options(("identifier", "out", "force"))
        target, kind, count = cli_client.pull(server, token, identifier, out, force)
        click.echo(f"wrote {kind} {identifier} to {target} ({count} file(s))")
        return EXIT_OK
    with Registry.open(settings) as reg:
        info = reg.find(identifier)
        content = reg.bundle(info.iri)
    unbounded = sys.maxsize // 2  # nif's own zip, of files the registry already holds
    files = read_zip(content, max_bytes=unbounded, max_files=unbounded, what="the bundle")
    target = out / info.identifier
    replace_folder(target, files, force)
    click.echo(f"wrote {info.kind} {info.identifier} to {target} ({len(files)} file(s))")
    return EXIT_OK


COMMANDS = (new_version_command, pull_command, import_kosit_command)
"""The commands this module adds to `nif registry`."""
