"""What the catalogue answers with: frozen dataclasses, each turned into JSON by `to_dict()`.

Kept apart from the queries (`nif.registry._catalogue`) so the result model reads on its own;
the web API and pages reach these through `_catalogue`, which re-exports them.
"""

from __future__ import annotations

import dataclasses
from typing import Generic, TypeVar

T = TypeVar("T")


class _Dict:
    """`to_dict()` for the dataclasses below: plain JSON-ready values, nested."""

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)  # type: ignore[call-overload, no-any-return]


@dataclasses.dataclass(frozen=True)
class Page(_Dict, Generic[T]):
    """One page of a longer list: its items, how many there are in all, and where it starts."""

    items: list[T]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or None on the last one."""
        after = self.offset + len(self.items)
        return after if after < self.total and self.items else None


@dataclasses.dataclass(frozen=True)
class AgencySummary(_Dict):
    """An agency as listed: names, homepage and how many interfaces it publishes."""

    iri: str
    identifier: str
    name: str
    homepage: str | None
    interfaces: int


@dataclasses.dataclass(frozen=True)
class Contact(_Dict):
    """A contact point of an agency (vCard), any part of which may be missing."""

    name: str | None
    email: str | None
    phone: str | None
    url: str | None


@dataclasses.dataclass(frozen=True)
class InterfaceSummary(_Dict):
    """An interface as listed; `status` and `version` are those of its current version."""

    iri: str
    identifier: str
    title: str
    description: str | None
    agency: str | None
    agency_name: str | None
    status: str | None
    status_label: str | None
    version: str | None


@dataclasses.dataclass(frozen=True)
class Agency(_Dict):
    """One agency with contact points and a page of the interfaces it publishes."""

    iri: str
    identifier: str
    name: str
    homepage: str | None
    contacts: list[Contact]
    interfaces: Page[InterfaceSummary]


@dataclasses.dataclass(frozen=True)
class Part(_Dict):
    """A document an artefact imports or includes, pinned with it."""

    url: str
    file_name: str
    sha256: str | None


@dataclasses.dataclass(frozen=True)
class Artefact(_Dict):
    """A schema or rule set of a message type; `role` is schema or rules."""

    iri: str
    title: str | None
    role: str
    technique: str | None
    media_type: str | None
    url: str | None
    file_name: str | None
    sha256: str | None
    parts: list[Part]


@dataclasses.dataclass(frozen=True)
class Example(_Dict):
    """An example message and the verdict validating it must give (valid or invalid)."""

    iri: str
    name: str
    expected: str | None
    media_type: str | None
    url: str | None
    file_name: str | None
    sha256: str | None


@dataclasses.dataclass(frozen=True)
class MessageType(_Dict):
    """A message an interface version exchanges, with the artefacts and examples that define it."""

    iri: str
    identifier: str
    title: str | None
    direction: str | None
    media_type: str | None
    root_namespace: str | None
    root_name: str | None
    artefacts: list[Artefact]
    examples: list[Example]


@dataclasses.dataclass(frozen=True)
class InterfaceVersion(_Dict):
    """One version of an interface; `current` marks the interface's current version."""

    iri: str
    version: str
    title: str | None
    status: str | None
    status_label: str | None
    notes: str | None
    endpoint: str | None
    current: bool
    message_types: list[MessageType]


@dataclasses.dataclass(frozen=True)
class Interface(_Dict):
    """One interface with all its versions, newest first."""

    iri: str
    identifier: str
    title: str
    description: str | None
    agency: str | None
    agency_name: str | None
    endpoint: str | None
    transport: str | None
    status: str | None
    status_label: str | None
    current_version: str | None
    versions: list[InterfaceVersion]


@dataclasses.dataclass(frozen=True)
class Download(_Dict):
    """A registered file by sha256: what it is (artefact, part or example), to serve it."""

    sha256: str
    media_type: str
    file_name: str
    kind: str
