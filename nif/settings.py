"""One place for configuration: defaults, then a TOML file, then NIF_* environment variables.

Command-line flags are applied on top by the CLI through `Settings.replace`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Any

from nif.errors import UsageError


@dataclasses.dataclass(frozen=True)
class Settings:
    """Limits and locations. Every field can be set as `NIF_<FIELD>` or in `nif.toml`."""

    home: Path = Path("var")
    max_message_bytes: int = 200 * 1024 * 1024
    max_xml_depth: int = 256
    step_timeout: float = 120.0
    json_format_assertions: bool = True
    max_findings_per_step: int = 1000
    store: str = ""
    store_update_url: str = ""
    store_graph_url: str = ""
    store_user: str = ""
    store_password: str = ""
    store_auth: str = "basic"
    store_timeout: float = 60.0
    base_iri: str = "https://registry.nif.example/"
    fetch_allow_http: bool = False
    fetch_allow_private: bool = False
    fetch_max_bytes: int = 20 * 1024 * 1024
    fetch_timeout: float = 30.0
    fetch_max_redirects: int = 5
    max_record_bytes: int = 50 * 1024 * 1024
    max_literal_chars: int = 100_000
    extra_shapes: str = ""
    actor: str = ""
    max_upload_bytes: int = 50 * 1024 * 1024
    validation_workers: int = 0
    max_concurrent_validations: int = 16
    rate_limit: int = 600
    sparql_timeout: float = 10.0
    sparql_max_rows: int = 10_000
    sparql_max_concurrent: int = 8
    certificate_validity_days: int = 730
    certificate_issuer: str = "NIF interoperability competence centre"
    endpoint_allow_http: bool = False
    endpoint_allow_private: bool = False
    endpoint_timeout: float = 30.0
    endpoint_max_bytes: int = 20 * 1024 * 1024

    def __repr__(self) -> str:
        """Never shows the store password, so settings can be logged."""
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        if shown["store_password"]:
            shown["store_password"] = "***"
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    @property
    def store_location(self) -> str:
        """The store to open: `store`, or the embedded store under `home`."""
        return self.store or str(self.home / "store")

    def extra_shape_files(self) -> list[Path]:
        """Further SHACL files records must conform to (`extra_shapes`, split on os.pathsep)."""
        return [Path(p) for p in self.extra_shapes.split(os.pathsep) if p.strip()]

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def load(cls, config: Path | None = None, env: dict[str, str] | None = None) -> Settings:
        """Defaults, then the TOML file (`NIF_CONFIG` or ./nif.toml), then NIF_* variables."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        explicit = config or (Path(env["NIF_CONFIG"]) if env.get("NIF_CONFIG") else None)
        path = explicit or Path("nif.toml")
        if explicit is not None and not explicit.is_file():
            raise UsageError(f"configuration file {explicit} does not exist")
        if path.is_file():
            try:
                values.update(tomllib.loads(path.read_text("utf-8")).get("nif", {}))
            except tomllib.TOMLDecodeError as exc:
                raise UsageError(f"{path}: not valid TOML: {exc}") from None
        for field in dataclasses.fields(cls):
            key = f"NIF_{field.name.upper()}"
            if key in env:
                values[field.name] = env[key]
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise UsageError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
        return cls(**{name: _coerce(cls, name, value) for name, value in values.items()})


def _coerce(cls: type[Settings], name: str, value: Any) -> Any:
    kind = {f.name: f.default for f in dataclasses.fields(cls)}[name]
    try:
        if isinstance(kind, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(value)
            return text in {"1", "true", "yes", "on"}
        if isinstance(kind, Path):
            return Path(value)
        return type(kind)(value)
    except (TypeError, ValueError):
        raise UsageError(
            f"setting {name} (NIF_{name.upper()}) must be {type(kind).__name__}, not {value!r}"
        ) from None
