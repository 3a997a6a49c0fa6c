"""What each XSD change is, in words, and which directions it can break by itself.

The walk records a change with its components; this settles its kind from them (occurrence
bounds, simple type inclusion both ways), writes the detail a person reads, and the `risks`:
the directions the change can break. A direction is left out only when the change can only
widen the side that must accept in that direction: a regular language with one part widened
is wider, so such a change is never the reason that direction fails. Anything not thought
through is a risk to both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nif.compat._simple_types import describe_changes, simple_included
from nif.compat._xsd_changes import Location, XsdChange

__all__ = ["BACKWARD", "BOTH", "FORWARD", "SAFE", "Settled", "Settler", "takeover"]

BOTH = frozenset(("backward", "forward"))
BACKWARD = frozenset(("backward",))
FORWARD = frozenset(("forward",))
SAFE: frozenset[str] = frozenset()
_SIMPLE_KINDS = {"type-narrowed", "type-widened", "enumeration"}
_OCCURS_KINDS = {"optional->required", "required->optional", "occurs"}


@dataclass(frozen=True)
class Settled:
    """A change as the list shows it: kind and detail from the components, the attribute it
    concerns, and `risks`, the directions it can break by itself (see the module's note)."""

    kind: str
    detail: str
    risks: frozenset[str]
    attribute: str | None = None


class Settler:
    """Settles changes, with a memo of simple type inclusions (asked once per type pair)."""

    def __init__(self) -> None:
        self.inclusions: dict[tuple[int, int], tuple[Any, Any, bool]] = {}

    def __call__(self, change: XsdChange) -> Settled:
        old, new = _component(change.old_location), _component(change.new_location)
        attribute = _attribute_of(change, old, new)
        label = f"@{attribute}" if attribute else _label(change, old, new)
        kind = change.kind
        if kind in ("element-added", "element-removed"):
            return _presence(kind, old, new, label)
        if kind in ("substitute-added", "substitute-removed"):
            # One more (one fewer) alternative in a choice: widens (narrows) NEW.
            head = change.detail.rsplit(" ", 1)[-1]
            if kind == "substitute-added":
                return Settled(kind, f"{label} may now stand for {head}", FORWARD)
            return Settled(kind, f"{label} may no longer stand for {head}", BACKWARD)
        if kind in _OCCURS_KINDS and old is not None and new is not None:
            return _occurrence(old, new, label)
        if kind.startswith("attribute-"):
            return _attribute(change, old, new, label, attribute)
        if kind in _SIMPLE_KINDS and _simple(old) and _simple(new):
            return self._simple_type(change, old, new, attribute)
        if kind in ("nillable", "abstract", "mixed") and old is not None and new is not None:
            return _flag(kind, old, new, label, attribute)
        if kind == "fixed" and old is not None and new is not None:
            return _fixed(old, new, label, attribute)
        if kind == "derived-type":
            # The walk records it when its OLD allows an xsi:type its NEW does not derive.
            forward = change.inverted_from_forward
            name = _local(str(getattr(old if not forward else new, "name", "") or "?"))
            side = "NEW" if forward else "OLD"
            detail = f"xsi:type {name}: derived from the declared type on {side} only"
            return Settled(kind, detail, FORWARD if forward else BACKWARD)
        if kind == "element-renamed" and old is not None and new is not None:
            was, now = _local(str(old.name)), _local(str(new.name))
            return Settled(kind, f"{was} renamed {now}", BOTH)
        taken = takeover(change)
        if taken is not None:
            side, name = taken
            other = "NEW" if side == "OLD" else "OLD"
            return Settled(
                kind, f"{name}: declared on {side}, matched by a wildcard on {other}", BOTH
            )
        if kind == "wildcard" and (_wildcard(old) or _wildcard(new)):
            which = _wildcard(old if old is not None else new)
            detail = f"{which} wildcard {_show_wildcard(old)} -> {_show_wildcard(new)}"
            return Settled(kind, detail, BOTH)
        return Settled(kind, change.detail, BOTH, attribute)

    def _simple_type(self, change: XsdChange, old: Any, new: Any, attribute: str | None) -> Settled:
        backward, forward = self._included(old, new), self._included(new, old)
        changes = describe_changes(old, new)
        if changes and all(c.startswith("enumeration") for c in changes):
            what = "enumeration"
        elif changes and all(c.startswith("pattern") for c in changes):
            what = "pattern"
        elif not changes or any(c.startswith(_TYPE_WORDS) for c in changes):
            what = "type"
        else:
            what = "facet"
        if backward and forward:
            how, risks = "equivalent", SAFE
        elif backward:
            how, risks = "widened", FORWARD
        elif forward:
            how, risks = "narrowed", BACKWARD
        else:
            how, risks = "changed", BOTH
        text = "; ".join(changes) if changes else change.detail
        if attribute and not text.startswith("@"):
            text = f"@{attribute}: {text}"
        return Settled(f"{what}-{how}", text, risks, attribute)

    def _included(self, old: Any, new: Any) -> bool:
        key = (id(old), id(new))
        if key not in self.inclusions:
            self.inclusions[key] = (old, new, simple_included(old, new).included is True)
        return self.inclusions[key][2]


_TYPE_WORDS = ("type ", "variety", "member types", "list item")


def takeover(change: XsdChange) -> tuple[str, str] | None:
    """For a child one side declares and the other takes by a wildcard: the side that
    declares it ("OLD" or "NEW") and its local name. The walk says it two ways, by the
    direction it met it in; both name the same difference."""
    if change.kind != "wildcard":
        return None
    suffix = " now matched by a wildcard"
    if change.detail.endswith(suffix):  # the walk's OLD declares it
        return ("NEW" if change.inverted_from_forward else "OLD", change.detail[: -len(suffix)])
    declared = re.fullmatch(r"wildcard on (?:OLD|NEW), declaration on (OLD|NEW)", change.detail)
    if declared is None:
        return None
    component = _component(change.old_location if declared[1] == "OLD" else change.new_location)
    name = getattr(component, "name", None)
    return (declared[1], _local(name)) if isinstance(name, str) else None


def _presence(kind: str, old: Any, new: Any, label: str) -> Settled:
    decl = new if kind == "element-added" else old
    is_global = decl is not None and getattr(decl, "parent", None) is None
    required = decl is None or getattr(decl, "min_occurs", 1) > 0
    verb = "added" if kind == "element-added" else "removed"
    if is_global:
        detail = f"global element {label} {'declared' if verb == 'added' else 'removed'}"
    else:
        detail = f"{'required' if required else 'optional'} child {label} {verb}"
    if is_global or required:
        return Settled(kind, detail, BOTH)
    return Settled(kind, detail, FORWARD if verb == "added" else BACKWARD)


def _occurrence(old: Any, new: Any, label: str) -> Settled:
    low_old, high_old = old.min_occurs, old.max_occurs
    low_new, high_new = new.min_occurs, new.max_occurs
    bounds = []
    if low_old != low_new:
        bounds.append(f"minOccurs {low_old} -> {low_new}")
    if high_old != high_new:
        bounds.append(f"maxOccurs {_bound(high_old)} -> {_bound(high_new)}")
    wider = low_new <= low_old and (
        high_new is None or (high_old is not None and high_new >= high_old)
    )
    narrower = low_old <= low_new and (
        high_old is None or (high_new is not None and high_old >= high_new)
    )
    risks = FORWARD if wider else BACKWARD if narrower else BOTH
    if low_old == 0 < low_new:
        return Settled("optional->required", f"{label} made required ({', '.join(bounds)})", risks)
    if low_new == 0 < low_old:
        return Settled("required->optional", f"{label} made optional ({', '.join(bounds)})", risks)
    return Settled("occurs", f"{label}: {', '.join(bounds) or 'occurrence changed'}", risks)


def _attribute(change: XsdChange, old: Any, new: Any, label: str, attribute: str | None) -> Settled:
    kind = change.kind
    is_global = change.detail.startswith("global")
    if kind == "attribute-added":
        use = getattr(new, "use", None) or "optional"
        detail = (
            f"global attribute {label} declared" if is_global else f"{use} attribute {label} added"
        )
        risks = FORWARD if use == "optional" and not is_global else BOTH
        return Settled(kind, detail, risks, attribute)
    if kind == "attribute-removed":
        use = getattr(old, "use", None) or "optional"
        if is_global:
            detail = f"global attribute {label} removed"
        elif new is not None:
            detail = f"{use} attribute {label} prohibited"
        else:
            detail = f"{use} attribute {label} removed"
        risks = BACKWARD if use == "optional" and not is_global else BOTH
        return Settled(kind, detail, risks, attribute)
    if kind == "attribute-required":
        return Settled(kind, f"attribute {label} made required", BACKWARD, attribute)
    if kind == "attribute-optional":
        return Settled(kind, f"attribute {label} made optional", FORWARD, attribute)
    return Settled(kind, change.detail, BOTH, attribute)


def _flag(kind: str, old: Any, new: Any, label: str, attribute: str | None) -> Settled:
    """nillable and mixed widen when turned on; abstract narrows."""
    before, after = bool(getattr(old, kind, False)), bool(getattr(new, kind, False))
    if before == after:
        return Settled(kind, f"{label}: {kind} changed", BOTH, attribute)
    if kind == "mixed":
        detail = f"{label}: mixed content {'allowed' if after else 'no longer allowed'}"
    else:
        detail = f"{label} made {kind}" if after else f"{label} no longer {kind}"
    widens = after != (kind == "abstract")
    return Settled(kind, detail, FORWARD if widens else BACKWARD, attribute)


def _fixed(old: Any, new: Any, label: str, attribute: str | None) -> Settled:
    """A fixed attribute value narrows its values. An element's does not only narrow: an
    empty element takes the fixed value, which its type alone may refuse."""
    before, after = getattr(old, "fixed", None), getattr(new, "fixed", None)
    if before is None:
        detail = f"{label} fixed to {after!r}"
    elif after is None:
        detail = f"{label} no longer fixed (was {before!r})"
    else:
        detail = f"{label} fixed {before!r} -> {after!r}"
    risks = BOTH
    if attribute and before is None:
        risks = BACKWARD
    elif attribute and after is None:
        risks = FORWARD
    return Settled("fixed", detail, risks, attribute)


def _wildcard(component: Any) -> str | None:
    """ "attribute" or "element" for an xs:anyAttribute or xs:any component, else None."""
    if component is None or not hasattr(component, "process_contents"):
        return None
    return "attribute" if "Attribute" in type(component).__name__ else "element"


def _show_wildcard(component: Any) -> str:
    if component is None:
        return "none"
    spaces = " ".join(str(n) for n in getattr(component, "namespace", ()) or ()) or "##any"
    excluded = " ".join(str(n) for n in getattr(component, "not_namespace", ()) or ())
    if excluded:
        spaces = f"not {excluded}"
    return f"{spaces} ({component.process_contents})"


def _component(where: Location | None) -> Any:
    return where.component if where is not None else None


def _attribute_of(change: XsdChange, old: Any, new: Any) -> str | None:
    """The attribute a change concerns: its declaration, or the `@name:` the walk wrote."""
    for component in (old, new):
        name = getattr(component, "name", None)
        if component is not None and hasattr(component, "use") and isinstance(name, str):
            return _local(name)
    named = re.match(r"(?:global )?@([^\s:()]+)", change.detail)
    return named[1] if named else None


def _label(change: XsdChange, old: Any, new: Any) -> str:
    if change.path:
        return _local(change.path[-1])
    name = getattr(old if old is not None else new, "name", None)
    return _local(str(name)) if name else "the root element"


def _simple(component: Any) -> bool:
    is_simple = getattr(component, "is_simple", None)
    return callable(is_simple) and bool(is_simple())


def _bound(high: int | None) -> str:
    return "unbounded" if high is None else str(high)


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]
