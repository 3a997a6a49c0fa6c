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
    by_iri = {v.iri: v.version for v in interface.versions}
    consumers = catalogue.consumers(registry.store, by_iri, lang=lang)
    assessments = {
        v.version: registry.assessment(interface.identifier, v.version) for v in interface.versions
    }
    broken_by: dict[str, list[str]] = {}
    for version, assessment in assessments.items():
        for old in _broken(assessment):
            if old in by_iri and version not in broken_by.get(by_iri[old], []):
                broken_by.setdefault(by_iri[old], []).append(version)
    found: dict[str, VersionEvolution] = {}
    for v in interface.versions:
        users = consumers.get(v.iri, [])
        affected: list[Affected] = []
        if users and v.status in AFFECTING_STATUSES:
            affected.append(Affected(str(v.status), None, users))
        if users:
            affected.extend(
                Affected("breaking", later, users) for later in broken_by.get(v.version, [])
            )
        found[v.version] = VersionEvolution(users, affected, assessments[v.version])
    return found


def _broken(assessment: dict[str, Any] | None) -> list[str]:
    """The IRIs of the versions a breaking assessment breaks: those of its breaking message
    types, or every compared version when it names none."""
    if not assessment or not assessment.get("breaking"):
        return []
    broken = [
        m["compared_with"]["iri"] for m in assessment.get("messages", []) if m.get("breaking")
    ]
    return list(dict.fromkeys(broken)) or [c["iri"] for c in assessment.get("compared_with", [])]
