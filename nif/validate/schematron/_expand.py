"""Abstract patterns (`is-a` with `sch:param`) and abstract rules (`sch:extends rule=`).

Both are macros: an instance pattern is a copy of its abstract pattern with every `$param` in an
attribute replaced by the parameter's value; an extending rule gets a copy of the abstract rule's
content. After this pass the schema has only concrete patterns and rules.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from nif.errors import CompileError
from nif.validate.schematron._names import sch

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
        raise CompileError(f"pattern {instance.get('id')!r}: sch:param without a name")
    pattern = etree.Element(sch("pattern"), nsmap=abstract.nsmap)
    for name, value in instance.attrib.items():
        if name != "is-a":
            pattern.set(name, value)
    for child in abstract:
        if isinstance(child.tag, str) and child.tag == sch("param"):
            continue
        clone = copy.deepcopy(child)
        for element in clone.iter():
            for name, value in element.attrib.items():
                if "$" in value:
                    element.set(name, _substitute(value, params))
        pattern.append(clone)
    return pattern


def expand_abstract_patterns(schema: etree._Element) -> None:
    abstracts = {p.get("id"): p for p in schema.iter(sch("pattern")) if p.get("abstract") == "true"}
    for pattern in list(schema.iter(sch("pattern"))):
        base = pattern.get("is-a")
        if base is None:
            continue
        if base not in abstracts:
            known = ", ".join(sorted(filter(None, abstracts))) or "none"
            raise CompileError(
                f"pattern {pattern.get('id')!r} is-a {base!r}, but no abstract pattern has that "
                f"id (abstract patterns: {known})"
            )
        concrete = _instantiate(abstracts[base], pattern)
        concrete.tail = pattern.tail
        pattern.getparent().replace(pattern, concrete)
    for pattern in abstracts.values():
        pattern.getparent().remove(pattern)


def expand_abstract_rules(schema: etree._Element) -> None:
    abstracts = {r.get("id"): r for r in schema.iter(sch("rule")) if r.get("abstract") == "true"}

    def content(rule_id: str, chain: tuple[str, ...]) -> list[etree._Element]:
        if rule_id in chain:
            raise CompileError(f"abstract rule {rule_id!r} extends itself (cycle)")
        if rule_id not in abstracts:
            known = ", ".join(sorted(filter(None, abstracts))) or "none"
            raise CompileError(
                f"sch:extends names {rule_id!r}, which is not an abstract rule (known: {known})"
            )
        out: list[etree._Element] = []
        for child in abstracts[rule_id]:
            if not isinstance(child.tag, str):
                continue
            if child.tag == sch("extends") and child.get("rule"):
                out.extend(content(child.get("rule"), (*chain, rule_id)))
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
        for offset, child in enumerate(content(rule_id, ())):
            rule.insert(index + offset, child)
    for rule in abstracts.values():
        rule.getparent().remove(rule)
