"""Namespaces and query bindings the Schematron compiler knows."""

from __future__ import annotations

SCH = "http://purl.oclc.org/dsdl/schematron"
OLD_SCH = "http://www.ascc.net/xml/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"

XSLT1_BINDINGS = frozenset({"", "xslt", "xpath", "exslt"})
XSLT2_BINDINGS = frozenset({"xslt2", "xpath2"})
XSLT3_BINDINGS = frozenset({"xslt3", "xpath3", "xpath31"})


def sch(local: str) -> str:
    return f"{{{SCH}}}{local}"


def xsl(local: str) -> str:
    return f"{{{XSL}}}{local}"


def svrl(local: str) -> str:
    return f"{{{SVRL}}}{local}"


IMPLICIT_NAMESPACES = {
    "xs": "http://www.w3.org/2001/XMLSchema",
    "xsd": "http://www.w3.org/2001/XMLSchema",
    "xsl": XSL,
    "svrl": SVRL,
    "sch": SCH,
    "iso": SCH,
    "schold": OLD_SCH,
    "saxon": "http://saxon.sf.net/",
    "xhtml": "http://www.w3.org/1999/xhtml",
}
"""The prefixes SchXslt 1.x (xs, sch, xsl, svrl) and the ISO skeleton (xs, xsd, saxon, iso,
schold, xhtml) declare in the stylesheets they generate, so rule sets written for them may use
these without declaring them; a rule set's own `sch:ns` or declaration takes precedence."""
