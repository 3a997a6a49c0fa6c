"""`nif registry ...` and `nif sparql`: thin commands over `nif.registry.Registry` and the store.

Exit codes as for `nif validate`: 0 done, 1 refused by the shapes (the report says why),
2 a usage or input error (one line on stderr).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from nif import cli_client, cli_transfer
from nif.cli_client import client_options, refuse_local_options
from nif.cli_options import ACTOR, OUTPUT, REPORT_FORMAT, print_shacl_report, registry_options
from nif.errors import RejectedError, SubmissionCheckError, UsageError
from nif.progress import progress_bar
from nif.registry import (
    Registry,
    ShaclReport,
)
from nif.settings import Settings
from nif.store import DumpFormat, QueryLimits, ResultFormat, open_store, query_limits

EXIT_OK = 0
EXIT_REFUSED = 1


@click.group()
def registry() -> None:
    """Keep the registry: load, submit, review proposals, withdraw, history, check, export and
    import records."""


@registry.command("load")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--no-check",
    is_flag=True,
    help="Store without the SHACL and submission checks (a trusted folder).",
)
@click.option("--workers", type=click.IntRange(1), help="Processes for the check (default: cores).")
@REPORT_FORMAT
@ACTOR
@registry_options
def load_command(
    folder: Path,
    no_check: bool,
    workers: int | None,
    report_format: str,
    actor: str | None,
    settings: Settings,
) -> int:
    """Load a registry folder (agencies/*.ttl, interfaces/<id>/ bundles).

    Conforming records are stored; the others are refused and listed (exit 1).
    """
    with Registry.open(settings) as reg, progress_bar("checking") as progress:
        result = reg.load_folder(
            folder, check=not no_check, actor=actor, workers=workers, progress=progress
        )
    click.echo(f"stored {len(result.stored)} record(s) from {folder}", err=True)
    if result.rejected:
        click.echo(f"refused {len(result.rejected)}: {', '.join(result.rejected)}", err=True)
        print_shacl_report(result.report, report_format)
        return EXIT_REFUSED
    return EXIT_OK


@registry.command("submit")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--rdf-format",
    type=click.Choice(["turtle", "json-ld", "rdf-xml", "ntriples"]),
    help="The syntax of the record files (default: from their suffix).",
)
@REPORT_FORMAT
@ACTOR
@registry_options
@client_options
def submit_command(
    target: Path,
    rdf_format: str | None,
    report_format: str,
    actor: str | None,
    settings: Settings,
    server: str | None,
    token: str | None,
) -> int:
    """Submit a record file, or a bundle (folder or zip) with its schema files.

    The records replace their earlier versions, which stay in the history. A record that does not
    conform is refused with the SHACL report (exit 1), one that fails the submission checks (an
    artefact that does not compile, an example without its declared verdict) with each failure
    (exit 1); nothing is stored.
    """
    try:
        if server:
            refuse_local_options(("target", "rdf_format", "report_format"))
            stored, report = cli_client.submit(server, token, target, rdf_format)
        else:
            with Registry.open(settings) as reg:
                result = reg.submit(target, fmt=rdf_format, actor=actor)
            stored, report = result.records, result.report
    except RejectedError as exc:
        click.echo(f"nif: {str(exc).splitlines()[0]}", err=True)
        if isinstance(exc.report, ShaclReport):
            print_shacl_report(exc.report, report_format)
        return EXIT_REFUSED
    except SubmissionCheckError as exc:
        click.echo(f"nif: {exc}", err=True)
        return EXIT_REFUSED
    for version in stored:
        click.echo(
            f"stored {version.kind} {version.identifier} <{version.record}> {version.sha256}"
        )
    if report.warnings:
        print_shacl_report(report, report_format)
    return EXIT_OK


@registry.command("withdraw")
@click.argument("identifier")
@ACTOR
@registry_options
@client_options
def withdraw_command(
    identifier: str, actor: str | None, settings: Settings, server: str | None, token: str | None
) -> int:
    """Withdraw a record from the current registry (its history stays)."""
    if server:
        refuse_local_options(("identifier",))
        version = cli_client.withdraw(server, token, identifier)
    else:
        with Registry.open(settings) as reg:
            version = reg.withdraw(identifier, actor=actor)
    click.echo(f"withdrew {version.kind} {version.identifier} <{version.record}>")
    return EXIT_OK


@registry.command("history")
@click.argument("identifier")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--show",
    type=click.IntRange(1),
    metavar="N",
    help="Print the content of version N (N-Triples).",
)
@registry_options
@client_options
def history_command(
    identifier: str,
    fmt: str,
    show: int | None,
    settings: Settings,
    server: str | None,
    token: str | None,
) -> int:
    """A record's versions, oldest first: action, who, when and the content hash."""
    if server:
        refuse_local_options(("identifier", "fmt", "show"))
        versions = cli_client.versions(server, token, identifier)
    else:
        with Registry.open(settings) as reg:
            versions = reg.versions(identifier)
            wanted = versions[show - 1] if show is not None and show <= len(versions) else None
            shown = reg.content(wanted) if wanted is not None else b""
    if show is not None:
        if show > len(versions):
            raise UsageError(f"{identifier} has {len(versions)} version(s), not {show}")
        if server:
            shown = cli_client.version_content(server, token, identifier, show)
        sys.stdout.buffer.write(shown)
        return EXIT_OK
    if fmt == "json":
        click.echo(json.dumps([v.to_dict() for v in versions], indent=2))
        return EXIT_OK
    for number, v in enumerate(versions, 1):
        digest = v.sha256 or "-"
        click.echo(
            f"{number:>3}  {v.at}  {v.action:<8}  {v.actor:<16}  {digest}  {v.triples} triples"
        )
    return EXIT_OK


@registry.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@registry_options
@client_options
def list_command(fmt: str, settings: Settings, server: str | None, token: str | None) -> int:
    """The current records: kind, identifier and IRI."""
    if server:
        refuse_local_options(("fmt",))
        records = cli_client.records(server, token)
    else:
        with Registry.open(settings) as reg:
            records = reg.records()
    if fmt == "json":
        click.echo(json.dumps([r.__dict__ for r in records], indent=2))
    for r in records if fmt == "text" else []:
        click.echo(f"{r.kind:<9}  {r.identifier:<32}  <{r.iri}>")
    return EXIT_OK


@registry.command("check")
@click.argument("identifiers", nargs=-1)
@click.option("--workers", type=click.IntRange(1), help="Processes (default: the cores).")
@click.option(
    "--full",
    is_flag=True,
    help="Check every record again, not only those whose content or context changed.",
)
@REPORT_FORMAT
@registry_options
def check_command(
    identifiers: tuple[str, ...],
    workers: int | None,
    full: bool,
    report_format: str,
    settings: Settings,
) -> int:
    """Check the whole registry (or the records named) against the shapes; exit 1 on violations.

    Records unchanged since their last check, in content and context, keep its results."""
    with Registry.open(settings) as reg, progress_bar("checking") as progress:
        report = reg.check(workers=workers, progress=progress, keys=identifiers, full=full)
    click.echo(f"{report.checked} record(s) checked, {report.reused} unchanged", err=True)
    print_shacl_report(report, report_format)
    return EXIT_OK if report.conforms else EXIT_REFUSED


def _dump_format(value: str | None, path: Path | None) -> DumpFormat:
    if value:
        return DumpFormat(value)
    if path is not None and path.suffix.lower() in (".nq", ".nquads"):
        return DumpFormat.NQUADS
    return DumpFormat.TRIG


DUMP_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in DumpFormat]),
    help="trig or nquads (default: from the file suffix, else trig).",
)
BLOBS = click.option(
    "--blobs",
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder for the artefact blobs, so the backup is complete.",
)


@registry.command("export")
@OUTPUT
@DUMP_FORMAT
@BLOBS
@cli_transfer.FULL_EXPORT
@registry_options
def export_command(
    output: Path | None,
    fmt: str | None,
    blobs: Path | None,
    full: Path | None,
    settings: Settings,
) -> int:
    """Write every current record and certificate, one named graph each, as TriG or N-Quads;
    with --full, the whole registry (state, blobs, signing key) into a private folder."""
    if full is not None:
        if output or fmt or blobs:
            raise UsageError("--full writes a folder of its own: leave out -o, --format, --blobs")
        return cli_transfer.export_command(settings, full)
    dump = _dump_format(fmt, output)
    with Registry.open(settings) as reg:
        if output is None:
            records, beside = reg.export(sys.stdout.buffer, dump, blobs)
        else:
            temp = output.with_name(output.name + ".part")
            with temp.open("wb") as out:
                records, beside = reg.export(out, dump, blobs)
            temp.replace(output)
    click.echo(
        f"exported {records} record(s) and {beside} other graph(s) (certificates, runs, suites)",
        err=True,
    )
    return EXIT_OK


@registry.command("import")
@click.argument(
    "backup", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@DUMP_FORMAT
@BLOBS
@cli_transfer.FULL_IMPORT
@cli_transfer.REPLACE
@ACTOR
@registry_options
def import_command(
    backup: Path | None,
    fmt: str | None,
    blobs: Path | None,
    full: Path | None,
    replace: bool,
    actor: str | None,
    settings: Settings,
) -> int:
    """Restore records from a TriG or N-Quads backup (each record replaced, in one write);
    with --full, load a whole registry `export --full` wrote into an empty one."""
    if full is not None:
        if backup or fmt or blobs:
            raise UsageError(
                "--full reads a folder of its own: leave out BACKUP, --format and --blobs"
            )
        return cli_transfer.import_command(settings, full, replace=replace, actor=actor)
    if backup is None or replace:
        raise UsageError("give a BACKUP file, or --full FOLDER (--replace goes with --full)")
    with Registry.open(settings) as reg:
        stored, missing = reg.import_(
            backup.read_bytes(), _dump_format(fmt, backup), blobs=blobs, actor=actor
        )
    click.echo(f"imported {len(stored)} record(s)", err=True)
    if missing:
        click.echo(
            f"warning: {len(missing)} artefact blob(s) are missing (validation against them will "
            "fail); import with --blobs",
            err=True,
        )
    return EXIT_OK


@click.command("sparql")
@click.argument("query", required=False)
@click.option(
    "--file",
    "query_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the query from a file.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ResultFormat]),
    default="json",
    show_default=True,
    help="Results format: json, xml, csv, tsv for SELECT and ASK; turtle, ntriples, jsonld, "
    "rdfxml for CONSTRUCT and DESCRIBE.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    help="Seconds the query may run, 0 for no limit [default: sparql_timeout, 10].",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=0),
    help="Rows (or triples) the query may give, 0 for no limit [default: sparql_max_rows].",
)
@registry_options
@client_options
def sparql(
    query: str | None,
    query_file: Path | None,
    fmt: str,
    timeout: float | None,
    max_rows: int | None,
    settings: Settings,
    server: str | None,
    token: str | None,
) -> int:
    """Run a read-only SPARQL 1.1 query over the registry (the union of its records), within
    the same time and row limits as the service's /sparql."""
    if query is not None and query_file is None:
        text = query
    elif query_file is not None and query is None:
        text = query_file.read_text("utf-8")
    else:
        raise UsageError("give a QUERY or --file, not both and not neither")
    if server:
        refuse_local_options(("query", "query_file", "fmt"))
        sys.stdout.buffer.write(cli_client.query(server, token, text, fmt))
        return EXIT_OK
    settings = settings.replace(sparql_timeout=timeout, sparql_max_rows=max_rows)
    with open_store(settings) as target:
        limits = QueryLimits(*query_limits(settings))
        sys.stdout.buffer.write(target.query_raw(text, ResultFormat(fmt), limits))
    return EXIT_OK
