"""One direction of XSD compatibility for one global element: does NEW accept all OLD accepts?

The walk pairs OLD's and NEW's declarations from the global element down, deciding each pair
with the building blocks (content models by `language_included`, simple types by
`simple_included`). Type pairs are memoised and assumed included on revisit (coinduction:
recursive types are compared once). A difference becomes `incompatible` only once a generated
document is valid under OLD and invalid under NEW by nif's real validator; every doubt is
`unknown` with its reason, never a guess. The walk goes on past the first counterexample so
the change list is complete; the answer keeps the first one (plainest first: closed content,
then no xsi:type).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nif.compat._automata import OtherName, Symbol, language_included
from nif.compat._content import (
    Element,
    Namespaces,
    Term,
    UnsupportedModel,
    Wildcard,
    closed,
    from_xmlschema,
    namespace_of,
)
from nif.compat._deadline import TimeLimitExceeded
from nif.compat._deadline import check as check_deadline
from nif.compat._simple_types import simple_included
from nif.compat._xsd_attributes import AttributeWalk, sample_value
from nif.compat._xsd_changes import XsdChange, child_changes
from nif.compat._xsd_verify import DirectionResult, artefacts_of, load
from nif.compat._xsd_wildcards import WildcardWalk
from nif.validate import ArtefactSet

__all__ = ["DirectionResult", "XsdChange", "compare_element"]


def compare_element(
    old_schema: str | Path | ArtefactSet | Any,
    new_schema: str | Path | ArtefactSet | Any,
    root: str,
    new_root: str | None = None,
) -> DirectionResult:
    """Whether NEW accepts every instance of global element `root` (Clark name) OLD accepts.

    Schemas are schema sets, paths to local XSD files, or what `load` made of a set (to
    compare many roots without loading twice); a counterexample is verified against the set.
    `new_root` compares OLD's `root` with NEW's `new_root` (a renamed message): a different
    name rejects every OLD message. Forward compatibility is the same call with the
    arguments swapped. The result's `changes` lists the differences met.
    """
    return _Walk(_loaded(old_schema), _loaded(new_schema), root, new_root or root).run()


def _loaded(schema: str | Path | ArtefactSet | Any) -> Any:
    if hasattr(schema, "nif_artefacts"):
        return schema
    return load(artefacts_of(schema))


class _Walk(AttributeWalk, WildcardWalk):
    """One comparison: the memo of type pairs, the wildcards and derived types met (its
    findings, changes and witnesses are `Outcomes`')."""

    def __init__(self, old: Any, new: Any, root: str, new_root: str) -> None:
        super().__init__(old, new, root)
        self.new_root = new_root
        self.seen: set[tuple[int, int]] = set()
        self.wildcards: set[tuple[Namespaces, str, Namespaces, str]] = set()
        self.attribute_wildcards: set[tuple[tuple[tuple[str, ...], tuple[str, ...]], str]] = set()
        self.derivations: dict[int, list[Any]] | None = None
        # (OLD type, NEW type, path, the xsi:type announcements that reach it)
        self.deferred: list[tuple[Any, Any, list[str], dict[tuple[str, ...], str]]] = []

    def run(self) -> DirectionResult:
        old_decl = self.old.maps.elements.get(self.root)
        new_decl = self.new.maps.elements.get(self.new_root)
        if old_decl is None:
            return DirectionResult("compatible", reason=f"OLD declares no global {self.root}")
        try:
            if new_decl is None:
                detail = f"global {_local(self.root)}"
                change = self.record([], "element-removed", detail, old_decl, None)
                reason = f"NEW declares no global {self.new_root}"
                self.candidate([], reason, minimal=True, change=change)
            elif self.new_root != self.root:
                detail = f"{self.root} -> {self.new_root}"
                change = self.record([], "element-renamed", detail, old_decl, new_decl)
                reason = f"root {self.root} renamed {self.new_root}"
                self.candidate([], reason, minimal=True, change=change)
            else:
                self.element(old_decl, new_decl, [])
                while self.deferred:
                    old_type, new_type, path, announced = self.deferred.pop(0)
                    self.announced = announced
                    self.types(old_type, new_type, path)
        except RecursionError:
            self.findings.append(DirectionResult("unknown", reason="schema nesting too deep"))
        except TimeLimitExceeded as exc:
            self.findings.append(DirectionResult("unknown", reason=str(exc)))
        return self.result()

    # -- declarations -----------------------------------------------------------------------

    def element(self, old: Any, new: Any, path: list[str]) -> None:
        where = "/".join(path) or self.root
        if old.nillable != new.nillable:
            detail = f"nillable {old.nillable} -> {new.nillable}"
            change = self.record(path, "nillable", detail, old, new, safe=new.nillable)
            if old.nillable:
                self.candidate(
                    path, f"{where}: xsi:nil allowed on OLD only", nil=True, change=change
                )
        if new.fixed != old.fixed:
            change = self.record(path, "fixed", f"fixed {old.fixed!r} -> {new.fixed!r}", old, new)
            if new.fixed is not None:
                self.fixed(old.fixed, old.type, new.fixed, path, None, change)
            elif new.default == old.default:  # else the default change below looks
                self.value_dropped(old, new, path, change)
        if new.default != old.default:
            detail = f"default {old.default!r} -> {new.default!r}"
            kept = new.default is not None or new.fixed is not None
            change = self.record(path, "default", detail, old, new, safe=True if kept else None)
            self.value_dropped(old, new, path, change)
        if _identities(new) != _identities(old):
            self.record(path, "identity", "identity constraints differ", old, new)
        if _identities(new) - _identities(old):
            self.unknown(path, f"{where}: NEW adds or changes identity constraints (not compared)")
        if _blocks(new) != _blocks(old):
            self.record(path, "block", f"blocks {_blocks(old)} -> {_blocks(new)}", old, new)
        blocked = _blocks(new) - _blocks(old) - {"substitution"}
        if blocked:
            self.blocked(old.type, blocked, path)
        if _substitution(new) != _substitution(old):
            self.record(path, "substitution-group", "substitution group head changed", old, new)
        if new.abstract != old.abstract:
            detail = f"abstract {old.abstract} -> {new.abstract}"
            change = self.record(path, "abstract", detail, old, new, safe=old.abstract or None)
            if new.abstract:
                reason = f"{where}: NEW makes the declaration abstract"
                self.candidate(path, reason, change=change)
        self.alternatives(old, new, path)
        self.types(old.type, new.type, path)

    def value_dropped(self, old: Any, new: Any, path: list[str], change: int) -> None:
        """OLD fills empty content with its default or fixed value; NEW, without one, must
        accept empty content itself."""
        if old.fixed is None and old.default is None:
            return
        if new.fixed is not None or new.default is not None:
            return
        simple = new.type if new.type.is_simple() else None
        if simple is None and new.type.has_simple_content():
            simple = new.type.content
        if simple is not None and not simple.is_valid(""):
            where = "/".join(path) or self.root
            reason = f"{where}: OLD gives empty content its default value, NEW has none"
            self.candidate(path, reason, value="", change=change)

    def alternatives(self, old: Any, new: Any, path: list[str]) -> None:
        """XSD 1.1 type alternatives: the same tests in the same order compare type by type;
        any other difference is not decided."""
        old_tests, new_tests = _alternatives(old), _alternatives(new)
        if not old_tests and not new_tests:
            return
        where = "/".join(path) or self.root
        if old_tests != new_tests:
            self.record(path, "type-alternatives", "XSD 1.1 type alternatives differ", old, new)
            self.unknown(path, f"{where}: XSD 1.1 type alternatives differ (not compared)")
            return
        for old_alt, new_alt in zip(old.alternatives, new.alternatives, strict=True):
            self.types(old_alt.type, new_alt.type, path)

    def fixed(
        self,
        old: Any,
        simple: Any,
        new: str,
        path: list[str],
        attribute: str | None,
        change: int | None = None,
    ) -> None:
        """NEW fixes a value: OLD's own fixed value, or any other value OLD accepts, breaks."""
        where = ("/".join(path) or self.root) + (f"/@{_local(attribute)}" if attribute else "")
        if simple is not None and not simple.is_simple():
            simple = simple.content if simple.has_simple_content() else None
        value = old if old is not None else sample_value(simple, avoid=new)
        if value is None:
            self.unknown(path, f"{where}: NEW fixes the value to {new!r}; no other value found")
            return
        reason = f"{where}: NEW fixes the value to {new!r}, OLD accepts {value!r}"
        self.candidate(path, reason, value=value, attribute=attribute, change=change)

    def blocked(self, old_type: Any, methods: set[str], path: list[str]) -> None:
        """NEW blocks derivations: an OLD message naming a type derived that way breaks."""
        where = "/".join(path) or self.root
        for subtype in self.subtypes(old_type):
            if _methods(subtype, old_type) & methods:
                announce = {tuple(path): subtype.name}
                reason = f"{where}: NEW blocks xsi:type={_local(subtype.name)}"
                self.candidate(path, reason, types=announce)

    def types(self, old: Any, new: Any, path: list[str]) -> None:
        check_deadline()
        key = (id(old), id(new))
        if key in self.seen:
            return  # coinductive: assumed included while the first visit decides it
        self.seen.add(key)
        where = "/".join(path) or self.root
        before = len(self.changes)
        self.type_body(old, new, path)
        added = _assertions(new) - _assertions(old)
        if added:
            self.record(path, "assertion", f"XSD 1.1 assertion {sorted(added)[0]!r}", old, new)
            self.unknown(path, f"{where}: NEW adds the XSD 1.1 assertion {sorted(added)[0]!r}")
        elif _assertions(new) and len(self.changes) > before:
            self.unknown(path, f"{where}: an XSD 1.1 assertion reads content that changed")

    def type_body(self, old: Any, new: Any, path: list[str]) -> None:
        where = "/".join(path) or self.root
        self.derived(old, new, path)
        if getattr(new, "abstract", False) and not getattr(old, "abstract", False):
            change = self.record(path, "abstract", "type made abstract", old, new)
            reason = f"{where}: NEW makes the type abstract (xsi:type required)"
            self.candidate(path, reason, change=change)
        if old.is_simple():
            if new.is_simple():
                self.simple(old, new, path, None)
            elif new.has_simple_content():
                self.attributes(None, new, path)
                self.simple(old, new.content, path, None)
            elif new.name == _ANY_TYPE:
                # Text only, no attribute: anyType's lax wildcards accept it (xsi:type, the
                # one thing they would check, was compared above).
                self.record(path, "type-widened", "simple type to xs:anyType", old, new, True)
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
        The witness announces that type; blocked derivations make it fail under OLD, so at
        worst a needless `unknown`."""
        for subtype in self.subtypes(old):
            target = self.new.maps.types.get(subtype.name)
            announced = {**self.announced, tuple(path): subtype.name}
            if target is None or not (target is new or target.is_derived(new)):
                change = self.record(
                    path, "derived-type", f"xsi:type {_local(subtype.name)}", subtype, target
                )
                self.candidate(
                    path,
                    f"{'/'.join(path) or self.root}: OLD allows xsi:type={_local(subtype.name)}, "
                    "NEW has no such type derived from the declared one",
                    types=announced,
                    change=change,
                )
            else:
                # Deferred: compared after the main walk, so a type first meets the memo at
                # the path where a plain (xsi:type-free) witness can reach it.
                self.deferred.append((subtype, target, path, announced))

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
            change = self.record(path, "type-narrowed", "empty content refused", None, new)
            reason = f"{'/'.join(path) or self.root}: empty content refused by NEW"
            self.candidate(path, reason, change=change)

    def simple(self, old: Any, new: Any, path: list[str], attribute: str | None) -> None:
        result = simple_included(old, new)
        where = ("/".join(path) or self.root) + (f"/@{attribute}" if attribute else "")
        text = "; ".join(result.changes) or result.reason or "simple type inclusion not shown"
        change = None
        if result.included is not True or result.changes:
            kind = "type-widened" if result.included is True else "type-narrowed"
            kind = "enumeration" if "enumeration" in text else kind
            prefix = f"@{_local(attribute)}: " if attribute else ""
            safe = True if result.included is True else None
            change = self.record(path, kind, prefix + text, old, new, safe)
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
            change=change,
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
            self.children_witness(path, inclusion.witness, _open_only(old_term, new_term))
        if inclusion.included is None and not inclusion.tightened:
            self.unknown(path, f"{where}: {inclusion.reason}")
        for old_leaf, new_leaf in sorted(inclusion.bindings, key=_binding_order):
            self.binding(old_leaf, new_leaf, path)

    def children_witness(self, path: list[str], witness: list[Symbol], open_content: bool) -> None:
        """A child sequence OLD's model accepts and NEW's refuses, as a document: "another
        name in namespace X" is first a made-up name (an undeclared child, empty), then one
        of OLD's globals there (a strict wildcard admits only those). Every name of a class
        is accepted or refused alike by both models."""
        made_up = [self.symbol_name(symbol, False) for symbol in witness]
        reason = f"{'/'.join(path) or self.root}: children {[_local(n) for n in made_up]} "
        reason += "accepted by OLD, not by NEW"
        declared = [self.symbol_name(symbol, True) for symbol in witness]
        why = self.attempt(path, reason, children=made_up, open_content=open_content)
        if why is not None and declared != made_up:
            why = self.attempt(path, reason, children=declared, open_content=open_content)
        if why is not None:
            self.unknown(path, f"{reason}; {why}", open_content=open_content)

    def symbol_name(self, symbol: Symbol, declared: bool) -> str:
        """A name of `symbol`'s class: with `declared`, one of OLD's globals if it has one."""
        if not isinstance(symbol, OtherName):
            return symbol
        if declared and symbol.namespace is not None:
            for name, decl in sorted(self.old.maps.elements.items()):
                in_class = namespace_of(name) == symbol.namespace and name not in symbol.excluded
                if in_class and not decl.abstract:
                    return str(name)
        return symbol.example()

    def binding(self, old: Any, new: Any, path: list[str]) -> None:
        if new is None:
            return  # a step past NEW's model: the name inclusion already answered for it
        if isinstance(old, Element) and isinstance(new, Element):
            self.element(old.key, new.key, [*path, old.name])
        elif isinstance(old, Element):
            self.element_to_wildcard(old, new, path)
        elif isinstance(new, Wildcard):
            self.wildcard_pair(old, new, path)
        else:
            self.wildcard_to_element(old, new, path)


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


_ANY_TYPE = "{http://www.w3.org/2001/XMLSchema}anyType"


def _alternatives(decl: Any) -> list[str]:
    return [str(getattr(alt, "path", "")) for alt in getattr(decl, "alternatives", None) or ()]


def _assertions(xsd_type: Any) -> set[str]:
    return {str(getattr(a, "path", "")) for a in getattr(xsd_type, "assertions", None) or ()}


def _methods(subtype: Any, base: Any) -> set[str]:
    """The derivation methods on the way from `subtype` up to `base`."""
    found: set[str] = set()
    current, steps = subtype, 0
    while current is not None and current is not base and steps < 64:
        method = getattr(current, "derivation", None)
        found.add(str(method) if method else "restriction")  # list/union: a restriction
        current, steps = getattr(current, "base_type", None), steps + 1
    return found


def _open_only(old: Term, new: Term) -> bool:
    """Whether every child sequence OLD accepts and NEW refuses uses open content: with
    OLD's lax and skip wildcards closed, NEW includes what is left."""
    return language_included(closed(old), new).included is True


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]


def _binding_order(pair: tuple[Any, Any]) -> str:
    """A stable order, so the first doubt reported does not vary between runs."""
    return repr((getattr(pair[0], "name", ""), getattr(pair[1], "name", "")))
