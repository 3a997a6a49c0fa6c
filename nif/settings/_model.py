"""The settings as a typed model: one group per part of nif, each field with its meaning.

Every field has a flat name (`store_user`, `fetch_timeout`...): the `nif.toml` key, the
`NIF_<NAME>` environment variable and the keyword `Settings(...)` and `Settings.replace` take.
The groups are how code reads them (`settings.store.user`, `settings.fetch.timeout`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    SecretStr,
)
from pydantic_core import PydanticCustomError

MiB = 1024 * 1024

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _flag(value: object) -> object:
    """`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` (any case), as nif has always read them."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise PydanticCustomError("bool_parsing", "not a bool")


Flag = Annotated[bool, BeforeValidator(_flag)]


def _optional_flag(value: object) -> object:
    """A flag, or None (unset) for `None` and `draft`: the choice is left to the default rule."""
    if value is None or str(value).strip().lower() == "draft":
        return None
    return _flag(value)


OptionalFlag = Annotated[bool | None, BeforeValidator(_optional_flag)]


def _shown(text: str) -> dict[str, Any]:
    """How the settings table shows a default that is worked out when it is used."""
    return {"shown": text}


class Group(BaseModel):
    """Settings of one part of nif; each field's flat name is `prefix` + its name."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    prefix: ClassVar[str] = ""
    flat_names: ClassVar[Mapping[str, str]] = {}
    """Fields whose flat name is not `prefix` + their name."""

    @classmethod
    def flat_name(cls, field: str) -> str:
        return cls.flat_names.get(field, cls.prefix + field)


class ValidationSettings(Group):
    """Limits of message validation (the CLI, the service and certification runs)."""

    flat_names = {"retired_version": "validation_retired_version"}

    max_message_bytes: NonNegativeInt = Field(
        default=200 * MiB, description="Largest message accepted (`--max-bytes`)."
    )
    max_xml_depth: NonNegativeInt = Field(
        default=256, description="Deepest element nesting accepted in XML messages."
    )
    step_timeout: NonNegativeFloat = Field(
        default=120.0,
        description="Seconds a step may run before the verdict is `error` (`--timeout`); the "
        "CLI and the service kill the worker process running it.",
    )
    max_findings_per_step: NonNegativeInt = Field(
        default=1000,
        description="Findings a report lists per step; the rest are counted (`counts`, "
        "`findings_omitted`) but not listed (`0`: list all).",
    )
    json_format_assertions: OptionalFlag = Field(
        default=None,
        description="Whether JSON Schema `format` is asserted. Unset (or `draft`): as the "
        "schema's draft says, asserted in drafts 4, 6 and 7, an annotation in 2019-09 and "
        "2020-12 unless its meta-schema turns the format(-assertion) vocabulary on. `true`/"
        "`false` (`1`/`0`, `yes`/`no`, `on`/`off`): always/never, whatever the draft.",
        json_schema_extra=_shown("by the draft"),
    )
    retired_version: Literal["error", "warning"] = Field(
        default="error",
        description="What a message to a retired interface version (past its end date, or "
        "Withdrawn) gets: `error`, verdict `error` with a fatal `NIF-RETIRED` finding; "
        "`warning`, a warning finding only (a Deprecated version always gets a warning).",
    )


class StoreSettings(Group):
    """Where the registry's RDF lives, and how to reach a remote store."""

    prefix = "store_"
    flat_names = {"url": "store"}

    url: str = Field(
        default="",
        description="The registry's store: a folder (embedded Oxigraph, one process at a time) "
        "or the URL of a SPARQL 1.1 endpoint (`--store`). Credentials in the URL "
        "(`https://user:pw@host/sparql`) are used as authentication and never shown.",
        json_schema_extra=_shown("`NIF_HOME/store`"),
    )
    update_url: str = Field(
        default="",
        description="SPARQL Update endpoint of a remote store.",
        json_schema_extra=_shown("the store URL"),
    )
    graph_url: str = Field(
        default="",
        description="Graph Store Protocol endpoint of a remote store (Virtuoso: "
        "`.../sparql-graph-crud-auth`).",
        json_schema_extra=_shown("the store URL"),
    )
    user: str = Field(default="", description="User name for a remote store.")
    password: SecretStr = Field(
        default=SecretStr(""),
        description="Password for a remote store; it never appears in output, logs or errors.",
    )
    auth: Literal["basic", "digest"] = Field(
        default="basic",
        description="`basic` or `digest` (Virtuoso's `/sparql-auth` uses digest).",
    )
    timeout: NonNegativeFloat = Field(
        default=60.0, description="Seconds a remote store request may take."
    )


class StateSettings(Group):
    """Where everything that is not RDF lives: tokens, history, audit, runs, blobs."""

    prefix = "state_"
    flat_names = {"url": "state"}

    url: str = Field(
        default="",
        description="nif's state: empty for SQLite files and folders under NIF_HOME (one "
        "machine), or a PostgreSQL URL (`postgresql://user@host:5432/nif`) that every replica "
        "shares. A password in the URL is used and never shown; prefer `state_password`.",
        json_schema_extra=_shown("files under `NIF_HOME`"),
    )
    password: SecretStr = Field(
        default=SecretStr(""),
        description="Password for the PostgreSQL state; it never appears in output, logs or "
        "errors.",
    )
    pool_size: PositiveInt = Field(
        default=8, description="Connections each process keeps open to the PostgreSQL state."
    )
    connect_timeout: NonNegativeFloat = Field(
        default=10.0, description="Seconds to wait for a PostgreSQL connection."
    )


class RegistrySettings(Group):
    """What the registry accepts and mints."""

    flat_names = {"review": "registry_review"}

    base_iri: str = Field(
        default="https://registry.nif.example/",
        description="Base of the IRIs nif mints: a bundle file becomes "
        "`{base_iri}files/{record id}/{path}`. Records may not use `{base_iri}certificate/`, "
        "`certification/`, `compatibility/`, `conformance/`, `files/` or `catalogue/` (nif's "
        "own).",
    )
    max_record_bytes: NonNegativeInt = Field(
        default=50 * MiB,
        description="Largest record document (or unpacked bundle zip) accepted.",
    )
    max_literal_chars: NonNegativeInt = Field(
        default=100_000, description="Longest literal accepted in a record."
    )
    extra_shapes: str = Field(
        default="",
        description="Further SHACL files (separated by `:`) every record must also conform to, "
        "e.g. the DCAT-AP 3.0.1 shapes.",
    )
    compatibility_time_limit: NonNegativeFloat = Field(
        default=60.0,
        description="Seconds the comparison of one message type with its counterpart in an "
        "earlier version may take at submission; a direction still open then is `unknown`, "
        "which refuses a minor or patch version (`0`: no limit).",
    )
    review: Flag = Field(
        default=True,
        description="Keep a publisher token's new version, or its move of a version to "
        "Completed, as a proposal until a certifier or admin accepts it (`false`: store it at "
        "once). Admin writes and `nif registry submit`/`load` are never proposed.",
    )
    actor: str = Field(
        default="",
        description="Who the history and audit log name for command-line writes (`--as`).",
        json_schema_extra=_shown("the OS user"),
    )

    def extra_shape_files(self) -> list[Path]:
        """Further SHACL files records must conform to (`extra_shapes`, split on os.pathsep)."""
        return [Path(p) for p in self.extra_shapes.split(os.pathsep) if p.strip()]


class FetchSettings(Group):
    """The policy for fetching artefacts that records name by URL."""

    prefix = "fetch_"

    allow_http: Flag = Field(
        default=False, description="Let artefact URLs use plain http (https only by default)."
    )
    allow_private: Flag = Field(
        default=False,
        description="Let artefact URLs reach loopback, private, link-local and other "
        "non-public addresses.",
    )
    max_bytes: NonNegativeInt = Field(default=20 * MiB, description="Largest artefact fetched.")
    timeout: NonNegativeFloat = Field(
        default=30.0, description="Seconds one artefact fetch may take."
    )
    max_redirects: NonNegativeInt = Field(
        default=5, description="Redirects followed per fetch (each one re-checked)."
    )


class ServiceSettings(Group):
    """Limits of the HTTP service (`nif serve`), and the catalogue it serves at `/catalog`."""

    flat_names = {"catalog_page_size": "service_catalog_page_size"}

    max_upload_bytes: NonNegativeInt = Field(
        default=50 * MiB,
        description="Service: largest request body (a message, a batch, a record); larger ones "
        "get 413.",
    )
    validation_workers: NonNegativeInt = Field(
        default=0,
        description="Service: worker processes that validate messages.",
        json_schema_extra=_shown("`0` (every core)"),
    )
    max_concurrent_validations: NonNegativeInt = Field(
        default=16,
        description="Service: validations (and certification runs) running or queued at once; "
        "more get 429.",
    )
    rate_limit: NonNegativeInt = Field(
        default=600,
        description="Service: requests per minute from one client address; more get 429 "
        "(`0`: no limit).",
    )
    metrics_public: Flag = Field(
        default=False,
        description="Service: serve `/metrics` to anyone, not only to admin tokens (for a "
        "Prometheus that reaches the service on a private network only).",
    )
    catalog_page_size: int = Field(
        default=100,
        ge=1,
        le=1000,
        description="Service: interfaces per page of the DCAT-AP catalogue at `/catalog` "
        "(Hydra paging, `?page=`).",
    )
    catalog_title: str = Field(
        default="",
        description="The catalogue's `dct:title`.",
        json_schema_extra=_shown("a title in English, German and French"),
    )
    catalog_description: str = Field(
        default="",
        description="The catalogue's `dct:description`.",
        json_schema_extra=_shown("a description in English, German and French"),
    )
    catalog_publisher: str = Field(
        default="",
        description="Who publishes the catalogue (`dct:publisher`, a `foaf:Agent`): the "
        "operator of the registry.",
        json_schema_extra=_shown("`certificate_issuer`"),
    )
    catalog_license: str = Field(
        default="",
        pattern=r"^(https?://[^\s<>\"{}|\\^`]+)?$",
        description="IRI of the licence of the catalogue's metadata (`dct:license`), e.g. "
        "`http://publications.europa.eu/resource/authority/licence/CC0`; none when empty.",
    )
    catalog_spatial: str = Field(
        default="",
        pattern=r"^(https?://[^\s<>\"{}|\\^`]+)?$",
        description="IRI of the area the registry covers (`dct:spatial`), e.g. "
        "`http://publications.europa.eu/resource/authority/country/DEU`; none when empty.",
    )


class SparqlSettings(Group):
    """Limits of the SPARQL queries people send (the service and `nif sparql`)."""

    prefix = "sparql_"

    timeout: NonNegativeFloat = Field(
        default=10.0, description="Seconds a SPARQL query may run (service and `nif sparql`)."
    )
    max_rows: NonNegativeInt = Field(
        default=10_000, description="Most rows (or triples) a SPARQL query may return."
    )
    max_concurrent: NonNegativeInt = Field(
        default=8, description="Service: SPARQL queries evaluated at once; more get 429."
    )


class CertificateSettings(Group):
    """The certificates nif issues."""

    prefix = "certificate_"

    validity_days: NonNegativeInt = Field(
        default=730,
        description="Days a certificate is valid unless issued with other days "
        "(`--valid-days`, `valid_days`).",
    )
    issuer: str = Field(
        default="NIF interoperability competence centre",
        description="The issuer certificates name (`dct:creator`).",
    )


class EndpointSettings(Group):
    """The policy for the implementations certification runs send messages to."""

    prefix = "endpoint_"

    allow_http: Flag = Field(
        default=False,
        description="Let certification runs send to plain `http://` endpoints (https only by "
        "default).",
    )
    allow_private: Flag = Field(
        default=False,
        description="Let certification runs send to loopback, private, link-local and other "
        "non-public addresses (an agency's intranet test system; never on a public service).",
    )
    timeout: NonNegativeFloat = Field(
        default=30.0,
        description="Seconds one exchange with an endpoint may take, all of it (connect, send, "
        "read).",
    )
    max_bytes: NonNegativeInt = Field(default=20 * MiB, description="Largest endpoint answer read.")


GROUPS: dict[str, type[Group]] = {
    "validation": ValidationSettings,
    "store": StoreSettings,
    "state": StateSettings,
    "registry": RegistrySettings,
    "fetch": FetchSettings,
    "service": ServiceSettings,
    "sparql": SparqlSettings,
    "certificates": CertificateSettings,
    "endpoint": EndpointSettings,
}
"""The groups, in the order the settings table lists them (after `home`)."""

HOME_MEANING = (
    "Data directory (store, blobs, audit, tokens, runs, evidence, key) for the registry and the "
    "service. Private: nif's processes create files 0600 and folders 0700 (umask 077), SQLite's "
    "`-wal`/`-shm` included, and the service makes the folder 0700 and takes group and other "
    "access from what is in it at start."
)


class Place(NamedTuple):
    """Where a flat setting lives in the model: its group (None for `home`) and field."""

    group: str | None
    field: str


def places() -> Iterator[tuple[str, Place]]:
    """Every setting's flat name and place, in the settings table's order."""
    yield "home", Place(None, "home")
    for group, model in GROUPS.items():
        for field in model.model_fields:
            yield model.flat_name(field), Place(group, field)


FLAT: dict[str, Place] = dict(places())
"""Flat name (TOML key, `NIF_` + upper case) -> its place in the model."""


def nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """Flat names (and whole groups) as the model's nested shape; unknown names are kept, for
    validation to refuse. A group's name given a group (or a mapping) is that group; `store`
    given anything else is the flat `store` (the store URL), as it has always been."""
    nested: dict[str, Any] = {}
    for name, value in values.items():
        if name in GROUPS and isinstance(value, BaseModel | Mapping):
            group = value.model_dump() if isinstance(value, BaseModel) else dict(value)
            nested[name] = {**nested.get(name, {}), **group}
        elif (place := FLAT.get(name)) is not None and place.group is not None:
            secret = GROUPS[place.group].model_fields[place.field].annotation is SecretStr
            if secret and isinstance(value, str):
                value = SecretStr(value)  # from here on, never shown
            nested.setdefault(place.group, {})[place.field] = value
        else:
            nested[name] = value
    return nested
