"""Where a generated XSLT node comes from: the rule file, line and element errors name.

nif compiles a rule set to a stylesheet the user never sees, so an error Saxon reports on that
stylesheet ("line 212 of file:///<working directory>/") must be turned back into the rule set's
words: `rules.sch, line 14, <sch:assert test="count((">: ...`. The compiler records, for each
generated element, the rule set element it comes from; the stylesheet is serialised one element
per line, and the line numbers Saxon names are mapped back through that record.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit
from urllib.request import url2pathname

from lxml import etree

_SHOWN_ATTRIBUTES = (
    "test",
    "context",
    "select",
    "value",
    "path",
    "match",
    "documents",
    "is-a",
    "rule",
    "pattern",
    "name",
    "id",
)
"""The attribute that best names an element in an error, first present wins."""

_NAMESPACE_PREFIXES = {
    "http://purl.oclc.org/dsdl/schematron": "sch",
    "http://www.w3.org/1999/XSL/Transform": "xsl",
}

_SAXON_ERROR = re.compile(
    r"(?:Error|Static error|Fatal error|Type error|Warning)\b(?P<what>.*?)"
    r" on line (?P<line>\d+)(?: column (?P<column>\d+))? of (?P<uri>\S*?):?\s*\n(?P<message>.*?)"
    r"(?=\n\S|\Z)",
    re.DOTALL,
)
_TAGS = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(?P<start>[^/!?])[^>]*>")
"""Comments, CDATA, processing instructions and start tags on one line of serialised XML."""


def shown(base: str | None) -> str:
    """A rule file as errors name it: a local file by its path, not as a `file:` URI."""
    if not base:
        return "the stylesheet"
    return url2pathname(urlsplit(base).path) if base.startswith("file:") else base


def describe(element: etree._Element, line: int | None = None) -> str:
    """`file, line N, <sch:assert test="...">` for an element of a rule set or stylesheet."""
    tag = etree.QName(element)
    prefix = _NAMESPACE_PREFIXES.get(tag.namespace or "") or element.prefix
    name = f"{prefix}:{tag.localname}" if prefix else tag.localname
    for attribute in _SHOWN_ATTRIBUTES:
        value = element.get(attribute)
        if value is not None:
            value = " ".join(value.split())
            if len(value) > 120:
                value = value[:117] + "..."
            name += f' {attribute}="{value}"'
            break
    return f"{shown(element.base)}, line {line or element.sourceline or '?'}, <{name}>"


class Origins:
    """Generated element -> the rule set element it was written for."""

    def __init__(self, fallback: etree._Element) -> None:
        self.fallback = fallback
        self.sources: dict[etree._Element, etree._Element] = {}

    def record(self, source: etree._Element, generated: etree._Element) -> etree._Element:
        generated.sourceline = source.sourceline
        self.sources[generated] = source
        return generated

    def source(self, element: etree._Element) -> etree._Element | None:
        for node in (element, *element.iterancestors()):
            if node in self.sources:
                return self.sources[node]
        return None

    def locate(self, element: etree._Element) -> str:
        """`file, line N, <element>` in the rule set for an element of the generated
        stylesheet."""
        source = self.source(element)
        if source is None:
            return f"{shown(self.fallback.base)} (generated stylesheet)"
        return describe(source)


class LineMap:
    """The stylesheet as text for Saxon, and which element each line of that text holds.

    A generated stylesheet is serialised one element per line (`pretty`); a precompiled one
    keeps its own text nodes, since whitespace can be significant there.
    """

    def __init__(self, stylesheet: etree._Element, pretty: bool = True) -> None:
        self.stylesheet = stylesheet
        self.text = str(etree.tostring(stylesheet, encoding="unicode", pretty_print=pretty))

    @functools.cached_property
    def elements(self) -> dict[int, list[etree._Element]]:
        """Line -> the elements that start on it; worked out only when there is an error to
        name."""
        found: dict[int, list[etree._Element]] = {}
        reparsed = etree.fromstring(self.text)
        for original, copy in zip(self.stylesheet.iter(), reparsed.iter(), strict=True):
            if isinstance(copy.tag, str) and copy.sourceline is not None:
                found.setdefault(copy.sourceline, []).append(original)
        return found

    def element(self, line: int, column: int | None = None) -> etree._Element | None:
        """The element Saxon names by line and column: the column ends its start tag, which
        tells apart elements that share a line (a precompiled stylesheet's own layout)."""
        for candidate in range(line, 0, -1):
            if candidate in self.elements:
                on_line = self.elements[candidate]
                if candidate == line and column is not None and len(on_line) > 1:
                    return self._at_column(on_line, line, column)
                return on_line[0]
        return None

    def _at_column(self, on_line: list[etree._Element], line: int, column: int) -> etree._Element:
        text = self.text.splitlines()[line - 1]
        ends = [m.end() for m in _TAGS.finditer(text) if m.group("start")]
        if len(ends) != len(on_line):
            return on_line[0]
        chosen = on_line[0]
        for element, end in zip(on_line, ends, strict=True):
            if end < column:
                chosen = element
        return chosen


def saxon_errors(text: str, lines: LineMap, origins: Origins | None) -> str:
    """Saxon's report on the generated stylesheet, each error named by its rule set element."""
    found = []
    for match in _SAXON_ERROR.finditer(text):
        message = " ".join(match.group("message").split())
        column = match.group("column")
        element = lines.element(int(match.group("line")), int(column) if column else None)
        if element is None:
            where = "(generated stylesheet)"
        elif origins is not None:
            where = origins.locate(element)
        else:
            where = describe(element)
        what = match.group("what").strip()
        expression = re.match(r"in \{(.*)\} at char", what, re.DOTALL)
        detail = f" (in {expression.group(1)!r})" if expression else ""
        found.append(f"{where}: {message}{detail}")
    if not found:
        return " ".join(line.strip() for line in text.splitlines() if line.strip())[:2000]
    unique = list(dict.fromkeys(found))
    return "; ".join(unique)[:4000]
