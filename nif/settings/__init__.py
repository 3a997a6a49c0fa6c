"""One place for configuration: defaults, then a TOML file, then NIF_* environment variables.

Command-line flags are applied on top by the CLI through `Settings.replace`. The settings are
grouped (`settings.store.url`, `settings.fetch.timeout`); each also has a flat name, the
`nif.toml` key and `NIF_<NAME>` variable it has always had (`store`, `fetch_timeout`).
"""

from nif.settings._model import (
    CertificateSettings,
    EndpointSettings,
    FetchSettings,
    RegistrySettings,
    ServiceSettings,
    SparqlSettings,
    StoreSettings,
    ValidationSettings,
)
from nif.settings._settings import Settings
from nif.settings._table import settings_table

__all__ = [
    "CertificateSettings",
    "EndpointSettings",
    "FetchSettings",
    "RegistrySettings",
    "ServiceSettings",
    "Settings",
    "SparqlSettings",
    "StoreSettings",
    "ValidationSettings",
    "settings_table",
]
