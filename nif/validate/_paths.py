"""Readable paths of elements in a message, for where a finding points.

libxml2 and lxml's `getpath` write an element in a default namespace as `*` (`/*/*[5]/*[1]`),
which says nothing to the person reading a report. `Paths` writes each step as the message
itself names the element: with the prefix the message declares for it, the bare local name in
a default (or no) namespace, and a position only where siblings share the name
(`/b:BirthNotification/b:Child/b:Sex`, `/Order/Line[2]/Quantity`), as libxml2 does for
prefixed elements.
"""

from __future__ import annotations

from lxml import etree


class Paths:
    """Paths in one document; remembers positions among the siblings it has counted, so many
    findings under one long list cost one pass over it."""

    def __init__(self, tree: etree._ElementTree) -> None:
        self.tree = tree
        self._positions: dict[tuple[int, object], dict[int, int]] = {}
        self._kept: list[etree._Element] = []

    def of(self, element: etree._Element) -> str:
        """The readable path of `element` (see the module)."""
        steps = []
        node: etree._Element | None = element
        while node is not None:
            local = etree.QName(node).localname
            step = f"{node.prefix}:{local}" if node.prefix else local
            parent = node.getparent()
            if parent is not None:
                step += self._position(parent, node)
            steps.append(step)
            node = parent
        return "/" + "/".join(reversed(steps))

    def rewrite(self, path: str | None) -> str | None:
        """An engine's path (libxml2's `/*/*[5]/*[1]`) as the readable path of the element it
        selects; the path as given when it selects no one element."""
        if not path or "*" not in path:
            return path
        prefixes = {p: uri for p, uri in self.tree.getroot().nsmap.items() if p}
        try:
            found = self.tree.xpath(path, namespaces=prefixes)
        except etree.XPathError:
            return path
        if isinstance(found, list) and len(found) == 1 and isinstance(found[0], etree._Element):
            return self.of(found[0])
        return path

    def _position(self, parent: etree._Element, node: etree._Element) -> str:
        key = (id(parent), node.tag)
        positions = self._positions.get(key)
        if positions is None:
            same = list(parent.iterchildren(node.tag))
            positions = {id(child): index for index, child in enumerate(same, 1)}
            if len(same) == 1:
                positions = {}
            self._positions[key] = positions
            self._kept.extend(same)  # ids stay valid while the elements are alive
            self._kept.append(parent)
        index = positions.get(id(node))
        return f"[{index}]" if index is not None else ""
