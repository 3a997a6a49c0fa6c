"""`nif compat OLD NEW`: whether NEW accepts what OLD accepts (backward) and the reverse
(forward), per message, with verified counterexamples, as text or JSON.

OLD and NEW are two schema files, or two registered versions of one interface (`ID@VERSION`).
Exit codes: 0 the `--require`d directions hold for every message (or nothing was required),
1 they do not (incompatible, or not established), 2 a usage or input error (one line on stderr).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import click

from nif.cli_options import CATALOG, OUTPUT, registry_options, write_output
from nif.compat import Comparison, Requirement, compare_files, render_text
from nif.errors import InputError, StoreError, UsageError
from nif.progress import progress_bar
from nif.settings import Settings

EXIT_MET = 0
EXIT_NOT_MET = 1

_CLARK = re.compile(r"^(?:\{[^{}\s]+\})?[^\W\d][\w.\-]*$")
_REGISTERED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._\-]*)@([A-Za-z0-9][A-Za-z0-9.+\-]*)$")

Side = Path | tuple[str, str]
"""A schema file, or a registered version as (interface id, version)."""


@click.command("compat")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option(
    "--root",
    "roots",
    multiple=True,
    metavar="QNAME",
    help="Compare only this global element, in Clark notation ({namespace}local); repeatable "
    "(default: every global element both schemas declare).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--require",
    "requirement",
    type=click.Choice(["backward", "forward", "full"]),
    help="Exit 1 unless every message is compatible in this direction (full: both).",
)
@CATALOG
@click.option(
    "--json-draft",
    type=click.Choice(["4", "6", "7", "2019-09", "2020-12"]),
    help="Draft of JSON Schema files that have no $schema (default 2020-12); a $schema wins.",
)
@OUTPUT
@registry_options
def compat(
    old: str,
    new: str,
    roots: tuple[str, ...],
    fmt: str,
    requirement: Requirement | None,
    catalogs: tuple[Path, ...],
    json_draft: str | None,
    output: Path | None,
    settings: Settings,
) -> int:
    """Compare two schemas: does NEW accept every message OLD accepts (backward), and OLD every
    message NEW accepts (forward)?

    OLD and NEW are schema files (an XSD with its imports and includes, or a JSON Schema with
    its $refs), or both ID@VERSION of registered versions of one interface (every message type
    is then compared with its counterpart). Each answer is compatible, incompatible with a
    counterexample message checked by the validators, or unknown with the reason.

    Exit status: 0 the --require'd directions hold (or none was required), 1 they do not,
    2 usage or input error.
    """
    wanted = [_clark(root) for root in roots]
    if output is not None and not output.parent.is_dir():
        raise InputError(f"--output {output}: no such directory {output.parent}")
    old_side, new_side = _side(old, "OLD"), _side(new, "NEW")
    with progress_bar("comparing"):
        if isinstance(old_side, Path) and isinstance(new_side, Path):
            comparison = _compare_files(old_side, new_side, wanted, catalogs, json_draft)
        elif isinstance(old_side, tuple) and isinstance(new_side, tuple):
            if catalogs or json_draft:
                given = "--catalog" if catalogs else "--json-draft"
                raise UsageError(
                    f"{given} applies to schema files; registered versions use their pinned files"
                )
            comparison = _compare_registered(old_side, new_side, wanted, settings)
        else:
            raise UsageError(
                "OLD and NEW must both be schema files or both ID@VERSION of registered "
                f"versions, got {old!r} and {new!r}"
            )
    unmet = comparison.unmet(requirement) if requirement else []
    if fmt == "json":
        text = json.dumps(comparison.to_json(), indent=2, ensure_ascii=False) + "\n"
        color = False
    else:
        terminal = output is None and sys.stdout.isatty()
        color = terminal and "NO_COLOR" not in os.environ
        width = shutil.get_terminal_size().columns if terminal else None
        text = render_text(comparison, width, color=color)
        if requirement:
            text += _requirement_line(requirement, unmet)
    write_output(text, output, color=color)
    return EXIT_NOT_MET if unmet else EXIT_MET


def _clark(value: str) -> str:
    """A --root as the comparison names elements: `{namespace}local`, or `local` alone for
    an element in no namespace."""
    value = value.strip()
    if value.startswith("{}"):
        value = value[2:]
    if not _CLARK.match(value):
        hint = " (a prefix means nothing here)" if ":" in value.split("}")[-1] else ""
        raise UsageError(
            f"--root {value!r}: expected Clark notation {{namespace}}local, "
            f"e.g. {{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}}Invoice{hint}"
        )
    return value


def _side(argument: str, label: str) -> Side:
    """A schema file when `argument` names one, else ID@VERSION of a registered version."""
    path = Path(argument)
    if path.is_dir():
        raise InputError(f"{label} {argument}: a directory, not a schema file")
    if path.exists():
        return path
    registered = _REGISTERED.match(argument)
    if registered:
        return registered.group(1), registered.group(2)
    raise InputError(f"{label} {argument}: no such file (nor ID@VERSION of an interface version)")


def _compare_files(
    old: Path, new: Path, roots: list[str], catalogs: tuple[Path, ...], json_draft: str | None
) -> Comparison:
    """Two schema files; one that does not compile (XSD, or JSON Schema against its draft's
    meta-schema) is an input error from `compare_files`, naming the file."""
    comparison = compare_files(
        old, new, roots=roots or None, catalogs=catalogs, json_draft=json_draft
    )
    media = {answer.media for m in comparison.messages for answer in (m.backward, m.forward)}
    if json_draft is not None and "xml" in media:
        raise UsageError("--json-draft applies to JSON Schema files; OLD and NEW are XSD")
    return comparison


def _compare_registered(
    old: tuple[str, str], new: tuple[str, str], roots: list[str], settings: Settings
) -> Comparison:
    """Every message type of two registered versions of one interface, by the registry."""
    from nif.registry import Registry

    if old[0] != new[0]:
        raise UsageError(
            f"OLD and NEW must be versions of one interface, got {old[0]} and {new[0]}"
        )
    location = settings.store_location
    if not location.startswith(("http://", "https://")) and not Path(location).is_dir():
        raise StoreError(
            f"no registry store at {location}: load one with `nif registry load`, or point "
            "--store, --home or NIF_STORE at one"
        )
    with Registry.open(settings) as registry:
        comparison = registry.compare_versions(old[0], old[1], new[1])
    if not roots:
        return comparison
    known = {message.root for message in comparison.messages}
    missing = [root for root in roots if root not in known]
    if missing:
        raise UsageError(
            f"--root {missing[0]}: no message type compared between {old[0]}@{old[1]} and "
            f"{new[0]}@{new[1]} has this root (their roots: {', '.join(sorted(known)) or 'none'})"
        )
    kept = tuple(message for message in comparison.messages if message.root in roots)
    return Comparison(kept, comparison.old, comparison.new)


def _requirement_line(requirement: str, unmet: list[str]) -> str:
    if not unmet:
        return f"require {requirement}: met\n"
    return f"require {requirement}: NOT met for {', '.join(unmet)}\n"
