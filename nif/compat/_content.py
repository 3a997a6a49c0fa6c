"""Content model term trees: a model-independent picture of an XSD element's child grammar.

The automata in `_automata` work on these trees so the inclusion logic never depends on
xmlschema internals; `from_xmlschema` is the one place that reads them.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Literal, cast

ProcessContents = Literal["strict", "lax", "skip"]


class UnsupportedModel(Exception):
    """A content model feature this core cannot represent exactly: callers answer `unknown`."""


@dataclass(frozen=True)
class Namespaces:
    """A namespace constraint: the names in `names` (or, negated, every namespace but those).

    The absent namespace is spelt "". `Namespaces(frozenset(), negated=True)` is ##any.
    """

    names: frozenset[str]
    negated: bool = False

    def allows(self, namespace: str) -> bool:
        return (namespace in self.names) != self.negated

    def within(self, other: Namespaces) -> bool:
        """Whether every namespace this allows, `other` allows too."""
        if self.negated:
            return other.negated and other.names <= self.names
        return all(other.allows(name) for name in self.names)


ANY_NAMESPACE = Namespaces(frozenset(), negated=True)


@dataclass(frozen=True)
class Element:
    """An element particle; `name` is a Clark name, `key` identifies the declaration for callers."""

    name: str
    key: Hashable = None
    min: int = 1
    max: int | None = 1


@dataclass(frozen=True)
class Wildcard:
    """An xs:any particle: matches any name whose namespace the constraint allows."""

    namespaces: Namespaces = ANY_NAMESPACE
    process_contents: ProcessContents = "strict"
    min: int = 1
    max: int | None = 1


@dataclass(frozen=True)
class Sequence:
    children: tuple[Term, ...]
    min: int = 1
    max: int | None = 1


@dataclass(frozen=True)
class Choice:
    children: tuple[Term, ...]
    min: int = 1
    max: int | None = 1


@dataclass(frozen=True)
class All:
    """xs:all: each child at most once, in any order (XSD 1.0 limits children to max 1)."""

    children: tuple[Term, ...]
    min: int = 1
    max: int | None = 1


Leaf = Element | Wildcard
Term = Element | Wildcard | Sequence | Choice | All


def namespace_of(clark: str) -> str:
    """The namespace of a Clark name ("" when absent)."""
    return clark[1 : clark.index("}")] if clark.startswith("{") else ""


def from_xmlschema(group: Any) -> Term:
    """Convert an xmlschema `XsdGroup` (a complex type's `.content`) into a term tree.

    Element references admit their head (unless abstract) and every non-abstract member of
    its substitution group; raises `UnsupportedModel` for what cannot be represented exactly
    (open content, type-blocked substitution, notQName wildcards).
    """
    open_content = getattr(group, "open_content", None)
    if open_content is not None and getattr(open_content, "mode", "none") != "none":
        raise UnsupportedModel("XSD 1.1 open content")
    return _convert(group)


def _occurs(particle: Any) -> tuple[int, int | None]:
    low = int(particle.min_occurs)
    high = particle.max_occurs
    return low, None if high is None else int(high)


def _convert(particle: Any) -> Term:
    from xmlschema.validators import XsdAnyElement, XsdElement, XsdGroup

    low, high = _occurs(particle)
    if isinstance(particle, XsdGroup):
        children = tuple(_convert(child) for child in particle)
        if particle.model == "sequence":
            return Sequence(children, low, high)
        if particle.model == "choice":
            return Choice(children, low, high)
        if particle.model == "all":
            return All(children, low, high)
        raise UnsupportedModel(f"group model {particle.model!r}")
    if isinstance(particle, XsdAnyElement):
        contents = particle.process_contents
        if contents not in ("strict", "lax", "skip"):
            raise UnsupportedModel(f"processContents {contents!r}")
        return Wildcard(_namespaces(particle), cast(ProcessContents, contents), low, high)
    if isinstance(particle, XsdElement):
        return _element(particle, low, high)
    raise UnsupportedModel(f"particle {type(particle).__name__}")


def _element(decl: Any, low: int, high: int | None) -> Term:
    target = decl.ref if decl.ref is not None else decl
    members: list[Any] = []
    if not target.abstract:
        members.append(target)
    if decl.ref is not None or decl.is_global():
        block = str(getattr(target, "block", "") or "")
        type_block = str(getattr(target.type, "block", "") or "")
        substitutes = [s for s in target.iter_substitutes() if not s.abstract]
        if "substitution" in block or "#all" in block:
            substitutes = []
        elif substitutes and any(
            method in blocked
            for method in ("extension", "restriction", "#all")
            for blocked in (block, type_block)
        ):
            # Which members survive depends on each member type's derivation: not modelled.
            raise UnsupportedModel(f"substitution group of {target.name} blocks by derivation")
        members.extend(substitutes)
    if not members:
        # An abstract head with no usable member admits nothing: an empty choice.
        return Choice((), low, high)
    if len(members) == 1:
        return Element(members[0].name, members[0], low, high)
    alternatives = tuple(Element(m.name, m) for m in members)
    return Choice(alternatives, low, high)


def closed(term: Term) -> Term:
    """`term` with every lax or skip wildcard matching nothing: the messages that do not
    depend on open content (a break that survives closing does not turn on it)."""
    if isinstance(term, Wildcard):
        return term if term.process_contents == "strict" else Choice((), term.min, term.max)
    if isinstance(term, Element):
        return term
    children = tuple(closed(child) for child in term.children)
    return type(term)(children, term.min, term.max)


def wildcard_namespaces(wildcard: Any) -> Namespaces:
    """The namespace constraint of an xmlschema element or attribute wildcard."""
    return _namespaces(wildcard)


def _namespaces(wildcard: Any) -> Namespaces:
    if getattr(wildcard, "not_qname", ()):
        raise UnsupportedModel("wildcard with notQName")
    target = wildcard.target_namespace or ""
    names = set(wildcard.namespace)
    not_namespace = set(getattr(wildcard, "not_namespace", ()) or ())
    if not_namespace:
        if names:
            raise UnsupportedModel("wildcard with both namespace and notNamespace")
        return Namespaces(frozenset(_resolve(n, target) for n in not_namespace), negated=True)
    if "##any" in names:
        return ANY_NAMESPACE
    if "##other" in names:
        return Namespaces(frozenset({target, ""}), negated=True)
    return Namespaces(frozenset(_resolve(n, target) for n in names))


def _resolve(token: str, target: str) -> str:
    if token == "##local":
        return ""
    if token == "##targetNamespace":
        return target
    return token
