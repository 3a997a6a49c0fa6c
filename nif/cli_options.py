"""What the command groups share: the options for the settings file, the data directory, the
store and the catalogs, and writing a command's text output."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from nif.errors import InputError
from nif.settings import Settings

if TYPE_CHECKING:
    from nif.registry import ShaclReport

CONFIG = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A nif.toml file (default: NIF_CONFIG, else ./nif.toml if present).",
)
HOME = click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="The data directory: store, blobs, history, tokens, runs, certificate key "
    "(default: NIF_HOME, else ./var).",
)
STORE = click.option(
    "--store",
    metavar="PATH|URL",
    help="The store: a folder (embedded Oxigraph) or a SPARQL endpoint URL "
    "(default: NIF_STORE, else NIF_HOME/store).",
)
OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File (default: stdout).",
)

ACTOR = click.option(
    "--as", "actor", metavar="NAME", help="Who is writing (default: NIF_ACTOR or the OS user)."
)
CATALOG = click.option(
    "--catalog",
    "catalogs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="OASIS XML Catalog mapping the URIs the schemas and rules reference to local copies; "
    "repeat to consult several, in order.",
)

R = TypeVar("R")


def registry_options(command: Callable[..., R]) -> Callable[..., R]:
    """--config, --home and --store, what every command that reads the registry takes, given
    to `command` as the one `settings` they make (`settings_from`)."""

    @functools.wraps(command)
    def with_settings(
        *args: Any, config: Path | None, home: Path | None, store: str | None, **kwargs: Any
    ) -> R:
        return command(*args, settings=settings_from(config, home, store), **kwargs)

    return STORE(HOME(CONFIG(with_settings)))


def settings_from(
    config: Path | None, home: Path | None = None, store: str | None = None
) -> Settings:
    """The settings (file, then NIF_* variables), with the options given on top."""
    return Settings.load(config).replace(home=home, store=store)


def expand_inputs(arguments: Sequence[str]) -> list[Path]:
    """Files as given; directories become their files (recursive, sorted, hidden ones skipped)."""
    paths: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
            if not found:
                raise InputError(f"{argument}: the directory holds no message file")
            paths.extend(found)
        elif path.is_file():
            paths.append(path)
        elif path.exists():
            raise InputError(f"{argument}: not a regular file")
        else:
            raise InputError(f"{argument}: no such file or directory")
    return paths


def _hidden(path: Path, under: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(under).parts)


def write_output(text: str, output: Path | None, *, color: bool = False) -> None:
    """`text` to stdout, or to `output`; a file that cannot be written is an input error."""
    if output is None:
        click.echo(text, nl=False, color=color)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{output}: cannot write: {exc.strerror or exc}") from None


REPORT_FORMAT = click.option(
    "--report",
    "report_format",
    type=click.Choice(["text", "turtle", "json"]),
    default="text",
    show_default=True,
    help="How to print SHACL results: readable text, the sh:ValidationReport in Turtle, or JSON.",
)


def print_shacl_report(report: ShaclReport, fmt: str) -> None:
    """A SHACL report as `--report` asks: text, the sh:ValidationReport in Turtle, or JSON."""
    if fmt == "turtle":
        click.echo(report.turtle())
    elif fmt == "json":
        payload = {"conforms": report.conforms, "results": [r.to_dict() for r in report.results]}
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(report.text())
