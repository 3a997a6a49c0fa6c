"""The change list of an XSD comparison: every difference the walk meets, with where it is.

A verdict says whether NEW still accepts OLD's messages; the change list says what moved, so
a reviewer can read the differences even when the verdict is `compatible` or `unknown`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Location", "XsdChange", "child_changes", "location"]


@dataclass(frozen=True)
class Location:
    """Where a declaration lives: schema file URL, source line (when the parser kept it) and
    an XPath-ish description of the declaration."""

    url: str | None
    line: int | None
    description: str


@dataclass(frozen=True)
class XsdChange:
    """One difference between OLD and NEW at `path` (child names from the root element)."""

    path: list[str]
    kind: str
    detail: str
    old_location: Location | None = None
    new_location: Location | None = None
    safe: bool | None = None
    """True when the walk proved this change safe for its direction, False when it breaks it,
    None when undecided."""


def location(component: Any, path: list[str]) -> Location | None:
    """The location of an xmlschema component (None for no component)."""
    if component is None:
        return None
    schema = getattr(component, "schema", None)
    url = getattr(schema, "url", None)
    elem = getattr(component, "elem", None)
    line = getattr(elem, "sourceline", None)  # lxml-parsed XSDs only; ElementTree keeps none
    tag = str(getattr(elem, "tag", "")).rsplit("}", 1)[-1] or type(component).__name__
    if callable(getattr(component, "is_simple", None)) and not hasattr(component, "type"):
        tag = "simpleType" if component.is_simple() else "complexType"  # not its restriction
    name = getattr(component, "name", None)
    label = f"{tag}[@name={_local(str(name))!r}]" if name else tag
    return Location(
        str(url) if url else None,
        line if isinstance(line, int) else None,
        "/" + "/".join([*(_local(p) for p in path), label]),
    )


def child_changes(old: Any, new: Any, path: list[str]) -> list[XsdChange]:
    """Child declarations added, removed, made required or re-counted between two content
    models (by name, local to the models; the verdict comes from the automata, not this)."""
    old_children, new_children = _children(old), _children(new)
    found: list[XsdChange] = []
    for name in sorted(new_children.keys() - old_children.keys()):
        decl = new_children[name]
        need = "required" if decl.min_occurs > 0 else "optional"
        found.append(
            XsdChange(
                [*path, name],
                "element-added",
                f"{need} child {_local(name)} added",
                None,
                location(decl, path),
            )
        )
    for name in sorted(old_children.keys() - new_children.keys()):
        decl = old_children[name]
        found.append(
            XsdChange(
                [*path, name],
                "element-removed",
                f"child {_local(name)} removed",
                location(decl, path),
                None,
            )
        )
    for name in sorted(old_children.keys() & new_children.keys()):
        before, after = old_children[name], new_children[name]
        occurs = (before.min_occurs, before.max_occurs), (after.min_occurs, after.max_occurs)
        if occurs[0] == occurs[1]:
            continue
        kind = "optional->required" if before.min_occurs == 0 < after.min_occurs else "occurs"
        found.append(
            XsdChange(
                [*path, name],
                kind,
                f"{_local(name)} occurs {_occurs(*occurs[0])} on OLD, {_occurs(*occurs[1])} on NEW",
                location(before, path),
                location(after, path),
            )
        )
    return found


def _children(content: Any) -> dict[str, Any]:
    """Named element particles of a content model (wildcards are compared elsewhere)."""
    found: dict[str, Any] = {}
    iterate = getattr(content, "iter_elements", None)
    if iterate is None:
        return found
    for particle in iterate():
        name = getattr(particle, "name", None)
        if isinstance(name, str) and hasattr(particle, "min_occurs"):
            found.setdefault(name, particle)
    return found


def _occurs(low: int, high: int | None) -> str:
    return f"[{low}, {'unbounded' if high is None else high}]"


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]
