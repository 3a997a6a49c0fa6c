"""A discriminator's value in a message: an XPath 1.0 expression's string value on the XML
tree, the value at a JSON Pointer, written as the registry writes discriminator values, or
whether a KoSIT scenario's match holds ("true"/"false")."""

from __future__ import annotations

import functools
import math
import re
from decimal import Decimal
from typing import Any

from lxml import etree

from nif.errors import NifError
from nif.registry._message_types import Discriminator
from nif.validate import saxon_processor, value_text
from nif.validate.kosit import Expressions

_INDEX = re.compile(r"0|[1-9][0-9]*")


def json_pointer_value(document: Any, pointer: str, text: str | None = None) -> str | None:
    """The string value at an RFC 6901 pointer: strings as they are, numbers as their JSON
    text (read from `text`, the document's, when the parse made them numbers), true/false/null
    as written; None when it is absent, an object or an array."""
    if pointer and not pointer.startswith("/"):
        return None
    node = document
    for token in pointer.split("/")[1:] if pointer else ():
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and _INDEX.fullmatch(token) and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    if isinstance(node, bool):
        return "true" if node else "false"
    if node is None:
        return "null"
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int | float | Decimal) and text is not None:
        return value_text(text, pointer)
    return None


@functools.lru_cache(maxsize=1024)
def _xpath(path: str, namespaces: tuple[tuple[str, str], ...]) -> etree.XPath | None:
    try:
        return etree.XPath(path, namespaces=dict(namespaces))
    except (etree.XPathError, TypeError, ValueError):
        return None


def _xpath_number(value: float) -> str:
    """XPath 1.0's string() of a number: no exponent, integers without a decimal point."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def xpath_value(tree: etree._ElementTree, discriminator: Discriminator) -> str | None:
    """The XPath 1.0 string value of the discriminator's path, evaluated with the root element
    as context node; None when it selects nothing or cannot be evaluated."""
    compiled = _xpath(discriminator.path, discriminator.namespaces)
    if compiled is None:
        return None
    try:
        result = compiled(tree.getroot())
    except (etree.XPathError, TypeError, ValueError):
        return None
    if isinstance(result, list):
        if not result:
            return None
        first = result[0]
        if isinstance(first, etree._Element):
            return str(first.xpath("string()"))
        if isinstance(first, tuple):  # a namespace node: (prefix, uri)
            return str(first[1])
        return str(first)
    if isinstance(result, bool):
        return "true" if result else "false"
    if isinstance(result, float):
        return _xpath_number(result)
    return str(result)


def match_value(tree: etree._ElementTree, discriminator: Discriminator) -> str | None:
    """ "true" when a KoSIT scenario's match holds on the message, "false" when not, None when
    it cannot be evaluated: its effective boolean value with the document as context, by lxml
    when the match is XPath 1.0, else by Saxon in the sandbox the KoSIT step runs matches in
    (no doc(), no environment), as the KoSIT validator evaluates it."""
    compiled = _xpath(discriminator.path, discriminator.namespaces)
    if compiled is not None:
        try:
            return "true" if _effective(compiled(tree)) else "false"
        except (etree.XPathError, TypeError, ValueError):
            pass  # an XPath 2 function lxml lacks: Saxon evaluates it
    expressions = _sandboxed(discriminator.path, discriminator.namespaces)
    if expressions is None:
        return None
    try:
        node = saxon_processor().parse_xml(xml_text=etree.tostring(tree, encoding="unicode"))
        return "true" if expressions.true_ones(node) else "false"
    except Exception:  # Saxon's API errors have no common base to name
        return None


@functools.lru_cache(maxsize=256)
def _sandboxed(path: str, namespaces: tuple[tuple[str, str], ...]) -> Expressions | None:
    try:
        return Expressions("a KoSIT scenario match", [(path, dict(namespaces))])
    except NifError:
        return None


def _effective(result: object) -> bool:
    """XPath's effective boolean value of an lxml result."""
    if isinstance(result, list):
        return bool(result)
    if isinstance(result, float):
        return not (math.isnan(result) or result == 0)
    return bool(result)
