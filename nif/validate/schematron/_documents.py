"""The `documents` attribute of ISO Schematron 2016: a pattern whose rules run over other
documents than the message.

SchXslt evaluates the expression on the message's root and loads each URI it yields with
`document()` (or `xsl:source-document`), resolved against the rule file. nif's sandbox keeps
`doc()` and `document()` closed, so the trust boundary is drawn here: a `documents` expression
may only reach the XML files of the rule set's own artefact set (pinned with it, collected with
its includes: a `documents` attribute that is a string literal, or a list of them, adds those
files to the set, as does such a `sch:param` of an abstract pattern's instance when a
`documents` of the same file names the parameter). Those files are parsed safely once and
handed to the stylesheet as a parameter; a URI that names anything else stops the rules with an
error naming the pattern and the URI, so the verdict is `error`, never a silent pass.

nif runs XSLT 1.0 rule sets on libxslt, which cannot be handed documents this way: a pattern
with `documents` needs queryBinding xslt2 or xslt3.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from nif.errors import CompileError
from nif.validate._artefacts import ArtefactSet
from nif.validate._xml import safe_parser
from nif.validate.schematron._names import sch
from nif.validate.schematron._origins import describe

if TYPE_CHECKING:
    from saxonche import PySaxonProcessor, PyXdmNode

PARAMETER = "nif.documents"
"""The stylesheet parameter holding the artefact set's XML documents."""

_LITERAL = r"""\s*(?:'[^']*'|"[^"]*")\s*"""
_LITERALS = re.compile(rf"\(?{_LITERAL}(?:,{_LITERAL})*\)?\s*")
_NORMALISE = "replace({uri}, '^file:/+', 'file:///')"
"""Saxon resolves to `file:/path` but documents carry `file:///path`: compare one form."""


def literal_documents(element: etree._Element, attribute: str = "documents") -> list[str]:
    """The URIs a pattern's `documents` (or an abstract pattern's parameter for it) names when
    it is string literals only (else none)."""
    expression = element.get(attribute) or ""
    if not _LITERALS.fullmatch(expression):
        return []
    return [m[1:-1] for m in re.findall(r"'[^']*'|\"[^\"]*\"", expression) if m[1:-1].strip()]


def check_binding(patterns: list[etree._Element], version: str) -> None:
    if version != "1.0":
        return
    for pattern in patterns:
        if pattern.get("documents") is not None:
            raise CompileError(
                f"{describe(pattern)}: the documents attribute needs queryBinding xslt2 or "
                "xslt3 (nif runs XSLT 1.0 rule sets on libxslt, which cannot be handed the "
                "documents)"
            )


def selection(pattern: etree._Element) -> str:
    """The XPath that gives the pattern's documents, for `$nif.uri` in a for-each over
    `documents`: the artefact set's document at that URI, or an error naming it."""
    where = describe(pattern).replace("'", "''")
    message = (
        f"{where}: the documents expression names ', $nif.uri, ', which is not an XML file of "
        "the rule set''s artefact set (a pattern may only read files pinned with its rules)"
    )
    uri = _NORMALISE.format(uri="base-uri(.)")
    return (
        f"(${PARAMETER}[{uri} = $nif.uri], "
        f"error(QName('urn:x-nif:schematron', 'documents'), concat('{message}')))[1]"
    )


def resolved_uri(pattern: etree._Element) -> str:
    """The XPath for the URI of the current `documents` item, resolved against the rule file."""
    base = (pattern.base or "").replace("'", "''")
    return _NORMALISE.format(uri=f"resolve-uri(string(.), '{base}')")


def uses_documents(schema: etree._Element) -> bool:
    return any(p.get("documents") is not None for p in schema.iter(sch("pattern")))


class Documents:
    """Every well-formed XML part of the artefact set, parsed safely (no DTD, no entities),
    as Saxon document nodes that carry their URI. Held for as long as the compiled rules:
    Saxon does not keep the Python objects behind a parameter alive."""

    def __init__(self, processor: PySaxonProcessor, artefacts: ArtefactSet) -> None:
        from saxonche import PyXdmValue

        self.builder = processor.new_document_builder()
        self.nodes: list[PyXdmNode] = []
        self.value = PyXdmValue(processor)
        for uri, part in sorted(artefacts.parts.items()):
            try:
                tree = etree.fromstring(part.content, safe_parser())
            except etree.XMLSyntaxError:
                continue
            self.builder.set_base_uri(uri)
            text = etree.tostring(tree, encoding="unicode")
            self.nodes.append(self.builder.parse_xml(xml_text=text))
            self.value.add_xdm_item(self.nodes[-1])
