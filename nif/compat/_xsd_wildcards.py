"""The element-wildcard half of the XSD walk: what an `xs:any` on either side lets through.

A mixin of the walk in `_xsd_compare`, like `AttributeWalk`. The automata already decided
which child *names* each side accepts; what is left here is what happens to a child both
sides accept by a wildcard (or by a wildcard on one side and a declaration on the other):
how strictly it is validated, and against which global declarations. A lax or skip wildcard
on OLD is open content: every finding it causes is marked so.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nif.compat._content import ANY_NAMESPACE, Element, Namespaces, Wildcard, namespace_of
from nif.compat._xsd_verify import Outcomes

__all__ = ["WildcardWalk"]

_RANK = {"skip": 0, "lax": 1, "strict": 2}
_OTHER = "urn:nif:compat:other"
_TEXT = "nif x"  # text for an undeclared child, for a NEW declaration that refuses it


class WildcardWalk(Outcomes):
    """Element wildcards; the concrete walk supplies `element`."""

    wildcards: set[tuple[Namespaces, str, Namespaces, str]]

    def element(self, old: Any, new: Any, path: list[str]) -> None:
        raise NotImplementedError

    def element_to_wildcard(self, old: Element, new: Wildcard, path: list[str]) -> None:
        """An OLD declared child now taken by a NEW wildcard."""
        if new.process_contents == "skip":
            return
        where = "/".join(path) or self.root
        self.record(path, "wildcard", f"{_local(old.name)} now matched by a wildcard", None, None)
        declared = self.new.maps.elements.get(old.name)
        if declared is not None:
            self.element(old.key, declared, [*path, old.name])
        elif new.process_contents == "strict":
            reason = f"{where}: {_local(old.name)} now needs a global declaration NEW lacks"
            self.candidate([*path, old.name], reason)
        else:
            self.unknown(
                path,
                f"{where}: {_local(old.name)} now matched by a lax wildcard with no global "
                "declaration in NEW",
            )

    def wildcard_to_element(self, old: Wildcard, new: Element, path: list[str]) -> None:
        """A child OLD took by a wildcard now meets a NEW declaration."""
        where = "/".join(path) or self.root
        open_content = old.process_contents != "strict"
        self.record(path, "wildcard", "wildcard on OLD, declaration on NEW", None, new.key)
        declared = self.old.maps.elements.get(new.name)
        if declared is not None and old.process_contents != "skip":
            self.element(declared, new.key, [*path, new.name])
            return
        if declared is None and old.process_contents == "strict":
            return  # OLD's strict wildcard admits no element it does not declare
        reason = f"{where}: {_local(new.name)}, open content on OLD, declared on NEW"
        for value in (None, _TEXT):
            if (
                self.attempt([*path, new.name], reason, value=value, open_content=open_content)
                is None
            ):
                return
        self.unknown(path, reason, open_content=open_content)

    def wildcard_pair(self, old: Wildcard, new: Wildcard, path: list[str]) -> None:
        """A child both wildcards take: NEW must validate it no more strictly, against
        global declarations that accept what OLD's accepted."""
        where = "/".join(path) or self.root
        same = (old.namespaces, old.process_contents) == (new.namespaces, new.process_contents)
        if not same:
            detail = f"{_show(old)} -> {_show(new)}"
            self.record(path, "wildcard", f"element wildcard {detail}", None, None)
        if new.process_contents == "skip":
            return  # whatever a skip wildcard matches, it accepts
        if _RANK[new.process_contents] > _RANK[old.process_contents]:
            reason = (
                f"{where}: wildcard processContents {old.process_contents} -> "
                f"{new.process_contents}"
            )
            for name in self.wildcard_names(old, new):
                for value in (None, _TEXT):
                    if self.attempt([*path, name], reason, value=value, open_content=True) is None:
                        return
            self.unknown(path, reason, open_content=True)
            return
        self.wildcard_globals(old, new, path)

    def wildcard_names(self, old: Wildcard, new: Wildcard) -> Iterator[str]:
        """Child names both wildcards match: undeclared ones first, then NEW's globals."""
        spaces = [_OTHER, *sorted(old.namespaces.names | new.namespaces.names)]
        spaces += sorted({namespace_of(self.root), ""})
        for namespace in dict.fromkeys(spaces):
            if old.namespaces.allows(namespace) and new.namespaces.allows(namespace):
                name = f"{{{namespace}}}nifOther" if namespace else "nifOther"
                if name not in self.new.maps.elements and name not in self.old.maps.elements:
                    yield name
        for name in sorted(_globals(self.new, old.namespaces)):
            if new.namespaces.allows(namespace_of(name)):
                yield name

    def wildcard_globals(self, old: Wildcard, new: Wildcard, path: list[str]) -> None:
        """Both validate by global declarations, NEW no more strictly: compare those
        pairwise (once per wildcard pair, memoised like types)."""
        key = (old.namespaces, old.process_contents, new.namespaces, new.process_contents)
        if key in self.wildcards:
            return
        self.wildcards.add(key)
        where = "/".join(path) or self.root
        lax = old.process_contents == "lax"
        # Lax assessment recurses: below an undeclared child, libxml2 still validates every
        # descendant that has a global declaration, whatever its namespace.
        scope = ANY_NAMESPACE if lax else old.namespaces
        old_globals, new_globals = _globals(self.old, scope), _globals(self.new, scope)
        for name in sorted(new_globals.keys() - old_globals.keys()):
            self.record(
                [*path, name], "element-added", "global declaration", None, new_globals[name]
            )
            if lax:
                self.declared_on_new(old, new, name, path)
        for name, decl in sorted(old_globals.items()):
            target = new_globals.get(name)
            if target is not None:
                self.element(decl, target, [*path, name])
                continue
            self.record([*path, name], "element-removed", "global declaration", decl, None)
            if not new.namespaces.allows(namespace_of(name)):
                continue  # the names NEW's wildcard refuses were the automata's question
            if new.process_contents == "strict":
                reason = f"{where}: {_local(name)} no longer declared for a strict wildcard"
                self.candidate([*path, name], reason, open_content=lax)
            elif not decl.type.is_simple():
                # Lax assessment of an undeclared element still validates its descendants
                # and attributes against NEW's globals: not decided here.
                self.unknown(
                    path, f"{where}: {_local(name)} no longer declared (lax)", open_content=lax
                )
            # else: text only, which lax assessment of an undeclared element never rejects

    def declared_on_new(self, old: Wildcard, new: Wildcard, name: str, path: list[str]) -> None:
        """NEW declares a global OLD's lax wildcard admitted unchecked: open content."""
        where = "/".join(path) or self.root
        reason = (
            f"{where}: open content (lax wildcard): NEW declares {_local(name)}, "
            "which OLD accepted unvalidated"
        )
        if old.namespaces.allows(namespace_of(name)) and new.namespaces.allows(namespace_of(name)):
            for value in (None, _TEXT):
                if self.attempt([*path, name], reason, value=value, open_content=True) is None:
                    return
        else:
            reason += " below an undeclared child"
        self.unknown(path, reason, open_content=True)


def _globals(schema: Any, namespaces: Namespaces) -> dict[str, Any]:
    """The global element declarations a wildcard with `namespaces` can select."""
    return {
        name: decl
        for name, decl in schema.maps.elements.items()
        if isinstance(name, str) and namespaces.allows(namespace_of(name))
    }


def _show(wildcard: Wildcard) -> str:
    spaces = " ".join(sorted(n or "##local" for n in wildcard.namespaces.names))
    if wildcard.namespaces.negated:
        spaces = f"not {spaces}" if spaces else "##any"
    return f"{spaces or '(none)'} ({wildcard.process_contents})"


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]
