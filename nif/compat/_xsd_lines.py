"""Where an XSD declaration is written: the XPath of its element in its schema document, and
its line.

xmlschema parses with ElementTree, which keeps neither parents nor line numbers. The XPath is
built from the ElementTree ancestry of the component's element (a parent map per document);
each document of the set is then parsed once more with nif's safe parser (lxml keeps lines)
and the XPath looked up there. Both caches live as long as one `Locator`, i.e. one comparison.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from nif.validate import ArtefactSet, parse_xml

__all__ = ["XS", "Locator"]

XS = "http://www.w3.org/2001/XMLSchema"
_NAMESPACES = {"xs": XS}
# Facet-less wrappers: a named simple type's component element is its restriction/list/union,
# but the declaration a reader looks for is the xs:simpleType around it.
_WRAPPED = {f"{{{XS}}}restriction", f"{{{XS}}}list", f"{{{XS}}}union"}
_MAX_DEPTH = 10_000


class Locator:
    """XPath and line of xmlschema components, for the documents of the given schema sets."""

    def __init__(self, *sets: ArtefactSet) -> None:
        self.contents: dict[str, bytes] = {}
        for artefacts in sets:
            for uri, artefact in artefacts.parts.items():
                self.contents.setdefault(uri, artefact.content)
        self.parents: dict[int, tuple[Any, dict[Any, Any]]] = {}
        self.trees: dict[str, Any] = {}
        self.lines: dict[tuple[str, str], int | None] = {}

    def url(self, component: Any) -> str | None:
        """The URI of the document that declares `component` (None for built-ins)."""
        url = getattr(getattr(component, "schema", None), "url", None)
        if not url or str(url) not in self.contents:
            return None
        return str(url)

    def xpath(self, component: Any) -> str | None:
        """`/xs:schema/xs:complexType[@name='T']/xs:sequence/xs:element[@name='e']` for the
        declaration of `component`, or None when it is not written in a document of the sets."""
        if self.url(component) is None:
            return None
        root = getattr(component.schema, "root", None)
        elem = getattr(component, "elem", None)
        if root is None or elem is None:
            return None
        parents = self._parents(root)
        if elem is not root and elem not in parents:
            return None
        parent = parents.get(elem)
        if elem.tag in _WRAPPED and parent is not None and parent.tag == f"{{{XS}}}simpleType":
            elem = parent
        steps: list[str] = []
        while elem is not None:
            steps.append(_step(elem, parents.get(elem)))
            elem = parents.get(elem)
        return "/" + "/".join(reversed(steps))

    def line(self, url: str, xpath: str) -> int | None:
        """The 1-based line of the first element `xpath` selects in document `url`."""
        key = (url, xpath)
        if key not in self.lines:
            self.lines[key] = self._line(url, xpath)
        return self.lines[key]

    def _line(self, url: str, xpath: str) -> int | None:
        tree = self._tree(url)
        if tree is None:
            return None
        try:
            found = tree.xpath(xpath, namespaces=_NAMESPACES)
        except etree.XPathError:
            return None
        if not isinstance(found, list) or not found:
            return None
        line = getattr(found[0], "sourceline", None)
        return line if isinstance(line, int) else None

    def _tree(self, url: str) -> Any:
        if url not in self.trees:
            content = self.contents.get(url)
            parsed = None
            if content is not None:
                parsed = parse_xml(
                    content,
                    max_bytes=len(content),
                    max_depth=_MAX_DEPTH,
                    internal_subset=True,
                    base_url=url,
                ).tree
            self.trees[url] = parsed
        return self.trees[url]

    def _parents(self, root: Any) -> dict[Any, Any]:
        cached = self.parents.get(id(root))
        if cached is None or cached[0] is not root:
            cached = (root, {child: parent for parent in root.iter() for child in parent})
            self.parents[id(root)] = cached
        return cached[1]


def _step(elem: Any, parent: Any) -> str:
    """One XPath step: `xs:element[@name='a']`, `xs:element[@ref='p:a']`, or a position among
    same-named siblings when there is more than one."""
    tag = str(elem.tag)
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if namespace == XS:
        test = f"xs:{local}"
    else:
        test = f"*[local-name()={_quote(local)} and namespace-uri()={_quote(namespace)}]"
    same = [elem] if parent is None else [s for s in parent if s.tag == elem.tag]
    for attribute in ("name", "ref"):
        value = elem.get(attribute)
        if value is not None:
            test += f"[@{attribute}={_quote(value)}]"
            same = [s for s in same if s.get(attribute) == value]
            break
    if len(same) <= 1:
        return test
    return f"{test}[{next(i for i, s in enumerate(same, 1) if s is elem)}]"


def _quote(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = "', \"'\", '".join(text.split("'"))
    return f"concat('{parts}')"
