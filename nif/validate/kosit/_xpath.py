"""A configuration's own XPath (`match`, `acceptMatch`) run in nif's sandbox.

Each expression is wrapped in a small stylesheet, with the scenario's namespace declarations on
the element that holds it, so the sandbox checks it as it checks any rule set (no doc(), no
environment, no unparsed-text()) and Saxon runs it: KoSIT evaluates them as XPath 3.1 too.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lxml import etree

from nif.errors import CompileError
from nif.validate.schematron import SaxonStylesheet, check_stylesheet

if TYPE_CHECKING:
    from saxonche import PyXdmNode

XSL = "http://www.w3.org/1999/XSL/Transform"
PREDECLARED = {
    "xs": "http://www.w3.org/2001/XMLSchema",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "fn": "http://www.w3.org/2005/xpath-functions",
    "math": "http://www.w3.org/2005/xpath-functions/math",
    "map": "http://www.w3.org/2005/xpath-functions/map",
    "array": "http://www.w3.org/2005/xpath-functions/array",
    "saxon": "http://saxon.sf.net/",
}
"""Prefixes Saxon's XPath compiler, which KoSIT evaluates `match` and `acceptMatch` with,
declares by default; a scenario's own declarations win."""


def _xsl(name: str) -> str:
    return f"{{{XSL}}}{name}"


class Expressions:
    """Several boolean XPath expressions, each with its namespaces, compiled as one stylesheet.

    `true_ones(node)` gives the indexes of those that hold on the node. `base` is the
    stylesheet's base URI (the configuration's `scenarios.xml`), never the working directory;
    a run-time error is caught inside the run, so Saxon prints nothing.
    """

    def __init__(
        self,
        where: str,
        expressions: Sequence[tuple[str, dict[str, str]]],
        base: str = "urn:nif:kosit:xpath",
    ) -> None:
        self.where = where
        root = etree.Element(_xsl("stylesheet"), nsmap={"xsl": XSL}, version="3.0")
        etree.SubElement(root, _xsl("output"), method="text")
        template = etree.SubElement(root, _xsl("template"), match="/")
        for index, (expression, namespaces) in enumerate(expressions):
            nsmap = {p: u for p, u in {**PREDECLARED, **namespaces}.items() if p != "xsl"}
            test = etree.SubElement(template, _xsl("if"), nsmap=nsmap)
            test.set("test", f"({expression})")
            etree.SubElement(test, _xsl("text")).text = f"{index} "
        check_stylesheet(root, lambda element: where)
        try:
            self._stylesheet = SaxonStylesheet(root, base)
        except CompileError as exc:
            raise CompileError(f"{where}: the XPath does not compile: {exc}") from None
        self._lock = threading.Lock()

    def true_ones(self, node: PyXdmNode) -> list[int]:
        try:
            with self._lock:
                result = self._stylesheet.transform(node)
        except RuntimeError as exc:
            raise RuntimeError(f"{self.where}: the XPath failed: {exc}") from None
        return [int(word) for word in result.split()]
