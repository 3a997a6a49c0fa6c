"""The `nif` command: parse arguments, call the validation flow, render the reports.

Exit codes: 0 every message valid, 1 any message invalid or in error, 2 a usage or input error
(one line on stderr saying what is wrong).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nif import __version__
from nif.cli_client import client_options, with_hint
from nif.cli_options import (
    CATALOG,
    CONFIG,
    HOME,
    STORE,
    expand_inputs,
    settings_from,
    write_output,
)
from nif.errors import InputError, NifError, UsageError
from nif.home import private_files
from nif.progress import progress_bar
from nif.report import (
    Report,
    Severity,
    render_html,
    render_json,
    render_junit,
    render_kosit,
    render_svrl,
    render_text,
)
from nif.settings import Settings

if TYPE_CHECKING:
    from nif.store import Store
    from nif.validate import Profile

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

FORMATS = ("text", "json", "junit", "html", "svrl", "kosit")
SEVERITIES = ("fatal", "error", "warning", "info")


def _fail(message: str) -> None:
    """The one line a usage or input error gets on stderr."""
    line = " ".join(message.split())
    click.echo(f"nif: error: {line}", err=True)


class _Command(click.Group):
    """A click group whose errors are one line on stderr and exit 2, never a traceback."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(args, *rest, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            _fail(exc.format_message())
            sys.exit(EXIT_USAGE)
        except NifError as exc:
            _fail(with_hint(exc))
            sys.exit(EXIT_USAGE)
        except click.Abort:
            _fail("interrupted")
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else EXIT_VALID)


@click.group(cls=_Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="nif", message="%(prog)s %(version)s")
def cli() -> None:
    """nif: validate exchange messages against XSD, Schematron and JSON Schema."""


def main(argv: Sequence[str] | None = None) -> None:
    """The console script `nif`."""
    private_files()
    cli.main(args=list(argv) if argv is not None else None, prog_name="nif")


def _existing_file() -> click.Path:
    return click.Path(exists=True, dir_okay=False, path_type=Path)


def _schematron_arguments(values: Sequence[str]) -> list[tuple[str, str | None]]:
    from nif.validate.schematron import split_phase

    entries = []
    for value in values:
        path, phase = split_phase(value)
        if not Path(path).is_file():
            where = f"{path} (phase {phase})" if phase else path
            raise InputError(f"--schematron {value}: no such file: {where}")
        entries.append((path, phase))
    return entries


@contextmanager
def _progress(total: int) -> Iterator[Callable[[], None] | None]:
    """A progress bar for more than one file: `advance()` after each."""
    if total < 2:
        yield None
        return
    with progress_bar("validating", total) as update:
        if update is None:
            yield None
            return
        done = 0

        def advance() -> None:
            nonlocal done
            done += 1
            update(done, total)

        yield advance


def _render(reports: list[Report], fmt: str, as_array: bool, terminal: bool, color: bool) -> str:
    if fmt == "json":
        return render_json(reports if as_array else reports[0]) + "\n"
    if fmt == "junit":
        return render_junit(reports)
    if fmt == "html":
        return render_html(reports)  # one page for every message, as junit and text
    if fmt in ("svrl", "kosit"):
        try:
            xml = (render_svrl if fmt == "svrl" else render_kosit)(reports[0])
        except ValueError as exc:
            raise _NoSvrl(str(exc)) from None
        return xml if xml.endswith("\n") else xml + "\n"
    width = shutil.get_terminal_size().columns if terminal else None
    return render_text(reports, width, color=color)


class _NoSvrl(Exception):
    """The message was not checked by any Schematron (or KoSIT) step, e.g. it is not
    well-formed: there is no SVRL (or KoSIT report) to write."""


@cli.command()
@click.argument("messages", nargs=-1, required=True, metavar="MESSAGE...")
@click.option("--xsd", type=_existing_file(), help="XML Schema to validate against.")
@click.option(
    "--xsd-version",
    type=click.Choice(["1.0", "1.1"]),
    help="Force the XSD version (default: the schema's vc:minVersion, else 1.0).",
)
@click.option(
    "--schematron",
    "schematron",
    multiple=True,
    metavar="FILE[#PHASE]",
    help="Schematron rules (.sch or compiled .xsl); repeat to run several, in order.",
)
@click.option("--json-schema", type=_existing_file(), help="JSON Schema.")
@click.option(
    "--json-draft",
    type=click.Choice(["4", "6", "7", "2019-09", "2020-12"]),
    help="Draft of a --json-schema that has no $schema (default 2020-12); a $schema wins.",
)
@click.option(
    "--kosit-config",
    type=click.Path(exists=True, path_type=Path),
    metavar="CONFIG",
    help="KoSIT validator configuration (a folder or zip holding scenarios.xml), run as is.",
)
@CATALOG
@click.option(
    "--severity",
    "severities",
    multiple=True,
    metavar="RULE=LEVEL",
    help="Change a rule's severity (fatal, error, warning, info) or switch it off (off).",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="error",
    show_default=True,
    help="Lowest severity that makes a message invalid.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Worker processes (default 0: every core once the messages reach 8 MB, else one).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    metavar="BYTES",
    help="Largest message accepted (setting max_message_bytes).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Time limit of each step (setting step_timeout); a step past it is killed with its "
    "worker process and the message's verdict is error.",
)
@click.option(
    "--well-formed",
    is_flag=True,
    help="Only check that each message is well-formed XML or JSON (no schema, no registry).",
)
@click.option(
    "--interface",
    metavar="ID[@VERSION]",
    help="Validate against this registered interface (default version: its current one).",
)
@click.option(
    "--message-type",
    metavar="T",
    help="The message type of that version (default: its only one, else detected).",
)
@STORE  # not registry_options: validate must know whether --store itself was given
@HOME
@CONFIG
@client_options
def validate(
    messages: tuple[str, ...],
    xsd: Path | None,
    xsd_version: str | None,
    schematron: tuple[str, ...],
    json_schema: Path | None,
    json_draft: str | None,
    kosit_config: Path | None,
    catalogs: tuple[Path, ...],
    severities: tuple[str, ...],
    fail_on: str,
    fmt: str,
    output: Path | None,
    jobs: int,
    max_bytes: int | None,
    timeout: float | None,
    well_formed: bool,
    interface: str | None,
    message_type: str | None,
    store: str | None,
    home: Path | None,
    config: Path | None,
    server: str | None,
    token: str | None,
) -> int:
    """Validate MESSAGE files (or every file in MESSAGE directories) against schemas and rules.

    With --xsd, --schematron or --json-schema, against those files; with --well-formed, for
    well-formedness only. Otherwise against the registry: the interface named by --interface,
    or the message type detected from each message (XML root element and discriminator, JSON
    discriminator).

    Exit status: 0 all valid, 1 any invalid or in error, 2 usage or input error.
    """
    from nif.validate import Profile, parse_overrides, validate_files

    settings = settings_from(config, home).replace(
        max_message_bytes=max_bytes, step_timeout=timeout
    )
    paths = expand_inputs(messages)
    if output is not None and not output.parent.is_dir():
        raise InputError(f"--output {output}: no such directory {output.parent}")
    as_array = len(paths) > 1 or any(Path(m).is_dir() for m in messages)

    def emit(reports: list[Report], kosit: str | None = None) -> int:
        """The reports printed as --format asks (the KoSIT report given, if one); the exit code."""
        terminal = output is None and sys.stdout.isatty()
        color = terminal and "NO_COLOR" not in os.environ
        code = EXIT_VALID if all(r.verdict == "valid" for r in reports) else EXIT_INVALID
        try:
            text = kosit if kosit is not None else _render(reports, fmt, as_array, terminal, color)
        except _NoSvrl as exc:
            click.echo(f"nif: {exc}", err=True)
            return EXIT_INVALID
        write_output(text, output, color=color)
        return code

    files = xsd is not None or bool(schematron) or json_schema is not None
    if kosit_config is not None and (files or well_formed or interface or catalogs):
        raise UsageError(
            "--kosit-config runs the configuration's own checks: do not combine it with "
            "--xsd, --schematron, --json-schema, --well-formed, --interface or --catalog"
        )
    files = files or kosit_config is not None
    if well_formed and files:
        raise UsageError("--well-formed checks no schema: drop --xsd, --schematron, --json-schema")
    files = files or well_formed
    if files and (interface or message_type or store):
        given = "--interface" if interface else "--message-type" if message_type else "--store"
        raise UsageError(
            f"{given} validates against the registry: do not combine it with "
            "--xsd, --schematron, --json-schema or --well-formed"
        )
    if message_type and not interface:
        raise UsageError("--message-type needs --interface")
    if fmt == "svrl":
        if files and not schematron:
            raise UsageError("--format svrl needs at least one --schematron, or the registry")
        if len(paths) > 1:
            raise UsageError(f"--format svrl takes one message, got {len(paths)}")
    if fmt == "kosit" and len(paths) > 1:
        raise UsageError(f"--format kosit takes one message, got {len(paths)}")
    if fmt == "kosit" and files and kosit_config is None:
        raise UsageError("--format kosit needs --kosit-config, or the registry")
    if xsd_version is not None and xsd is None:
        raise UsageError("--xsd-version needs --xsd")
    if json_draft is not None and json_schema is None:
        raise UsageError("--json-draft needs --json-schema")
    if catalogs and (well_formed or not files):
        raise UsageError("--catalog needs --xsd, --schematron or --json-schema")
    if server and not files:  # schemas given as files need no registry: checked here
        from nif.cli_client import validate_remotely

        return validate_remotely(server, token, paths, emit)
    overrides = parse_overrides(severities)
    if not files:
        from nif.registry import validate_registered

        with _progress(len(paths)) as advance:
            reports = validate_registered(
                paths,
                lambda: _open_registry_store(settings, store),
                settings,
                interface=interface,
                message_type=message_type,
                severity_overrides=overrides,
                fail_on=Severity.parse(fail_on),
                jobs=jobs,
                keep_svrl=fmt in ("svrl", "kosit"),
                progress=advance,
            )
    else:
        profile = Profile.from_files(
            xsd=xsd,
            xsd_version=xsd_version,
            schematron=_schematron_arguments(schematron),
            json_schema=json_schema,
            json_draft=json_draft,
            severity_overrides=overrides,
            fail_on=Severity.parse(fail_on),
            catalogs=catalogs,
        )
        if kosit_config is not None:
            profile = _kosit_profile(kosit_config, settings, overrides, Severity.parse(fail_on))
        from nif.validate.schematron import check_phase, check_rule_set

        for spec in profile.steps:
            if spec.phase is not None:
                check_phase(spec.artefacts, spec.phase)
            if spec.kind == "schematron":
                check_rule_set(spec.artefacts)  # a rule set that does more than check: exit 2
        with _progress(len(paths)) as advance:
            reports = validate_files(
                paths,
                profile,
                settings=settings,
                jobs=jobs,
                keep_svrl=fmt in ("svrl", "kosit"),
                progress=advance,
            )
    return emit(reports)


def _kosit_profile(
    path: Path, settings: Settings, overrides: dict[str, Severity | None], fail_on: Severity
) -> Profile:
    """The configuration as a one-step profile, every scenario compiled first: a configuration
    that cannot run (bad XSD, a stylesheet the sandbox refuses) exits 2 before any message."""
    from nif.validate import KOSIT, Profile, StepSpec, compile_step, load_kosit

    spec = StepSpec(KOSIT, load_kosit(path))
    step = compile_step(spec, settings)  # builds every scenario
    return Profile((spec,), name=step.name, severity_overrides=overrides, fail_on=fail_on)


def _open_registry_store(settings: Settings, location: str | None) -> Store:
    """The registry's store; a missing embedded store is an error, never silently created."""
    from nif.errors import StoreError
    from nif.store import open_store

    target = location or settings.store_location
    if not target.startswith(("http://", "https://")) and not Path(target).is_dir():
        raise StoreError(
            f"no registry store at {target}: load one with `nif registry load`, point --store "
            "or NIF_STORE at one, or give --xsd, --schematron or --json-schema"
        )
    return open_store(settings, target)


def _register_commands() -> None:
    """The other command groups live in their own modules; they join the `nif` group here."""
    from nif.cli_authoring import COMMANDS as AUTHORING_COMMANDS
    from nif.cli_certify import certify
    from nif.cli_compat import compat
    from nif.cli_registry import registry, sparql
    from nif.cli_review import COMMANDS as REVIEW_COMMANDS
    from nif.cli_schematron import schematron
    from nif.cli_service import serve, token

    cli.add_command(schematron)
    cli.add_command(certify)
    cli.add_command(compat)
    for command in (*AUTHORING_COMMANDS, *REVIEW_COMMANDS):
        registry.add_command(command)
    cli.add_command(registry)
    cli.add_command(sparql)
    cli.add_command(serve)
    cli.add_command(token)


_register_commands()
