"""SVRL to findings: severity from flag/role, the rule id, and the location mapped to a line.

The compiled stylesheets write canonical locations (`/Q{uri}local[n]/@Q{uri}name`, with
`text()[n]`, `comment()[n]` and `processing-instruction(name)[n]` steps for rules on other node
kinds). nif walks them in the message's lxml tree to find the line, and shows them with the
schema's prefixes. Findings of a pattern run over other `documents` (its svrl:active-pattern
names the document) are located in that document: `doc('uri')/path`, with no message line.
"""

from __future__ import annotations

import re

from lxml import etree

from nif.report import Finding, Location, Severity
from nif.validate._xml import safe_parser
from nif.validate.schematron._names import SVRL, svrl
from nif.validate.schematron._stream import Chain, element_lines

_STEP = re.compile(
    r"/(?:@(?:Q\{(?P<attribute_uri>[^}]*)\})?(?P<attribute>[^/\[{]+)"
    r"|(?P<kind>text|comment)\(\)(?:\[(?P<kind_position>\d+)\])?"
    r"|processing-instruction\((?P<target>[^)]*)\)(?:\[(?P<target_position>\d+)\])?"
    r"|(?:Q\{(?P<uri>[^}]*)\})?(?P<local>[^/\[{(]+)(?:\[(?P<position>\d+)\])?)"
)
"""One step of a canonical location, as path() and nif's XSLT 1.0 template write them."""
_FAILED = svrl("failed-assert")
_REPORT = svrl("successful-report")
_ACTIVE = svrl("active-pattern")
_OUTPUT = svrl("schematron-output")


def severity_of(flag: str | None, role: str | None) -> Severity:
    """`flag` wins over `role`; anything unknown or absent is an error (fail closed)."""
    for value in (flag, role):
        if value:
            try:
                return Severity.parse(value)
            except ValueError:
                continue
    return Severity.ERROR


def _chain(path: str) -> Chain | None:
    """The elements a canonical path walks, or None when it also walks a text node, comment or
    processing instruction (whose line only a tree can tell)."""
    chain = []
    for step in _STEP.finditer(path):
        if step["local"] is not None:
            uri, local = step["uri"] or "", step["local"]
            chain.append((f"{{{uri}}}{local}" if uri else local, int(step["position"] or 1)))
        elif step["attribute"] is None:
            return None
    return tuple(chain)


class _Locator:
    """Resolves canonical paths in one document, caching children lists of busy parents.

    `lines` stands in for the tree of a message whose tree was released: the line of each
    element path, found by streaming (`_stream`)."""

    def __init__(
        self,
        tree: etree._ElementTree | None,
        prefixes: dict[str, str],
        lines: dict[Chain, int] | None = None,
    ) -> None:
        self.tree = tree
        self.prefixes = prefixes
        self.lines = lines
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
        if path == "/":
            known = self.tree is not None or self.lines is not None
            return Location(line=1 if known else None, xpath="/")
        steps = list(_STEP.finditer(path))
        if not steps or "".join(m.group() for m in steps) != path:
            return Location(xpath=path or None)
        shown = []
        node: etree._Element | None = None
        line = None
        found = self.tree is not None or self.lines is not None
        chain: list[tuple[str, int]] = []
        for step in steps:
            if step["attribute"] is not None:
                shown.append(f"@{self._label(step['attribute_uri'] or '', step['attribute'])}")
                continue
            if step["local"] is None:
                shown.append(step.group()[1:])
                if found and self.tree is not None:
                    line = self._other(node, step)
                    found = False
                continue
            uri, local, position = step["uri"] or "", step["local"], int(step["position"] or 1)
            shown.append(f"{self._label(uri, local)}[{position}]")
            name = f"{{{uri}}}{local}" if uri else local
            if found and self.lines is not None:
                chain.append((name, position))
                line = self.lines.get(tuple(chain))
                found = line is not None
                continue
            if not found or self.tree is None:
                continue
            if node is None:
                root = self.tree.getroot()
                node = root if root.tag == name and position == 1 else None
            else:
                node = self._child(node, name, position)
            found = node is not None
            line = node.sourceline if node is not None else None
        return Location(line=line, xpath="/" + "/".join(shown))

    def _other(self, parent: etree._Element | None, step: re.Match[str]) -> int | None:
        """The line of a text node (its element's, or the element it follows), comment or
        processing instruction."""
        assert self.tree is not None
        context = parent if parent is not None else self.tree
        if step["kind"] is not None:
            test = f"{step['kind']}()[{int(step['kind_position'] or 1)}]"
        else:
            target = step["target"].strip("\"'")
            if not target.replace("-", "").replace(".", "").replace("_", "").isalnum():
                return None
            test = f"processing-instruction('{target}')[{int(step['target_position'] or 1)}]"
        try:
            found = context.xpath(test if parent is not None else f"/{test}")
        except etree.XPathError:
            return None
        if not isinstance(found, list) or not found:
            return None
        hit = found[0]
        owner = hit if isinstance(hit, etree._Element) else getattr(hit, "getparent", None)
        if callable(owner):
            owner = owner()
        line: int | None = owner.sourceline if isinstance(owner, etree._Element) else None
        return line

    def _label(self, uri: str, local: str) -> str:
        if not uri:
            return local
        prefix = self.prefixes.get(uri)
        return f"{prefix}:{local}" if prefix else f"Q{{{uri}}}{local}"


def findings_from_svrl(
    svrl_root: etree._Element,
    tree: etree._ElementTree | None,
    step: str,
    content: bytes | None = None,
) -> list[Finding]:
    """The findings of an SVRL report; a result that is not SVRL (a precompiled stylesheet that
    writes something else) raises, so the step is `error`, never a pass with no findings.

    Without a `tree`, lines are found in the message's `content` when given: by one streaming
    pass, or by parsing it again when a finding is on a text node, comment or processing
    instruction."""
    if svrl_root.tag != _OUTPUT:
        got = etree.QName(svrl_root)
        raise RuntimeError(
            f"the stylesheet wrote <{got.localname}> in {got.namespace or 'no namespace'!r}, "
            f"not an SVRL report (svrl:schematron-output in {SVRL}): nothing it checked can be "
            "told from it"
        )
    prefixes: dict[str, str] = {}
    for ns in svrl_root.iterchildren(svrl("ns-prefix-in-attribute-values")):
        prefixes.setdefault(ns.get("uri"), ns.get("prefix"))
    locator = _Locator(tree, prefixes)
    if tree is None and content is not None:
        locator = _message_locator(svrl_root, content, prefixes)
    elsewhere = _Locator(None, prefixes)
    findings = []
    document = None
    for node in svrl_root.iter(_ACTIVE, _FAILED, _REPORT):
        if node.tag == _ACTIVE:
            document = node.get("documents")
            continue
        path = node.get("location") or ""
        if document:
            location = Location(xpath=f"doc('{document}'){elsewhere.locate(path).xpath or ''}")
        else:
            location = locator.locate(path)
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
                location=location,
                test=node.get("test"),
            )
        )
    return findings


def _message_locator(
    svrl_root: etree._Element, content: bytes, prefixes: dict[str, str]
) -> _Locator:
    """A locator for the findings on the message (not on other `documents`) in `content`."""
    chains: set[Chain] = set()
    document = None
    for node in svrl_root.iter(_ACTIVE, _FAILED, _REPORT):
        if node.tag == _ACTIVE:
            document = node.get("documents")
        elif not document:
            chain = _chain(node.get("location") or "")
            if chain is None:
                tree = etree.fromstring(content, safe_parser()).getroottree()
                return _Locator(tree, prefixes)
            chains.update(chain[:depth] for depth in range(1, len(chain) + 1))
    return _Locator(None, prefixes, element_lines(content, chains))


__all__ = ["SVRL", "findings_from_svrl", "severity_of"]
