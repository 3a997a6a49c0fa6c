"""One change list for an XSD message from both walks.

The backward walk runs OLD -> NEW and names its changes as OLD -> NEW; the forward walk runs
NEW -> OLD, so each of its changes is inverted first. The same difference met by both walks
then has the same kind and declarations, and becomes one `Change` whose `breaks` says which
directions it can break: none for a direction whose verdict is `compatible`, else each
direction the change is not proven safe for. A verdict that none of the listed changes
explains (a content model rearranged with no child added or removed records nothing) gets a
change of its own at the verdict's path, so a direction that fails is never left without a
change that says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nif.compat._model import DIRECTIONS, Answer, Change, Where
from nif.compat._xsd_change_kinds import BOTH, Settled, Settler, takeover
from nif.compat._xsd_changes import Location, XsdChange, from_other_side
from nif.compat._xsd_lines import Locator

if TYPE_CHECKING:
    from nif.compat._xsd_verify import DirectionResult

__all__ = ["ChangeList"]

# A declaration that appears or disappears: a wildcard beside it makes it a risk both ways.
_PRESENCE = {
    "element-added",
    "element-removed",
    "attribute-added",
    "attribute-removed",
    "substitute-added",
    "substitute-removed",
}

# Kinds that can be about open content: wildcards, and the verdict's own change.
_OPEN_KINDS = {"wildcard", "content-model", "difference"}


@dataclass
class _Entry:
    path: list[str]
    settled: Settled
    old: Where | None
    new: Where | None
    message_path: str
    safe: set[str] = field(default_factory=set)
    unsafe: set[str] = field(default_factory=set)
    breaks: set[str] = field(default_factory=set)


class ChangeList:
    """Builds the change list of each message of one comparison (locations cached across
    messages: each schema document is parsed for its lines once)."""

    def __init__(self, old_schema: Any, new_schema: Any, locator: Locator) -> None:
        self.old_schema, self.new_schema = old_schema, new_schema
        self.locator = locator
        self.settle = Settler()
        self.new_root = ""

    def build(
        self,
        root: str,
        results: dict[str, DirectionResult],
        answers: dict[str, Answer],
        new_root: str | None = None,
    ) -> tuple[Change, ...]:
        """`results` and `answers` by direction ("backward", "forward"); `new_root` when
        NEW's message has another name (a renamed root): the list names OLD's."""
        self.new_root = new_root or root
        entries: dict[tuple[Any, ...], _Entry] = {}
        for direction in DIRECTIONS:
            for change in results[direction].changes:
                named = change if direction == "backward" else change.inverted()
                entry = self._entry(root, named, entries)
                if change.safe is True:
                    entry.safe.add(direction)
                elif change.safe is False:
                    entry.unsafe.add(direction)
        failing = [d for d in DIRECTIONS if results[d].verdict != "compatible"]
        for entry in entries.values():
            entry.breaks = {
                d
                for d in failing
                if d in entry.unsafe or (d in entry.settled.risks and d not in entry.safe)
            }
        for direction in failing:
            self._explain(root, direction, results[direction], entries)
        return tuple(_change(entry, answers) for entry in entries.values())

    def _entry(
        self, root: str, change: XsdChange, entries: dict[tuple[Any, ...], _Entry]
    ) -> _Entry:
        settled = self.settle(change)
        if (
            settled.kind in _PRESENCE
            and settled.risks != BOTH
            and self._open(root, change, settled)
        ):
            settled = dataclasses.replace(settled, risks=BOTH)
        old_at, new_at = change.old_location, change.new_location
        both_missing = old_at is None and new_at is None
        taken = takeover(change)
        if taken is not None:  # each side: the declaration, or the wildcard that takes it
            old = self._taken(self.old_schema, root, change.path, taken, "OLD")
            new = self._taken(self.new_schema, root, change.path, taken, "NEW")
        else:
            old = self._where(old_at, self.old_schema, root, change.path, settled, both_missing)
            new = self._where(new_at, self.new_schema, root, change.path, settled, both_missing)
        message_path = _message_path(root, change.path, settled.attribute)
        if taken is not None:
            message_path += f"/{taken[1]}"
        if old is not None or new is not None:
            key: tuple[Any, ...] = (settled.kind, settled.attribute, _key(old), _key(new))
        else:
            key = (settled.kind, message_path, settled.detail)
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = _Entry(list(change.path), settled, old, new, message_path)
        return entry

    def _at(self, schema: Any, root: str, path: list[str], attribute: str | None) -> Any:
        """The declaration at `path` below the message's root in `schema` (OLD's or NEW's)."""
        named = self.new_root if schema is self.new_schema else root
        return _declaration_at(schema, named, path, attribute)

    def _open(self, root: str, change: XsdChange, settled: Settled) -> bool:
        """Whether a wildcard on either side could take what was added or removed: the
        declaration then replaces (or is replaced by) open content, which the table cannot
        rank, so the change is a risk both ways."""
        attribute = settled.attribute is not None
        parent = change.path if attribute else change.path[:-1]
        for schema in (self.old_schema, self.new_schema):
            decl = self._at(schema, root, parent, None)
            kind = getattr(decl, "type", None)
            if attribute and None in (getattr(kind, "attributes", None) or {}):
                return True
            if not attribute and _wildcards(decl):
                return True
        return False

    def _where(
        self,
        location: Location | None,
        schema: Any,
        root: str,
        path: list[str],
        settled: Settled,
        anywhere: bool,
    ) -> Where | None:
        """The declaration's XPath and line in its document. A component written nowhere (a
        built-in type) stands at the declaration of the element or attribute on the message
        path; so does a change the walk recorded without components (`anywhere`)."""
        if location is None and not anywhere:
            return None
        component = location.component if location is not None else None
        xpath = self.locator.xpath(component) if component is not None else None
        if xpath is None:
            component = self._at(schema, root, path, settled.attribute)
            if component is not None and settled.kind == "wildcard" and anywhere:
                wildcard = _only_wildcard(component)
                component = component if wildcard is None else wildcard
            xpath = self.locator.xpath(component) if component is not None else None
        if xpath is None:
            if location is None:
                return None
            return Where(location.description, location.url, location.line)
        url = self.locator.url(component)
        return Where(xpath, url, self.locator.line(url, xpath) if url else None)

    def _taken(
        self, schema: Any, root: str, path: list[str], taken: tuple[str, str], side: str
    ) -> Where | None:
        decl = self._at(schema, root, path, None)
        declares, name = taken
        found = _child_named(decl, name) if side == declares else _only_wildcard(decl)
        return self._located(found if found is not None else decl)

    def _explain(
        self,
        root: str,
        direction: str,
        result: DirectionResult,
        entries: dict[tuple[Any, ...], _Entry],
    ) -> None:
        """Make sure a change at the verdict's path, one step below it or one above (the
        verdict may name the child a witness adds) breaks `direction`."""
        at = list(result.path)
        for entry in entries.values():
            near = entry.path in (at, at[:-1]) or entry.path[:-1] == at
            if direction in entry.breaks and near:
                return
        reason = result.reason or f"{direction} verdict {result.verdict}"
        if direction == "forward":
            reason = from_other_side(reason)
        kind = "content-model" if "children" in reason else "difference"
        key = (kind, _message_path(root, at, None), "verdict")
        found = entries.get(key)
        if found is None:
            old_decl = self._at(self.old_schema, root, at, None)
            new_decl = self._at(self.new_schema, root, at, None)
            if kind == "content-model":  # the model itself, where the declaration has one
                old_model, new_model = _content_of(old_decl), _content_of(new_decl)
                old_decl = old_decl if old_model is None else old_model
                new_decl = new_decl if new_model is None else new_model
            settled = Settled(kind, reason, frozenset(DIRECTIONS))
            found = entries[key] = _Entry(
                at,
                settled,
                self._located(old_decl),
                self._located(new_decl),
                _message_path(root, at, None),
            )
        elif reason not in found.settled.detail:
            detail = f"{found.settled.detail}; {reason}"
            found.settled = dataclasses.replace(found.settled, detail=detail)
        found.breaks.add(direction)

    def _located(self, component: Any) -> Where | None:
        xpath = self.locator.xpath(component) if component is not None else None
        url = self.locator.url(component) if component is not None else None
        if xpath is None or url is None:
            return None
        return Where(xpath, url, self.locator.line(url, xpath))


def _change(entry: _Entry, answers: dict[str, Answer]) -> Change:
    breaks = entry.breaks
    label = "both" if len(breaks) == 2 else next(iter(breaks)) if breaks else "none"
    # Open content: what a wildcard takes, or a global declaration a wildcard selects; and
    # only where every verdict it breaks turns on open content alone.
    settled = entry.settled
    about_open = settled.kind in _OPEN_KINDS or settled.detail.startswith("global ")
    open_content = about_open and bool(breaks) and all(answers[d].open_content for d in breaks)
    return Change(
        entry.settled.kind,
        entry.settled.detail,
        label,  # type: ignore[arg-type]
        entry.old,
        entry.new,
        open_content,
        entry.message_path,
    )


def _key(where: Where | None) -> tuple[str | None, str] | None:
    return (where.file, where.path) if where is not None else None


def _message_path(root: str, path: list[str], attribute: str | None) -> str:
    """Child names from the root, e.g. `/Invoice/AccountingSupplierParty/@schemeID`."""
    steps = [_local(name) for name in (root, *path)]
    if attribute:
        steps.append(f"@{attribute}")
    return "/" + "/".join(steps)


def _declaration_at(schema: Any, root: str, path: list[str], attribute: str | None) -> Any:
    """The element declaration reached from global `root` by child names (a name no content
    model declares is looked up among the globals, as a wildcard would), or its attribute."""
    decl = schema.maps.elements.get(root)
    for name in path:
        if decl is None:
            return None
        found = None
        content = getattr(getattr(decl, "type", None), "content", None)
        iterate = getattr(content, "iter_elements", None)
        if iterate is not None:
            found = next((p for p in iterate() if getattr(p, "name", None) == name), None)
        decl = found if found is not None else schema.maps.elements.get(name)
    if decl is None or not attribute:
        return decl
    attributes = getattr(getattr(decl, "type", None), "attributes", None) or {}
    for name, declared in attributes.items():
        if isinstance(name, str) and _local(name) == attribute:
            return declared
    return None


def _child_named(decl: Any, local: str) -> Any:
    content = getattr(getattr(decl, "type", None), "content", None)
    iterate = getattr(content, "iter_elements", None)
    if iterate is None:
        return None
    for particle in iterate():
        name = getattr(particle, "name", None)
        if isinstance(name, str) and _local(name) == local:
            return particle
    return None


def _content_of(decl: Any) -> Any:
    """The content model group of an element declaration's complex type, if written."""
    content = getattr(getattr(decl, "type", None), "content", None)
    return content if getattr(content, "elem", None) is not None else None


def _only_wildcard(decl: Any) -> Any:
    """The one element wildcard (xs:any) of a declaration's content model, if it has one."""
    found = _wildcards(decl)
    return found[0] if len(found) == 1 else None


def _wildcards(decl: Any) -> list[Any]:
    """The element wildcards (xs:any) of a declaration's content model."""
    found: list[Any] = []
    pending = [getattr(getattr(decl, "type", None), "content", None)]
    while pending:
        group = pending.pop()
        if group is None or not hasattr(group, "model"):
            continue
        for particle in group:
            if hasattr(particle, "model"):
                pending.append(particle)
            elif hasattr(particle, "process_contents"):
                found.append(particle)
    return found


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]
