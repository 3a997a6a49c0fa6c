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
from nif.validate.schematron import check_stylesheet, saxon_processor

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

    `true_ones(node)` gives the indexes of those that hold on the node.
    """

    def __init__(self, where: str, expressions: Sequence[tuple[str, dict[str, str]]]) -> None:
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
        text = etree.tostring(root, encoding="unicode")
        try:
            compiler = saxon_processor().new_xslt30_processor()
            self._executable = compiler.compile_stylesheet(stylesheet_text=text)
        except Exception as exc:
            raise CompileError(f"{where}: the XPath does not compile: {_message(exc)}") from None
        self._lock = threading.Lock()

    def true_ones(self, node: PyXdmNode) -> list[int]:
        try:
            with self._lock:
                result = self._executable.transform_to_string(xdm_node=node)
        except Exception as exc:
            raise RuntimeError(f"{self.where}: the XPath failed: {_message(exc)}") from None
        return [int(word) for word in (result or "").split()]


def _message(exc: Exception) -> str:
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())[:1000]
