"""Where settings come from (a TOML file, NIF_* variables), and what a bad one is called.

Each source remembers where each value came from, so an error names the setting and its
source (`NIF_STEP_TIMEOUT`, `nif.toml [nif] step_timeout`): the person who wrote it finds it.
"""

from __future__ import annotations

import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from nif.errors import UsageError
from nif.settings._model import FLAT, GROUPS, nest

_KIND_ERRORS = ("_parsing", "_type", "_from_float", "literal_error")
"""Pydantic error types that mean "not a value of this type"."""


class Source(PydanticBaseSettingsSource):
    """Flat settings from one place, in the model's nested shape, with where each came from."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.values: dict[str, Any] = {}
        self.origins: dict[str, str] = {}
        """Flat name -> where its value was written."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # the values are read whole, in __call__

    def __call__(self) -> dict[str, Any]:
        return nest(self.values)


class EnvironmentSource(Source):
    """`NIF_<FLAT NAME>` variables (`NIF_STORE`, `NIF_FETCH_TIMEOUT`...)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        for name in FLAT:
            variable = f"NIF_{name.upper()}"
            if variable in env:
                self.values[name] = env[variable]
                self.origins[name] = variable


class TomlSource(Source):
    """The `[nif]` table of a TOML file: flat keys, or a table per group (`[nif.store]`)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        if not path.is_file():
            return
        try:
            table = tomllib.loads(path.read_text("utf-8")).get("nif", {})
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path}: not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: cannot read the configuration ({exc})") from None
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [nif] must be a table of settings")
        unknown = []
        for key, value in table.items():
            if key in GROUPS and isinstance(value, dict):
                model = GROUPS[key]
                for field, item in value.items():
                    if field not in model.model_fields:
                        unknown.append(f"{key}.{field}")
                        continue
                    name = model.flat_name(field)
                    self.values[name] = item
                    self.origins[name] = f"{path} [nif.{key}] {field}"
            elif key in FLAT:
                self.values[key] = value
                self.origins[key] = f"{path} [nif] {key}"
            else:
                unknown.append(key)
        if unknown:
            raise UsageError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")


def origins_of(build: object) -> dict[str, str]:
    """Where each value of a `_build_sources` came from, the first source winning."""
    found: dict[str, str] = {}
    for source in build[0] if isinstance(build, tuple) else ():
        for name, origin in getattr(source, "origins", {}).items():
            found.setdefault(name, origin)
    return found


def usage_error(
    exc: ValidationError, model: type[BaseModel], origins: Mapping[str, str]
) -> UsageError:
    """The `UsageError` for settings pydantic refused: each setting, where it was written, what
    it must be, and the value (never a password's)."""
    return UsageError("; ".join(_problem(error, model, origins) for error in exc.errors()))


def _problem(error: Any, model: type[BaseModel], origins: Mapping[str, str]) -> str:
    loc = [str(part) for part in error["loc"]]
    if error["type"] == "extra_forbidden":
        return f"unknown setting {'.'.join(loc)}"
    name, field = loc[0], model.model_fields.get(loc[0])
    if len(loc) > 1 and loc[0] in GROUPS:
        group = GROUPS[loc[0]]
        name, field = group.flat_name(loc[1]), group.model_fields.get(loc[1])
    where = f" ({origins[name]})" if name in origins else ""
    shown = "***" if field is not None and field.annotation is SecretStr else repr(error["input"])
    if error["type"].endswith(_KIND_ERRORS) and field is not None:
        return f"setting {name}{where} must be {_kind(field.annotation)}, not {shown}"
    reason = str(error["msg"])
    return f"setting {name}{where}: {reason[:1].lower()}{reason[1:]}, not {shown}"


def _kind(annotation: Any) -> str:
    if annotation is SecretStr:
        return "str"
    if typing.get_origin(annotation) is typing.Literal:
        return " or ".join(str(a) for a in typing.get_args(annotation))
    return str(getattr(annotation, "__name__", annotation))
