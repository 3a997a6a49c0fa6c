"""Rules on any node kind: what each pattern's mode walks, and the location each finding gets.

As in SchXslt, a rule context may match the document node, elements, attributes, text nodes,
comments and processing instructions. Walking attributes and the other node kinds costs time on
large messages, so a pattern's mode visits them only when one of its rule contexts could match
them. Locations are canonical paths (`/Q{ns}name[n]/text()[1]`): XSLT 2/3 write them with
path(), XSLT 1.0 with the template below, which writes the same steps.
"""

from __future__ import annotations

from lxml import etree

from nif.validate.schematron._names import xsl

_PATH_TEMPLATE = "nif-location"

_ELEMENT_STEP = (
    "concat('/Q{', namespace-uri(), '}', local-name(), '[')",
    "count(preceding-sibling::*[local-name() = local-name(current()) and "
    "namespace-uri() = namespace-uri(current())]) + 1",
    "']'",
)
_OTHER_STEPS = (
    ("count(. | ../@*) = count(../@*)", "concat('/@Q{', namespace-uri(), '}', local-name())"),
    ("self::text()", "concat('/text()[', count(preceding-sibling::text()) + 1, ']')"),
    ("self::comment()", "concat('/comment()[', count(preceding-sibling::comment()) + 1, ']')"),
    (
        "self::processing-instruction()",
        "concat('/processing-instruction(', name(), ')[', "
        "count(preceding-sibling::processing-instruction()[name() = name(current())]) + 1, ']')",
    ),
    ("not(parent::node())", "'/'"),
)
"""(node test, last location step) for the nodes other than elements."""

_ANY_NODE = ("key(", "id(", "$", "root(", "element-with-id(")
_ATTRIBUTES = ("@", "attribute")
_OTHER_NODES = ("node(", "text(", "comment(", "processing-instruction(", "document-node(")


def walk_for(contexts: list[str]) -> str:
    """What a pattern's mode visits below each node: elements always; attributes, and text,
    comments and processing instructions, only when a rule context could match them."""
    anything = any(m in c for c in contexts for m in _ANY_NODE)
    attributes = anything or any(m in c for c in contexts for m in _ATTRIBUTES)
    others = anything or any(m in c for c in contexts for m in _OTHER_NODES)
    return "|".join([*(["@*"] if attributes else []), "node()" if others else "*"])


def write_location(parent: etree._Element, version: str) -> None:
    """The instruction that writes the current node's location into `parent`."""
    if version == "1.0":
        etree.SubElement(parent, xsl("call-template"), name=_PATH_TEMPLATE)
    else:
        etree.SubElement(parent, xsl("value-of"), select="path()")


def location_template(stylesheet: etree._Element) -> None:
    """Add the XSLT 1.0 template that writes what path() writes in XSLT 2/3."""
    template = etree.SubElement(stylesheet, xsl("template"), name=_PATH_TEMPLATE)
    steps = etree.SubElement(template, xsl("for-each"), select="ancestor-or-self::*")
    for select in _ELEMENT_STEP:
        etree.SubElement(steps, xsl("value-of"), select=select)
    kinds = etree.SubElement(template, xsl("choose"))
    for test, select in _OTHER_STEPS:
        when = etree.SubElement(kinds, xsl("when"), test=test)
        etree.SubElement(when, xsl("value-of"), select=select)
