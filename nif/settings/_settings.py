"""`Settings`: defaults, then a TOML file, then NIF_* variables, then command-line flags."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from nif.errors import UsageError
from nif.home import Home
from nif.settings import _model
from nif.settings._model import GROUPS, HOME_MEANING, nest
from nif.settings._sources import EnvironmentSource, TomlSource, origins_of, usage_error


class Settings(BaseSettings):
    """Limits and locations, in groups. Every field can be set by its flat name: `NIF_<NAME>`,
    a `nif.toml` key, or a keyword of `Settings(...)` and `replace` (`store_user="reader"`).

    `Settings()` is the defaults (and the keywords given); only `load` reads the environment
    and the TOML file. Immutable: `replace` gives a changed copy. A bad value is a
    `UsageError` naming the setting and where it was written."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", validate_default=False)

    home: Path = Field(default=Path("var"), description=HOME_MEANING)
    validation: _model.ValidationSettings = _model.ValidationSettings()
    store: _model.StoreSettings = _model.StoreSettings()
    state: _model.StateSettings = _model.StateSettings()
    registry: _model.RegistrySettings = _model.RegistrySettings()
    fetch: _model.FetchSettings = _model.FetchSettings()
    service: _model.ServiceSettings = _model.ServiceSettings()
    sparql: _model.SparqlSettings = _model.SparqlSettings()
    certificates: _model.CertificateSettings = _model.CertificateSettings()
    endpoint: _model.EndpointSettings = _model.EndpointSettings()

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**nest(values))
        except ValidationError as exc:
            raise usage_error(exc, type(self), origins_of(values.get("_build_sources"))) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the arguments: the environment and nif.toml are read by `load`, explicitly."""
        return (init_settings,)

    @classmethod
    @functools.cache
    def defaults(cls) -> Settings:
        """`Settings()`, built once: it is immutable and reads nothing, but building one costs
        more than validating a small message, so per-message code without settings uses this."""
        return cls()

    @classmethod
    def load(cls, config: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
        """Defaults, then the TOML file (`config`, else `NIF_CONFIG`, else ./nif.toml), then
        NIF_* variables (`env`, else the process's environment)."""
        env = os.environ if env is None else env
        explicit = config or (Path(env["NIF_CONFIG"]) if env.get("NIF_CONFIG") else None)
        if explicit is not None and not explicit.is_file():
            raise UsageError(f"configuration file {explicit} does not exist")
        sources = (EnvironmentSource(cls, env), TomlSource(cls, explicit or Path("nif.toml")))
        return cls(_build_sources=(sources, {}))

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` (flat names, or whole groups); None means "not given", so
        command-line flags that were left out change nothing."""
        given = nest({name: value for name, value in changes.items() if value is not None})
        if not given:
            return self
        current = self.model_dump()
        for name, value in given.items():
            current[name] = {**current[name], **value} if name in GROUPS else value
        return type(self)(**current)

    @property
    def folder(self) -> Home:
        """The data folder (`home`): where each of nif's files lives in it."""
        return Home(self.home)

    @property
    def store_location(self) -> str:
        """The store to open: the `store` setting, or the embedded store in the data folder."""
        return self.store.url or str(self.folder.store)
