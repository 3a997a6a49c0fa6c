"""One direction of XSD compatibility for one global element: does NEW accept all OLD accepts?

The walk pairs OLD's and NEW's declarations from the global element down, deciding each pair
with the building blocks (content models by `language_included`, simple types by
`simple_included`). Type pairs are memoised and assumed included on revisit (coinduction:
recursive types are compared once). A difference becomes `incompatible` only once a generated
document is valid under OLD and invalid under NEW by nif's real validator; every doubt is
`unknown` with its reason, never a guess.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from nif.compat._automata import OtherName, Symbol, language_included
from nif.compat._content import (
    ANY_NAMESPACE,
    Element,
    Namespaces,
    UnsupportedModel,
    Wildcard,
    from_xmlschema,
    namespace_of,
)
from nif.compat._instances import GenerationError, instance_with, minimal_instance
from nif.compat._simple_types import simple_included
from nif.compat._xsd_attributes import AttributeWalk
from nif.compat._xsd_changes import XsdChange, child_changes, location
from nif.compat._xsd_verify import DirectionResult, Found, Validator, artefacts_of, load
from nif.validate import ArtefactSet

__all__ = ["DirectionResult", "XsdChange", "compare_element"]


def compare_element(
    old_schema: str | Path | ArtefactSet | Any,
    new_schema: str | Path | ArtefactSet | Any,
    root: str,
) -> DirectionResult:
    """Whether NEW accepts every instance of global element `root` (Clark name) OLD accepts.

    Schemas are schema sets, paths to local XSD files, or what `load` made of a set (to
    compare many roots without loading twice); a counterexample is verified against the set.
    Forward compatibility is the same call with the arguments swapped. The result's
    `changes` lists the differences met.
    """
    return _Walk(_loaded(old_schema), _loaded(new_schema), root).run()


def _loaded(schema: str | Path | ArtefactSet | Any) -> Any:
    if hasattr(schema, "nif_artefacts"):
        return schema
    return load(artefacts_of(schema))


class _Walk(AttributeWalk):
    """One comparison: the memo of type pairs, the first doubt, the changes met, and the
    validator cache."""

    def __init__(self, old: Any, new: Any, root: str) -> None:
        self.old, self.new, self.root = old, new, root
        self.seen: set[tuple[int, int]] = set()
        self.doubt: DirectionResult | None = None
        self.wildcards: set[tuple[Namespaces, str]] = set()
        self.attribute_wildcards: set[tuple[tuple[tuple[str, ...], tuple[str, ...]], str]] = set()
        self.validator = Validator()
        self.changes: list[XsdChange] = []
        self.derivations: dict[int, list[Any]] | None = None
        self.deferred: list[tuple[Any, Any, list[str]]] = []

    def run(self) -> DirectionResult:
        old_decl = self.old.maps.elements.get(self.root)
        new_decl = self.new.maps.elements.get(self.root)
        if old_decl is None:
            return DirectionResult("compatible", reason=f"OLD declares no global {self.root}")
        try:
            if new_decl is None:
                self.record([], "element-removed", f"global {_local(self.root)}", old_decl, None)
                self.candidate([], f"NEW declares no global {self.root}", minimal=True)
            else:
                self.element(old_decl, new_decl, [])
                while self.deferred:
                    self.types(*self.deferred.pop(0))
        except Found as found:
            return self.with_changes(found.result)
        except RecursionError:
            return self.with_changes(
                DirectionResult("unknown", reason="schema nesting too deep to walk")
            )
        return self.with_changes(self.doubt or DirectionResult("compatible"))

    def with_changes(self, result: DirectionResult) -> DirectionResult:
        result.changes = list(self.changes)
        return result

    # -- outcomes ---------------------------------------------------------------------------

    def record(self, path: list[str], kind: str, detail: str, old: Any, new: Any) -> None:
        """Note a difference between the OLD and NEW components (either may be None)."""
        self.changes.append(
            XsdChange(list(path), kind, detail, location(old, path), location(new, path))
        )

    def unknown(self, path: list[str], reason: str) -> None:
        """Keep the first doubt, but go on looking for a verifiable counterexample."""
        if self.doubt is None:
            self.doubt = DirectionResult("unknown", reason=reason, path=list(path))

    def candidate(
        self,
        path: list[str],
        reason: str,
        *,
        children: list[str] | None = None,
        value: str | None = None,
        attribute: str | None = None,
        minimal: bool = False,
    ) -> None:
        """Build the witness document from OLD; raise `Found` only if the engines agree."""
        try:
            if minimal:
                instance = minimal_instance(self.old, self.root)
            else:
                instance = instance_with(
                    self.old, self.root, path, children, value, attribute=attribute
                )
            content = etree.tostring(instance, xml_declaration=True, encoding="UTF-8")
            old_ok = self.validator.valid(content, self.old)
            new_ok = self.validator.valid(content, self.new)
        except GenerationError as exc:
            self.unknown(path, f"{reason}; no counterexample could be built: {exc}")
            return
        if old_ok and not new_ok:
            raise Found(DirectionResult("incompatible", content, reason, list(path)))
        self.unknown(path, f"{reason}; the generated witness was not confirmed by the engines")

    # -- declarations -----------------------------------------------------------------------

    def element(self, old: Any, new: Any, path: list[str]) -> None:
        where = "/".join(path) or self.root
        if old.nillable != new.nillable:
            self.record(path, "nillable", f"nillable {old.nillable} -> {new.nillable}", old, new)
        if old.nillable and not new.nillable:
            self.unknown(path, f"{where}: nillable on OLD only (xsi:nil witness not generated)")
        if new.fixed != old.fixed:
            self.record(path, "fixed", f"fixed {old.fixed!r} -> {new.fixed!r}", old, new)
        if new.fixed is not None and new.fixed != old.fixed:
            self.unknown(path, f"{where}: NEW fixes the value to {new.fixed!r}")
        if _identities(new) != _identities(old):
            self.record(path, "identity", "identity constraints differ", old, new)
        if _identities(new) - _identities(old):
            self.unknown(path, f"{where}: NEW adds or changes identity constraints (not compared)")
        if _blocks(new) != _blocks(old):
            self.record(path, "block", f"blocks {_blocks(old)} -> {_blocks(new)}", old, new)
        if _blocks(new) - _blocks(old):
            self.unknown(path, f"{where}: NEW blocks derivations OLD allowed (xsi:type)")
        if _substitution(new) != _substitution(old):
            self.record(path, "substitution-group", "substitution group head changed", old, new)
        if new.abstract != old.abstract:
            self.record(path, "abstract", f"abstract {old.abstract} -> {new.abstract}", old, new)
        if new.abstract and not old.abstract:
            self.unknown(path, f"{where}: NEW makes the declaration abstract")
        self.types(old.type, new.type, path)

    def types(self, old: Any, new: Any, path: list[str]) -> None:
        key = (id(old), id(new))
        if key in self.seen:
            return  # coinductive: assumed included while the first visit decides it
        self.seen.add(key)
        where = "/".join(path) or self.root
        self.derived(old, new, path)
        if getattr(new, "abstract", False) and not getattr(old, "abstract", False):
            self.record(path, "abstract", "type made abstract", old, new)
            self.candidate(path, f"{where}: NEW makes the type abstract (xsi:type required)")
        if old.is_simple():
            if new.is_simple():
                self.simple(old, new, path, None)
            elif new.has_simple_content():
                self.attributes(None, new, path)
                self.simple(old, new.content, path, None)
            else:
                self.record(path, "type-changed", "simple type to complex content", old, new)
                self.unknown(path, f"{where}: simple type on OLD, complex content on NEW")
            return
        self.attributes(old, None if new.is_simple() else new, path)
        if old.has_simple_content():
            if new.is_simple():
                self.simple(old.content, new, path, None)
            elif new.has_simple_content():
                self.simple(old.content, new.content, path, None)
            else:
                self.record(path, "type-changed", "simple to element content", old, new)
                self.unknown(path, f"{where}: simple content on OLD, element content on NEW")
            return
        if new.is_simple() or new.has_simple_content():
            if old.is_empty() and not old.mixed:
                self.simple_empty(new if new.is_simple() else new.content, path)
            else:
                self.record(path, "type-changed", "element to simple content", old, new)
                self.unknown(path, f"{where}: element content on OLD, simple content on NEW")
            return
        if old.mixed != new.mixed:
            self.record(path, "mixed", f"mixed {old.mixed} -> {new.mixed}", old, new)
        if old.mixed and not new.mixed:
            self.unknown(path, f"{where}: mixed on OLD only (text witness not generated)")
        self.content(old, new, path)

    def derived(self, old: Any, new: Any, path: list[str]) -> None:
        """An OLD instance may name, by xsi:type, any global type derived from the declared
        one: NEW must accept it too, under the same name and still derived from NEW's type.
        (Blocked derivations are not subtracted: at worst a needless `unknown`.)"""
        for subtype in self.subtypes(old):
            target = self.new.maps.types.get(subtype.name)
            if target is None or not (target is new or target.is_derived(new)):
                self.record(
                    path, "derived-type", f"xsi:type {_local(subtype.name)}", subtype, target
                )
                self.unknown(
                    path,
                    f"{'/'.join(path) or self.root}: OLD allows xsi:type={_local(subtype.name)}, "
                    "NEW has no such derived type (xsi:type witnesses are not generated)",
                )
            else:
                # Deferred: compared after the main walk, so a type first meets the memo at
                # the path where a plain (xsi:type-free) witness can reach it.
                self.deferred.append((subtype, target, path))

    def subtypes(self, base: Any) -> list[Any]:
        """OLD's non-abstract named global types derived from `base` (computed once)."""
        if self.derivations is None:
            self.derivations = {}
            for name, candidate in sorted(self.old.maps.types.items()):
                if not isinstance(name, str) or getattr(candidate, "abstract", False):
                    continue
                ancestor, steps = getattr(candidate, "base_type", None), 0
                while ancestor is not None and steps < 64:
                    self.derivations.setdefault(id(ancestor), []).append(candidate)
                    ancestor, steps = getattr(ancestor, "base_type", None), steps + 1
        return self.derivations.get(id(base), [])

    def simple_empty(self, new: Any, path: list[str]) -> None:
        """OLD allows only empty content: NEW must accept the empty string."""
        if not new.is_valid(""):
            self.record(path, "type-narrowed", "empty content refused", None, new)
            self.candidate(path, f"{'/'.join(path) or self.root}: empty content refused by NEW")

    def simple(self, old: Any, new: Any, path: list[str], attribute: str | None) -> None:
        result = simple_included(old, new)
        where = ("/".join(path) or self.root) + (f"/@{attribute}" if attribute else "")
        text = "; ".join(result.changes) or result.reason or "simple type inclusion not shown"
        if result.included is not True or result.changes:
            kind = "type-widened" if result.included is True else "type-narrowed"
            kind = "enumeration" if "enumeration" in text else kind
            prefix = f"@{_local(attribute)}: " if attribute else ""
            self.record(path, kind, prefix + text, old, new)
        if result.included is True:
            return
        if result.included is None or result.witness is None:
            self.unknown(path, f"{where}: {result.reason or 'simple type inclusion unknown'}")
            return
        changes = "; ".join(result.changes) or result.reason or "value space narrowed"
        self.candidate(
            path,
            f"{where}: value {result.witness!r} refused by NEW ({changes})",
            value=result.witness,
            attribute=attribute,
        )

    def content(self, old: Any, new: Any, path: list[str]) -> None:
        where = "/".join(path) or self.root
        self.changes.extend(child_changes(old.content, new.content, path))
        try:
            old_term, new_term = from_xmlschema(old.content), from_xmlschema(new.content)
        except UnsupportedModel as exc:
            self.unknown(path, f"{where}: {exc}")
            return
        inclusion = language_included(old_term, new_term)
        if inclusion.included is False and inclusion.witness is not None:
            names = [_name(symbol) for symbol in inclusion.witness]
            self.candidate(
                path,
                f"{where}: children {[_local(n) for n in names]} accepted by OLD, not by NEW",
                children=names,
            )
            return
        if inclusion.included is None:
            self.unknown(path, f"{where}: {inclusion.reason}")
        for old_leaf, new_leaf in sorted(inclusion.bindings, key=_binding_order):
            self.binding(old_leaf, new_leaf, path)

    def binding(self, old: Any, new: Any, path: list[str]) -> None:
        if new is None:
            return  # a step past NEW's model: the name inclusion already answered for it
        if isinstance(old, Element) and isinstance(new, Element):
            self.element(old.key, new.key, [*path, old.name])
            return
        where = "/".join(path) or self.root
        if isinstance(old, Element) and isinstance(new, Wildcard):
            if new.process_contents == "skip":
                return
            self.record(
                path, "wildcard", f"{_local(old.name)} now matched by a wildcard", None, None
            )
            declared = self.new.maps.elements.get(old.name)
            if declared is not None:
                self.element(old.key, declared, [*path, old.name])
            else:
                self.unknown(
                    path,
                    f"{where}: {_local(old.name)} now matched by a {new.process_contents} "
                    "wildcard with no global declaration in NEW",
                )
            return
        if isinstance(old, Wildcard) and isinstance(new, Wildcard):
            same = (old.namespaces, old.process_contents) == (new.namespaces, new.process_contents)
            if not same:
                self.record(path, "wildcard", "element wildcard changed", None, None)
                self.unknown(path, f"{where}: wildcard changed (only identical ones are compared)")
            elif old.process_contents != "skip":
                self.wildcard_globals(old, path)
            return
        self.record(path, "wildcard", "wildcard on OLD, declaration on NEW", None, new.key)
        self.unknown(path, f"{where}: wildcard content on OLD meets a declaration on NEW")

    def wildcard_globals(self, wildcard: Wildcard, path: list[str]) -> None:
        """An identical lax/strict wildcard validates children by each side's global
        declarations: compare those pairwise (once per wildcard, memoised like types)."""
        key = (wildcard.namespaces, wildcard.process_contents)
        if key in self.wildcards:
            return
        self.wildcards.add(key)
        where = "/".join(path) or self.root
        # Lax assessment recurses: below an undeclared child, libxml2 still validates every
        # descendant that has a global declaration, whatever its namespace.
        scope = ANY_NAMESPACE if wildcard.process_contents == "lax" else wildcard.namespaces
        old_globals = _globals(self.old, scope)
        new_globals = _globals(self.new, scope)
        for name in sorted(new_globals.keys() - old_globals.keys()):
            self.record(
                [*path, name], "element-added", "global declaration", None, new_globals[name]
            )
        if wildcard.process_contents == "lax":
            added = sorted(new_globals.keys() - old_globals.keys())
            if added:
                self.unknown(
                    path,
                    f"{where}: open content (lax wildcard): NEW declares {_local(added[0])}, "
                    "which OLD accepted unvalidated below an undeclared child",
                )
        for name, decl in sorted(old_globals.items()):
            target = new_globals.get(name)
            if target is not None:
                self.element(decl, target, [*path, name])
                continue
            self.record([*path, name], "element-removed", "global declaration", decl, None)
            if wildcard.process_contents == "strict":
                self.candidate(
                    path,
                    f"{where}: {_local(name)} no longer declared for a strict wildcard",
                    children=[name],
                )
            elif not decl.type.is_simple():
                # Lax assessment of an undeclared element still validates its descendants
                # and attributes against NEW's globals: not decided here.
                self.unknown(path, f"{where}: {_local(name)} no longer declared (lax wildcard)")
            # else: text only, which lax assessment of an undeclared element never rejects


def _blocks(decl: Any) -> set[str]:
    """What the declaration and its type block (element block, type block)."""
    words = f"{getattr(decl, 'block', '') or ''} {getattr(decl.type, 'block', '') or ''}"
    found = set(words.split())
    return {"extension", "restriction", "substitution"} if "#all" in found else found


def _identities(decl: Any) -> set[tuple[str, ...]]:
    """Each identity constraint as (kind, name, selector, fields...): any difference counts."""
    found: set[tuple[str, ...]] = set()
    for constraint in decl.identities:
        selector = getattr(getattr(constraint, "selector", None), "path", "")
        fields = [str(getattr(f, "path", "")) for f in getattr(constraint, "fields", ())]
        refer = str(getattr(getattr(constraint, "refer", None), "name", ""))
        kind = type(constraint).__name__
        found.add((kind, str(constraint.name), str(selector), refer, *fields))
    return found


def _substitution(decl: Any) -> str | None:
    head = getattr(decl, "substitution_group", None)
    return str(head) if head else None


def _globals(schema: Any, namespaces: Namespaces) -> dict[str, Any]:
    """The global element declarations a wildcard with `namespaces` can select."""
    return {
        name: decl
        for name, decl in schema.maps.elements.items()
        if isinstance(name, str) and namespaces.allows(namespace_of(name))
    }


def _name(symbol: Symbol) -> str:
    return symbol.example() if isinstance(symbol, OtherName) else symbol


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]


def _binding_order(pair: tuple[Any, Any]) -> str:
    """A stable order, so the first doubt reported does not vary between runs."""
    return repr((getattr(pair[0], "name", ""), getattr(pair[1], "name", "")))
