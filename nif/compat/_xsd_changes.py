"""The change list of an XSD comparison: every difference the walk meets, with where it is.

A verdict says whether NEW still accepts OLD's messages; the change list says what moved, so
a reviewer can read the differences even when the verdict is `compatible` or `unknown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Location",
    "XsdChange",
    "child_changes",
    "from_other_side",
    "location",
]

# A walk run NEW -> OLD (the forward question) names each difference from NEW's side: these
# kinds read the other way round once OLD and NEW are swapped back.
_INVERSE = {
    "element-added": "element-removed",
    "element-removed": "element-added",
    "attribute-added": "attribute-removed",
    "attribute-removed": "attribute-added",
    "attribute-required": "attribute-optional",
    "attribute-optional": "attribute-required",
    "optional->required": "required->optional",
    "required->optional": "optional->required",
    "type-widened": "type-narrowed",
    "type-narrowed": "type-widened",
    "substitute-added": "substitute-removed",
    "substitute-removed": "substitute-added",
}
_WORDS = {
    "OLD": "NEW",
    "NEW": "OLD",
    "added": "removed",
    "removed": "added",
}


@dataclass(frozen=True)
class Location:
    """Where a declaration lives: schema file URL, source line (when the parser kept it) and
    an XPath-ish description of the declaration."""

    url: str | None
    line: int | None
    description: str
    component: Any = field(default=None, compare=False, repr=False)
    """The xmlschema component itself, so the change list can be described and located
    from the declaration rather than from the walk's words."""


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
    inverted_from_forward: bool = False
    """Named back from the forward walk (which runs NEW -> OLD) by `inverted`."""

    def inverted(self) -> XsdChange:
        """The same difference named from the other side: the forward walk compares NEW as
        its "old" with OLD as its "new"; swapped back, an element it saw removed is one NEW
        added, a bound it saw widened is one NEW narrowed, and its locations trade places."""
        return XsdChange(
            list(self.path),
            _INVERSE.get(self.kind, self.kind),
            _inverted_detail(self.detail),
            self.new_location,
            self.old_location,
            self.safe,
            not self.inverted_from_forward,
        )


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
        component,
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
        found += _substitute_changes(before, after, [*path, name])
        if getattr(before, "default", None) != getattr(after, "default", None):
            found.append(
                XsdChange(
                    [*path, name],
                    "default",
                    f"{_local(name)} default {before.default!r} -> {after.default!r}",
                    location(before, path),
                    location(after, path),
                )
            )
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


def _substitute_changes(before: Any, after: Any, path: list[str]) -> list[XsdChange]:
    """Members of a child's substitution group that may stand for it on one side only."""
    old_members, new_members = _substitutes(before), _substitutes(after)
    head = _local(path[-1])
    found = [
        XsdChange(
            [*path[:-1], name],
            "substitute-added",
            f"{_local(name)} may now stand for {head}",
            None,
            location(new_members[name], path[:-1]),
        )
        for name in sorted(new_members.keys() - old_members.keys())
    ]
    found += [
        XsdChange(
            [*path[:-1], name],
            "substitute-removed",
            f"{_local(name)} may no longer stand for {head}",
            location(old_members[name], path[:-1]),
            None,
        )
        for name in sorted(old_members.keys() - new_members.keys())
    ]
    return found


def _substitutes(particle: Any) -> dict[str, Any]:
    """The non-abstract members that may replace a head in an instance (none when the head
    blocks substitution); the content model (`_content`) decides what they admit."""
    target = getattr(particle, "ref", None) or particle
    is_global = callable(getattr(particle, "is_global", None)) and particle.is_global()
    if getattr(particle, "ref", None) is None and not is_global:
        return {}
    if {"substitution", "#all"} & set(str(getattr(target, "block", "") or "").split()):
        return {}
    iterate = getattr(target, "iter_substitutes", None)
    if iterate is None:
        return {}
    return {m.name: m for m in iterate() if not m.abstract and isinstance(m.name, str)}


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


def _inverted_detail(detail: str) -> str:
    """The walk's words read from the other side (a fallback: details are rebuilt from the
    components where the kind is known): each `a -> b` swapped, OLD/NEW and added/removed
    exchanged."""
    parts = []
    for part in detail.split("; "):
        if part.count(" -> ") == 1:
            # `label before -> after`: the value after the arrow has as many words as before.
            left, after = part.split(" -> ")
            words, size = left.split(" "), len(after.split(" "))
            if len(words) > size:
                label, previous = words[:-size], words[-size:]
                part = " ".join([*label, after, "->", *previous])
        elif " to " in part and part.count(" to ") == 1 and not part.startswith("@"):
            before, after = part.split(" to ")
            part = f"{after} to {before}"
        parts.append(re.sub(r"\b(OLD|NEW|added|removed)\b", _word, part))
    return "; ".join(parts)


def from_other_side(text: str) -> str:
    """The forward walk's words (its OLD is NEW) as OLD and NEW name the schemas."""
    return re.sub(r"\b(OLD|NEW)\b", _word, text)


def _word(match: re.Match[str]) -> str:
    return _WORDS[match[0]]
