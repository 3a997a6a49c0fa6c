"""What the catalogue answers with: frozen dataclasses, one per concept.

The same classes are the pages' view models and the web API's response models (pydantic reads
the field descriptions below for the OpenAPI document), so each field is written once.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated

from pydantic import Field, WithJsonSchema


class Status(enum.StrEnum):
    """An ADMS status an interface version may have: the local name of the concept."""

    COMPLETED = "Completed"
    UNDER_DEVELOPMENT = "UnderDevelopment"
    DEPRECATED = "Deprecated"
    WITHDRAWN = "Withdrawn"


STATUSES: dict[str, str] = {
    Status.COMPLETED: "Completed",
    Status.UNDER_DEVELOPMENT: "Under development",
    Status.DEPRECATED: "Deprecated",
    Status.WITHDRAWN: "Withdrawn",
}
"""Each status with its English label."""
_StatusName = Annotated[str, WithJsonSchema({"type": "string", "enum": [s.value for s in Status]})]
"""A status as the catalogue reads it: documented as a `Status`, passed on as read."""
_Sha256 = Annotated[str | None, Field(description="The sha256 of the pinned bytes.")]
_DownloadUrl = Annotated[
    str | None, Field(description="Where this service serves the pinned bytes.")
]
"""Set when the caller passes a `link` (the web API does), else None."""


@dataclasses.dataclass(frozen=True)
class AgencySummary:
    """An agency as listed: names, homepage and how many interfaces it publishes."""

    iri: str
    identifier: Annotated[
        str, Field(description="The agency's registry identifier, e.g. `civreg`.")
    ]
    name: str
    homepage: str | None
    interfaces: Annotated[int, Field(description="How many interfaces the agency publishes.")]


@dataclasses.dataclass(frozen=True)
class Contact:
    """A contact point of an agency (vCard), any part of which may be missing."""

    name: str | None
    email: str | None
    phone: str | None
    url: str | None


@dataclasses.dataclass(frozen=True)
class InterfaceSummary:
    """An interface as listed; `status` and `version` are those of its current version."""

    iri: str
    identifier: Annotated[
        str, Field(description="The interface's identifier, e.g. `civreg-birth`.")
    ]
    title: str
    description: str | None
    agency: Annotated[str | None, Field(description="The publishing agency's identifier.")]
    agency_name: str | None
    status: Annotated[
        _StatusName | None, Field(description="The ADMS status of the current version.")
    ]
    status_label: str | None
    version: Annotated[str | None, Field(description="The current version, e.g. `2.0.0`.")]


@dataclasses.dataclass(frozen=True)
class InterfacePage:
    """One page of interfaces: its items, how many match in all, and where it starts."""

    items: list[InterfaceSummary]
    total: Annotated[int, Field(description="How many interfaces match, on all pages.")]
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or None on the last one."""
        after = self.offset + len(self.items)
        return after if after < self.total and self.items else None


@dataclasses.dataclass(frozen=True)
class Agency:
    """One agency with contact points and a page of the interfaces it publishes."""

    iri: str
    identifier: str
    name: str
    homepage: str | None
    contacts: list[Contact]
    interfaces: InterfacePage


@dataclasses.dataclass(frozen=True)
class Part:
    """A document an artefact imports or includes, pinned with it."""

    url: str
    file_name: str
    sha256: _Sha256
    download: _DownloadUrl


@dataclasses.dataclass(frozen=True)
class Artefact:
    """A schema or rule set of a message type; `role` is schema or rules."""

    iri: str
    title: str | None
    role: Annotated[
        str, Field(description="`schema` (XML Schema or JSON Schema) or `rules` (Schematron).")
    ]
    technique: Annotated[
        str | None, Field(description="`XMLSchema`, `Schematron` or `JSONSchema`.")
    ]
    media_type: str | None
    url: Annotated[str | None, Field(description="The artefact's registered download URL.")]
    file_name: str | None
    sha256: _Sha256
    parts: Annotated[list[Part], Field(description="Documents the artefact imports or includes.")]
    download: _DownloadUrl


@dataclasses.dataclass(frozen=True)
class Example:
    """An example message and the verdict validating it must give (valid or invalid)."""

    iri: str
    name: Annotated[str, Field(description="The example's file name.")]
    expected: Annotated[
        str | None, Field(description="The verdict validation must give: valid|invalid.")
    ]
    media_type: str | None
    url: str | None
    file_name: str | None
    sha256: _Sha256
    download: _DownloadUrl


@dataclasses.dataclass(frozen=True)
class MessageType:
    """A message an interface version exchanges, with the artefacts and examples that define it."""

    iri: str
    identifier: str
    title: str | None
    direction: Annotated[str | None, Field(description="`request`, `response` or `notification`.")]
    media_type: str | None
    root_namespace: str | None
    root_name: str | None
    artefacts: list[Artefact]
    examples: list[Example]


@dataclasses.dataclass(frozen=True)
class InterfaceVersion:
    """One version of an interface; `current` marks the interface's current version, and
    `end_date`, `successor` and `retired` its lifecycle."""

    iri: str
    version: str
    title: str | None
    status: _StatusName | None
    status_label: str | None
    notes: str | None
    endpoint: str | None
    current: Annotated[bool, Field(description="Whether this is the interface's current version.")]
    message_types: list[MessageType]
    end_date: Annotated[
        str | None,
        Field(description="The last day the version accepts messages (`YYYY-MM-DD`), if set."),
    ] = None
    successor: Annotated[
        str | None,
        Field(
            description="The version that replaces it (`dct:isReplacedBy`; for a deprecated, "
            "withdrawn or ending version, else the current version)."
        ),
    ] = None
    retired: Annotated[
        bool,
        Field(
            description="Whether messages to it get verdict `error` today: Withdrawn, or past "
            "its end date."
        ),
    ] = False


@dataclasses.dataclass(frozen=True)
class Interface:
    """One interface with all its versions, newest first."""

    iri: str
    identifier: str
    title: str
    description: str | None
    agency: str | None
    agency_name: str | None
    endpoint: str | None
    transport: str | None
    status: _StatusName | None
    status_label: str | None
    current_version: str | None
    versions: Annotated[list[InterfaceVersion], Field(description="Newest first.")]


@dataclasses.dataclass(frozen=True)
class Download:
    """A registered file by sha256: what it is (artefact, part or example), to serve it."""

    sha256: str
    media_type: str
    file_name: str
    kind: str
