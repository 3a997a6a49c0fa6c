"""What the interface page says about evolution: who consumes each version, what changed in it,
and which consumers a deprecation or a breaking successor affects.

The assessments are nif's own (`Registry.assessment`, written at submission); the consumers are
the agencies' own declarations (`catalogue.consumers`). A version is "broken by" a later one
when that one's assessment has a breaking message type compared with it: its consumers must
act before they move on.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from nif import catalogue
from nif.registry import Registry

AFFECTING_STATUSES = ("Deprecated", "Withdrawn")
"""Statuses whose consumers the page names as affected."""


@dataclasses.dataclass(frozen=True)
class Affected:
    """Consumers affected by one event: the version's status (`reason` "Deprecated" or
    "Withdrawn") or a breaking later version (`reason` "breaking", `by` its number)."""

    reason: str
    by: str | None
    consumers: list[catalogue.Consumer]


@dataclasses.dataclass(frozen=True)
class VersionEvolution:
    """One version's consumers, who is affected, and its assessment (None: not assessed)."""

    consumers: list[catalogue.Consumer]
    affected: list[Affected]
    assessment: dict[str, Any] | None


def interface_evolution(
    registry: Registry, interface: catalogue.Interface, *, lang: str = "en"
) -> dict[str, VersionEvolution]:
    """Version number -> its evolution, for every version of `interface`."""
    consumers = catalogue.consumers(registry.store, [v.iri for v in interface.versions], lang=lang)
    assessments = _assessments(registry, interface)
    broken_by = _broken_by(interface, assessments)
    found: dict[str, VersionEvolution] = {}
    for v in interface.versions:
        users = consumers.get(v.iri, [])
        affected: list[Affected] = []
        if users and v.status in AFFECTING_STATUSES:
            affected.append(Affected(str(v.status), None, users))
        if users:
            affected.extend(
                Affected("breaking", later, users) for later in broken_by.get(v.iri, [])
            )
        found[v.version] = VersionEvolution(users, affected, assessments[v.version])
    return found


def broken_by(
    registry: Registry, consumed: list[catalogue.Consumed], *, lang: str = "en"
) -> dict[str, list[str]]:
    """Version IRI -> the later versions that break it, for the interfaces of `consumed` (what
    the agency page warns of)."""
    found: dict[str, list[str]] = {}
    for identifier in sorted({c.interface for c in consumed if c.interface}):
        interface = catalogue.interface(registry.store, identifier, lang=lang)
        found.update(_broken_by(interface, _assessments(registry, interface)))
    return found


def _assessments(
    registry: Registry, interface: catalogue.Interface
) -> dict[str, dict[str, Any] | None]:
    return {
        v.version: registry.assessment(interface.identifier, v.version) for v in interface.versions
    }


def _broken_by(
    interface: catalogue.Interface, assessments: dict[str, dict[str, Any] | None]
) -> dict[str, list[str]]:
    """Version IRI -> the numbers of the later versions whose assessment breaks it, newest
    first: those with a breaking message type compared with it (or, when the assessment names
    none, every version it was compared with)."""
    known = {v.iri for v in interface.versions}
    found: dict[str, list[str]] = {}
    for v in interface.versions:
        assessment = assessments.get(v.version)
        if not assessment or not assessment.get("breaking"):
            continue
        messages = assessment.get("messages", [])
        broken = [m["compared_with"]["iri"] for m in messages if m.get("breaking")] or [
            c["iri"] for c in assessment.get("compared_with", [])
        ]
        for old in dict.fromkeys(broken):
            if old in known:
                found.setdefault(old, []).append(v.version)
    return found
