"""The options the command groups share: the settings file, the data directory and the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from nif.settings import Settings

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

F = TypeVar("F", bound=Callable[..., object])


def registry_options(command: F) -> F:
    """--config, --home and --store: what every command that reads the registry takes."""
    return STORE(HOME(CONFIG(command)))


def settings_from(
    config: Path | None, home: Path | None = None, store: str | None = None
) -> Settings:
    """The settings (file, then NIF_* variables), with the options given on top."""
    return Settings.load(config).replace(home=home, store=store)
