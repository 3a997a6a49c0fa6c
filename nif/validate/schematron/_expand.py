"""Abstract patterns (`is-a` with `sch:param`) and abstract rules (`sch:extends rule=`).

Both are macros: an instance pattern is a copy of its abstract pattern with every `$param` in an
attribute replaced by the parameter's value; an extending rule gets a copy of the abstract rule's
content. As in SchXslt, an instance without `documents` takes its abstract pattern's, and the
diagnostics and properties its assertions name are copied into the instance with the parameters
filled in too (a diagnostic of an abstract pattern may say `<value-of select="$param"/>`).
After this pass the schema has only concrete patterns and rules.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from nif.errors import CompileError
from nif.validate.schematron._names import sch
from nif.validate.schematron._origins import describe

_PARAM = re.compile(r"\$([A-Za-z_][\w.\-]*)")


def _substitute(text: str, params: dict[str, str]) -> str:
    """Replace whole parameter names only: `$BR-1` must not touch `$BR-10`."""
    return _PARAM.sub(lambda m: params.get(m.group(1), m.group(0)), text)


def _instantiate(abstract: etree._Element, instance: etree._Element) -> etree._Element:
    params = {
        (p.get("name") or "").strip(): p.get("value", "") for p in instance.iter(sch("param"))
    }
    missing = [p for p in params if not p]
    if missing:
        raise CompileError(f"{describe(instance)}: sch:param without a name")
    pattern = etree.Element(sch("pattern"), nsmap=abstract.nsmap)
    pattern.sourceline = instance.sourceline
    for name, value in instance.attrib.items():
        if name != "is-a":
            pattern.set(name, value)
    if abstract.get("documents") is not None and instance.get("documents") is None:
        pattern.set("documents", _substitute(abstract.get("documents", ""), params))
    for child in abstract:
        if isinstance(child.tag, str) and child.tag == sch("param"):
            continue
        pattern.append(_filled(child, params))
    schema = instance.getparent()
    for group, item, attribute in _REFERENCED:
        ids = {i for a in pattern.iter() for i in (a.get(attribute) or "").split()}
        used = [
            _filled(element, params)
            for container in schema.iterchildren(sch(group))
            for element in container.iterchildren(sch(item))
            if element.get("id") in ids
        ]
        if used:
            etree.SubElement(pattern, sch(group)).extend(used)
    return pattern


_REFERENCED = (
    ("diagnostics", "diagnostic", "diagnostics"),
    ("properties", "property", "properties"),
)


def _filled(element: etree._Element, params: dict[str, str]) -> etree._Element:
    """A copy of `element` with the parameters substituted in every attribute."""
    clone = copy.deepcopy(element)
    for node in clone.iter():
        if isinstance(node.tag, str):
            for name, value in node.attrib.items():
                if "$" in value:
                    node.set(name, _substitute(value, params))
    return clone


def expand_abstract_patterns(schema: etree._Element) -> None:
    abstracts = {p.get("id"): p for p in schema.iter(sch("pattern")) if p.get("abstract") == "true"}
    for pattern in list(schema.iter(sch("pattern"))):
        base = pattern.get("is-a")
        if base is None:
            continue
        if base not in abstracts:
            known = ", ".join(sorted(filter(None, abstracts))) or "none"
            raise CompileError(
                f"{describe(pattern)}: no abstract pattern has the id {base!r} "
                f"(abstract patterns: {known})"
            )
        concrete = _instantiate(abstracts[base], pattern)
        concrete.tail = pattern.tail
        pattern.getparent().replace(pattern, concrete)
    for pattern in abstracts.values():
        pattern.getparent().remove(pattern)


def expand_abstract_rules(schema: etree._Element) -> None:
    abstracts = {r.get("id"): r for r in schema.iter(sch("rule")) if r.get("abstract") == "true"}

    def content(
        rule_id: str, chain: tuple[str, ...], extends: etree._Element
    ) -> list[etree._Element]:
        if rule_id in chain:
            raise CompileError(f"{describe(extends)}: abstract rule {rule_id!r} extends itself")
        if rule_id not in abstracts:
            known = ", ".join(sorted(filter(None, abstracts))) or "none"
            raise CompileError(
                f"{describe(extends)}: {rule_id!r} is not an abstract rule (known: {known})"
            )
        out: list[etree._Element] = []
        for child in abstracts[rule_id]:
            if not isinstance(child.tag, str):
                continue
            if child.tag == sch("extends") and child.get("rule"):
                out.extend(content(child.get("rule"), (*chain, rule_id), child))
            else:
                out.append(copy.deepcopy(child))
        return out

    for extends in list(schema.iter(sch("extends"))):
        rule_id = extends.get("rule")
        rule = extends.getparent()
        if rule_id is None or rule.get("abstract") == "true":
            continue
        index = rule.index(extends)
        rule.remove(extends)
        for offset, child in enumerate(content(rule_id, (), extends)):
            rule.insert(index + offset, child)
    for rule in abstracts.values():
        rule.getparent().remove(rule)
