"""The settings table of the documentation, made from the model, so the two never drift."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from nif.settings._model import GROUPS, MiB, places
from nif.settings._settings import Settings

HEADER = (
    "| setting | `nif.toml` key | environment variable | type | default | meaning |\n"
    "|---|---|---|---|---|---|\n"
)
CONFIG_ROW = "| (none) | (none) | `NIF_CONFIG` | path | `./nif.toml` | The TOML file to read. |\n"


def settings_table() -> str:
    """Every setting as a Markdown table: its name in the model, TOML key, environment
    variable, type, default and meaning (the field's description)."""
    rows = []
    for flat, place in places():
        if place.group is None:
            field, name = Settings.model_fields[place.field], place.field
        else:
            field, name = (
                GROUPS[place.group].model_fields[place.field],
                f"{place.group}.{place.field}",
            )
        kind = _type(field).replace("|", "\\|")
        cells = [f"`{name}`", f"`{flat}`", f"`NIF_{flat.upper()}`", kind]
        cells += [_default(field), str(field.description or "").replace("|", "\\|")]
        rows.append(f"| {' | '.join(cells)} |\n")
    return HEADER + "".join(rows) + CONFIG_ROW


def _type(field: FieldInfo) -> str:
    annotation = field.annotation
    if annotation is SecretStr:
        return "secret"
    if annotation is Path:
        return "path"
    if typing.get_origin(annotation) is typing.Literal:
        return " or ".join(f"`{a}`" for a in typing.get_args(annotation))
    return str(getattr(annotation, "__name__", annotation))


def _default(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("shown"), str):
        return str(extra["shown"])
    value: Any = field.default
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value == "":
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int) and value >= MiB and value % MiB == 0:
        return f"`{value}` ({value // MiB} MiB)"
    return f"`{value}`"
