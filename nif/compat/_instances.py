"""XML instances generated from an XSD, so counterexamples are real messages the engines check.

Built on xmlschema's component model: `minimal_instance` writes the smallest valid message for
a global element, `instance_with` the same with a chosen child sequence or text at one path.
Generation is best effort and never trusted: a counterexample counts only once `check` (nif's
real validator) agrees; where it cannot build an instance it raises `GenerationError`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from nif.compat._instance_parts import (
    _inherited,
    _is_element,
    _is_qname,
    _is_wildcard,
    _nil_ends,
    _split,
    _Stub,
)
from nif.compat._samples import around, primitive_samples, regex_strings, sized

XSI = "http://www.w3.org/2001/XMLSchema-instance"
MAX_DEPTH = 24
INF = math.inf


class GenerationError(Exception):
    """No instance could be built (recursion, unsatisfiable facets, unsupported construct)."""


def check(content: bytes, xsd_path: str | Path) -> bool:
    """Whether nif's real XSD step (libxml2) accepts `content`: the only judge of a witness."""
    from nif.report import Verdict
    from nif.validate import Profile, validate

    report = validate(content, Profile.from_files(xsd=xsd_path))
    return report.verdict is Verdict.VALID


def minimal_instance(schema: Any, root: str) -> etree._Element:
    """A valid instance of global element `root` (Clark name) with as little content as allowed."""
    return _guarded(lambda: _Generator(schema).document(root, [], None, None))


def instance_with(
    schema: Any,
    root: str,
    path: Sequence[str],
    children: Sequence[str] | None = None,
    value: str | None = None,
    *,
    attribute: str | None = None,
    nil: bool = False,
    types: Mapping[tuple[str, ...], str] | None = None,
) -> etree._Element:
    """The minimal instance where the element at `path` has `children` (each filled minimally)
    or the text `value` (with `attribute`, a Clark name: that attribute's value instead), or
    with `nil`, is `xsi:nil="true"`.

    `path` lists the Clark names of the steps below the root (`[]`: the root itself). Ancestors
    on the path get the shortest content that contains the next step. `types` announces, by
    `xsi:type`, a global type (Clark name) for the element at each path it maps (an OLD
    message may use any derived type). The result is not guaranteed valid (that is the point
    of a witness): verify it with `check`.
    """
    if children is not None and value is not None:
        raise ValueError("give children or a value, not both")
    if attribute is not None and value is None:
        raise ValueError("an attribute witness needs a value")
    generator = _Generator(schema, attribute, nil=nil, types=types)
    return _guarded(lambda: generator.document(root, list(path), children, value))


def _guarded(build: Callable[[], etree._Element]) -> etree._Element:
    """Run `build`, turning a construct the generator does not handle into `GenerationError`
    (a value XML cannot carry, an xmlschema component shape not foreseen, deep recursion),
    so callers answer `unknown` rather than crash."""
    try:
        return build()
    except GenerationError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise GenerationError(f"cannot generate: {exc!r}") from exc


class _Generator:
    """One generation run: the schema, cost memo and a counter keeping ID values unique."""

    def __init__(
        self,
        schema: Any,
        attribute: str | None = None,
        *,
        nil: bool = False,
        types: Mapping[tuple[str, ...], str] | None = None,
    ) -> None:
        self.schema = schema
        self.attribute = attribute
        self.nil = nil
        self.types = dict(types or {})
        self.maps = schema.maps
        self.ids = itertools.count(1)
        self.costs: dict[int, float] = {}
        self.qname_prefixes: set[str] = {"xsi"}
        self.nsmap = {
            p: ns for p, ns in schema.namespaces.items() if p and ns and p not in ("xml", "xsi")
        }
        self.nsmap["xsi"] = XSI
        names = [*self.maps.elements, *(t.name for t in self.maps.types.values() if t.name)]
        spaces = {_split(name)[0] for name in names}
        for number, namespace in enumerate(sorted(spaces - set(self.nsmap.values()) - {""})):
            self.nsmap[f"ns{number}"] = namespace

    # -- elements -------------------------------------------------------------------------

    def document(
        self, root: str, path: list[str], children: Sequence[str] | None, value: str | None
    ) -> etree._Element:
        decl = self.maps.elements.get(root)
        if decl is None:
            raise GenerationError(f"no global element {root}")
        decl = self.concrete(decl, root)
        elem: etree._Element = etree.Element(decl.name, nsmap=self.nsmap)
        self.fill(elem, decl, [decl.name], path, children, value)
        etree.cleanup_namespaces(elem, keep_ns_prefixes=sorted(self.qname_prefixes))
        return elem

    def concrete(self, decl: Any, where: str) -> Any:
        """`decl` itself, or for an abstract element the cheapest substitution group member."""
        if not decl.abstract:
            return decl
        members = [m for m in self.substitutes(decl) if not m.abstract]
        if not members:
            raise GenerationError(f"abstract element {decl.name} at {where} has no substitute")
        return min(members, key=lambda m: self.type_cost(m.type, frozenset()))

    def substitutes(self, decl: Any) -> Iterator[Any]:
        for member in self.maps.substitution_groups.get(decl.name, ()):
            yield member
            yield from self.substitutes(member)

    def fill(
        self,
        elem: etree._Element,
        decl: Any,
        stack: list[str],
        path: list[str],
        children: Sequence[str] | None,
        value: str | None,
    ) -> None:
        """Give `elem` (declared by `decl`) attributes and content, following `path` if any."""
        where = "/".join(stack)
        if len(stack) > MAX_DEPTH:
            raise GenerationError(f"required content recurses beyond depth {MAX_DEPTH} at {where}")
        announced = self.types.get(tuple(stack[1:]))
        if announced is not None:
            xsd_type = self.announce(elem, announced, where)
        else:
            xsd_type = self.concrete_type(elem, decl.type, where, path[0] if path else None)
        self.attributes(elem, xsd_type, where)
        here = not path
        if here and value is None and children is None and (self.nil or _nil_ends(decl, stack)):
            elem.set(f"{{{XSI}}}nil", "true")  # asked for, or ends a recursion
            return
        if here and value is not None:
            if self.attribute is None:
                elem.text = value
                return
            elem.set(self.attribute, value)
        if xsd_type.is_simple() or xsd_type.has_simple_content():
            if not here or children:
                raise GenerationError(f"{where} has simple content: no child elements")
            if decl.fixed is not None:
                elem.text = decl.fixed
            else:
                simple = xsd_type if xsd_type.is_simple() else xsd_type.content
                elem.text = self.simple_value(simple, where)
            return
        group = xsd_type.content
        if here and children is not None:
            plan = [self.declaration(group, name, where) for name in children]
        elif here:
            plan = self.minimal(group)
        else:
            found = self.containing(group, path[0])
            if found is None:
                raise GenerationError(f"{where} cannot contain {path[0]}")
            plan = found
        target = None if here else path[0]
        for child_decl in plan:
            child_decl = self.concrete(child_decl, where)
            child: etree._Element = etree.SubElement(elem, child_decl.name)
            on_path = target is not None and child_decl.name == target
            rest, kids, text = (path[1:], children, value) if on_path else ([], None, None)
            if on_path:
                target = None  # only the first occurrence follows the path
            if child_decl.type is None:  # a wildcard's undeclared element: empty is fine
                if rest or kids:
                    raise GenerationError(f"{child_decl.name} in {where} is undeclared")
                if text is not None and self.attribute is not None:
                    child.set(self.attribute, text)
                elif text is not None:
                    child.text = text
                continue
            self.fill(child, child_decl, [*stack, child_decl.name], rest, kids, text)

    def concrete_type(
        self, elem: etree._Element, xsd_type: Any, where: str, step: str | None
    ) -> Any:
        """The type itself, or for an abstract type a derived one announced by `xsi:type`
        (one whose content can hold the next path `step`, if there is one)."""
        if not getattr(xsd_type, "abstract", False):
            return xsd_type
        derived = [
            t
            for t in self.maps.types.values()
            if t is not xsd_type
            and not getattr(t, "abstract", False)
            and t.name is not None
            and t.is_derived(xsd_type)
            and (step is None or self.holds(t, step))
        ]
        if not derived:
            raise GenerationError(f"abstract type {xsd_type.name} at {where} has no derived type")
        chosen = min(derived, key=lambda t: self.type_cost(t, frozenset()))
        return self.announce(elem, chosen.name, where)

    def announce(self, elem: etree._Element, name: str, where: str) -> Any:
        """Set `xsi:type` to global type `name` on `elem`; the type it names."""
        chosen = self.maps.types.get(name)
        if chosen is None:
            raise GenerationError(f"xsi:type {name} at {where}: no such global type")
        namespace, local = _split(name)
        prefix = next((p for p, ns in self.nsmap.items() if ns == namespace), None)
        if namespace and prefix is None:
            raise GenerationError(f"xsi:type {name} at {where}: namespace has no prefix")
        if prefix is not None:
            self.qname_prefixes.add(prefix)
        elem.set(f"{{{XSI}}}type", f"{prefix}:{local}" if namespace else local)
        return chosen

    def attributes(self, elem: etree._Element, xsd_type: Any, where: str) -> None:
        attrs = getattr(xsd_type, "attributes", None)
        if attrs is None:
            return
        for name, attr in attrs.items():
            if name is None or getattr(attr, "use", "optional") != "required":
                continue
            text = attr.fixed if attr.fixed is not None else None
            if text is None:
                text = self.simple_value(attr.type, f"{where}/@{name}")
            elem.set(attr.name, text)

    # -- content models -------------------------------------------------------------------

    def minimal(self, particle: Any) -> list[Any]:
        """The cheapest accepted declaration sequence for a group or element particle."""
        if particle.min_occurs == 0:
            return []
        return self.one(particle) * int(particle.min_occurs)

    def one(self, particle: Any) -> list[Any]:
        if _is_element(particle):
            return [particle]
        if _is_wildcard(particle):
            return [self.wildcard_element(particle)]
        if particle.model == "choice":
            if not len(particle):
                raise GenerationError("an empty required choice accepts nothing")
            return self.minimal(min(particle, key=self.cost))
        return [d for item in particle for d in self.minimal(item)]

    def containing(self, particle: Any, name: str) -> list[Any] | None:
        """The cheapest sequence for `particle` that includes one element named `name`."""
        if particle.max_occurs == 0:
            return None
        extra = self.one(particle) * (particle.min_occurs - 1) if particle.min_occurs > 1 else []
        if _is_element(particle):
            member = self.named(particle, name)
            return None if member is None else [member, *extra]
        if _is_wildcard(particle):
            if not particle.is_matching(name):
                return None
            return [self.wildcard_element(particle, name), *extra]
        if particle.model == "choice":
            for item in sorted(particle, key=self.cost):
                found = self.containing(item, name)
                if found is not None:
                    return found + extra
            return None
        for index, item in enumerate(particle):
            found = self.containing(item, name)
            if found is not None:
                before = [d for p in list(particle)[:index] for d in self.minimal(p)]
                after = [d for p in list(particle)[index + 1 :] for d in self.minimal(p)]
                return before + found + after + extra
        return None

    def declaration(self, group: Any, name: str, where: str) -> Any:
        """The declaration a child named `name` gets in `group` (element, substitute, wildcard)."""
        found = self.containing(group, name)
        if found is None:
            raise GenerationError(f"{where} declares no child {name}")
        return next(d for d in found if d.name == name)

    def holds(self, xsd_type: Any, name: str) -> bool:
        if xsd_type.is_simple() or xsd_type.has_simple_content():
            return False
        return self.containing(xsd_type.content, name) is not None

    def named(self, decl: Any, name: str) -> Any:
        """`decl` or the member of its substitution group called `name` (None: no such)."""
        return next((d for d in (decl, *self.substitutes(decl)) if d.name == name), None)

    def wildcard_element(self, wildcard: Any, name: str | None = None) -> Any:
        """A declaration for an element a wildcard admits: a global one, else an empty stub."""
        if name is None:
            names = [n for n in self.maps.elements if wildcard.is_matching(n)]
            for n in sorted(names, key=lambda n: self.cost(self.maps.elements[n])):
                if not self.maps.elements[n].abstract:
                    name = n
                    break
        if name is None:
            raise GenerationError("a required wildcard admits no global element")
        decl = self.maps.elements.get(name)
        if decl is not None:
            return decl
        if wildcard.process_contents == "strict":
            raise GenerationError(f"strict wildcard needs a declaration for {name}")
        return _Stub(name)

    def cost(self, particle: Any, visiting: frozenset[int] = frozenset()) -> float:
        """How many elements the cheapest content of `particle` needs (INF: only via a cycle)."""
        if particle.min_occurs == 0:
            return 0
        if _is_wildcard(particle):
            return float(particle.min_occurs)
        if _is_element(particle):
            decls = [particle, *self.substitutes(particle)]
            best = min(
                (self.type_cost(d.type, visiting) for d in decls if not d.abstract), default=INF
            )
            return float(particle.min_occurs * (1 + best))
        if particle.model == "choice":
            inner = min((self.cost(p, visiting) for p in particle), default=INF)
        else:
            inner = sum((self.cost(p, visiting) for p in particle), 0.0)
        return float(particle.min_occurs * inner)

    def type_cost(self, xsd_type: Any, visiting: frozenset[int]) -> float:
        key = id(xsd_type)
        if key in visiting:
            return INF
        if key in self.costs:
            return self.costs[key]
        if xsd_type.is_simple() or xsd_type.has_simple_content() or xsd_type.content is None:
            return 0
        value = self.cost(xsd_type.content, visiting | {key})
        if value < INF:
            self.costs[key] = value
        return value

    # -- simple values --------------------------------------------------------------------

    def simple_value(self, simple: Any, where: str) -> str:
        """A lexical value `simple` accepts: enumerations, facets and patterns respected."""
        for text in self.candidates(simple):
            try:
                if simple.is_valid(text, namespaces=self.nsmap):
                    if _is_qname(simple) and ":" in text:
                        self.qname_prefixes.add(text.split(":", 1)[0])  # keep it declared
                    return text
            except Exception:  # a candidate xmlschema cannot even decode
                continue
        raise GenerationError(f"no value found for {getattr(simple, 'name', simple)} at {where}")

    def lexical(self, value: Any) -> str:
        """The lexical form of an enumerated value; a Clark name gets a declared prefix."""
        if isinstance(value, str) and value.startswith("{"):
            namespace, local = _split(value)
            prefix = next((p for p, ns in self.nsmap.items() if ns == namespace), None)
            return f"{prefix}:{local}" if prefix else value
        return _lexical(value)

    def candidates(self, simple: Any) -> Iterator[str]:
        if getattr(simple, "enumeration", None):
            yield from (self.lexical(v) for v in simple.enumeration)
        if simple.is_list():
            for item in self.candidates(_inherited(simple, "item_type")):
                for count in sorted({1, 2, simple.min_length or 1, simple.max_length or 1}):
                    yield " ".join([item] * count)
            return
        if simple.is_union():
            for member in _inherited(simple, "member_types"):
                yield from self.candidates(member)
            return
        if simple.is_derived(self.maps.types.get("{http://www.w3.org/2001/XMLSchema}ID")):
            yield f"id{next(self.ids)}"  # IDs must be unique in the document
        for regex in _patterns(simple):
            yield from regex_strings(regex)
        for bound in (simple.min_value, simple.max_value):
            if bound is not None:
                yield from around(_lexical(bound))  # bounded numbers: an accepted one quickly
        primitive = simple.primitive_type.local_name if simple.primitive_type is not None else ""
        yield from primitive_samples(primitive)
        low = simple.min_length or 0
        yield from sized((low, low + 1, simple.max_length))


def _lexical(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(_lexical(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("INF" if value > 0 else "-INF")
    return str(value)


def _patterns(simple: Any) -> list[re.Pattern[str]]:
    """The compiled pattern facets of `simple` and its bases (each must match)."""
    found: list[re.Pattern[str]] = []
    current = simple
    while current is not None and hasattr(current, "patterns"):
        facet = current.patterns
        if facet is not None:
            found.extend(facet.patterns)
        current = getattr(current, "base_type", None)
    return found
