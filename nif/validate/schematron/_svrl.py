"""SVRL to findings: severity from flag/role, the rule id, and the location mapped to a line.

The compiled stylesheets write canonical locations (`/Q{uri}local[n]/@Q{uri}name`). nif walks
them in the message's lxml tree to find the line, and shows them with the schema's prefixes.
"""

from __future__ import annotations

import re

from lxml import etree

from nif.report import Finding, Location, Severity
from nif.validate.schematron._names import SVRL, svrl

_STEP = re.compile(r"/(@)?(?:Q\{([^}]*)\})?([^/\[{]+)(?:\[(\d+)\])?")
_FAILED = svrl("failed-assert")
_REPORT = svrl("successful-report")


def severity_of(flag: str | None, role: str | None) -> Severity:
    """`flag` wins over `role`; anything unknown or absent is an error (fail closed)."""
    for value in (flag, role):
        if value:
            try:
                return Severity.parse(value)
            except ValueError:
                continue
    return Severity.ERROR


class _Locator:
    """Resolves canonical paths in one document, caching children lists of busy parents."""

    def __init__(self, tree: etree._ElementTree | None, prefixes: dict[str, str]) -> None:
        self.tree = tree
        self.prefixes = prefixes
        self._children: dict[tuple[int, str], list[etree._Element]] = {}
        self._keep: list[etree._Element] = []

    def _child(self, parent: etree._Element, tag: str, position: int) -> etree._Element | None:
        key = (id(parent), tag)
        children = self._children.get(key)
        if children is None:
            children = list(parent.iterchildren(tag))
            self._children[key] = children
            self._keep.append(parent)
        return children[position - 1] if 0 < position <= len(children) else None

    def locate(self, path: str) -> Location:
        steps = _STEP.findall(path)
        if not steps:
            return Location(xpath=path or None)
        shown = []
        node = None
        line = None
        found = self.tree is not None
        for at, uri, local, position in steps:
            label = self._label(uri, local)
            if at:
                shown.append(f"@{label}")
                continue
            shown.append(f"{label}[{position or 1}]")
            if not found or self.tree is None:
                continue
            name = f"{{{uri}}}{local}" if uri else local
            index = int(position or 1)
            if node is None:
                root = self.tree.getroot()
                node = root if root.tag == name and index == 1 else None
            else:
                node = self._child(node, name, index)
            found = node is not None
            line = node.sourceline if node is not None else None
        return Location(line=line, xpath="/" + "/".join(shown))

    def _label(self, uri: str, local: str) -> str:
        if not uri:
            return local
        prefix = self.prefixes.get(uri)
        return f"{prefix}:{local}" if prefix else f"Q{{{uri}}}{local}"


def findings_from_svrl(
    svrl_root: etree._Element,
    tree: etree._ElementTree | None,
    step: str,
) -> list[Finding]:
    prefixes: dict[str, str] = {}
    for ns in svrl_root.iterchildren(svrl("ns-prefix-in-attribute-values")):
        prefixes.setdefault(ns.get("uri"), ns.get("prefix"))
    locator = _Locator(tree, prefixes)
    findings = []
    for node in svrl_root.iter(_FAILED, _REPORT):
        text = node.find(svrl("text"))
        message = " ".join("".join(text.itertext()).split()) if text is not None else ""
        diagnostics = [
            " ".join("".join(d.itertext()).split())
            for d in node.iterchildren(svrl("diagnostic-reference"))
        ]
        if diagnostics:
            message = " ".join([message, *diagnostics]).strip()
        findings.append(
            Finding(
                severity=severity_of(node.get("flag"), node.get("role")),
                step=step,
                message=message
                or f"{'assert' if node.tag == _FAILED else 'report'} {node.get('test')}",
                rule_id=node.get("id"),
                location=locator.locate(node.get("location") or ""),
                test=node.get("test"),
            )
        )
    return findings


__all__ = ["SVRL", "findings_from_svrl", "severity_of"]
