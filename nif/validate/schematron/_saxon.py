"""Stylesheets on Saxon: the process's one processor, and stylesheets whose errors, at compile
time and at run time, name the rule file, line and element they come from.

saxonche hands a dynamic error to Python as its message alone (no code, no line), and prints the
rest to stderr, naming the stylesheet's base URI: for a stylesheet compiled from text, the
working directory. So a stylesheet is compiled from a node whose base URI is its own file's,
and a guard template wraps the transformation in `xsl:try`: a dynamic error becomes a result
naming its code, line and message (not an error Saxon would print again), which `transform`
turns into a `RuntimeError` naming the rule set element at that line (`_origins`). That result
is text only, so nothing that reads the stylesheet's output (SVRL, a KoSIT report) could take
it for its own even if it bypassed `transform`.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING
from xml.sax.saxutils import unescape

from lxml import etree

from nif.errors import CompileError
from nif.validate.schematron._names import XSL
from nif.validate.schematron._origins import LineMap, Origins, describe, saxon_errors, shown

if TYPE_CHECKING:
    from saxonche import PySaxonProcessor, PyXdmNode, PyXsltExecutable

_saxon_lock = threading.Lock()
_saxon: PySaxonProcessor | None = None

_ERRORS = "http://www.w3.org/2005/xqt-errors"
_OWN_ERRORS = "urn:x-nif:schematron"
"""nif's own errors raised inside generated stylesheets already say where (`_documents`)."""
_FAILED = "urn:x-nif:runtime-error"
"""Starts the guard's result: only text, which every output method writes, and which no
reader of SVRL or a KoSIT report could take for theirs."""
_FAILURE = re.compile(
    rf"{_FAILED} (?P<line>\d+) (?P<column>\d+) Q\{{(?P<namespace>[^}}]*)\}}(?P<code>\S*)\n"
    r"(?P<message>.*)",
    re.DOTALL,
)
_GUARD = rf"""<xsl:template xmlns:xsl="{XSL}" xmlns:err="{_ERRORS}" match="/"
  priority="1000000000" version="3.0"><xsl:try><xsl:next-match/><xsl:catch><xsl:value-of
  separator=" " select="'{_FAILED}', ($err:line-number, 0)[1], ($err:column-number, 0)[1],
  concat('Q{{', namespace-uri-from-QName($err:code), '}}', local-name-from-QName($err:code),
  '&#10;', replace($err:description, ' at line \d+ in \S+$', ''),
  if ($err:code eq QName('{_ERRORS}', 'XTMM9000'))
  then concat(': ', string-join($err:value ! string(), ' ')) else '')"/></xsl:catch></xsl:try>
</xsl:template>"""
"""Runs first on the document node in the stylesheet's default mode (the initial mode), and
hands over to the template that would have run (`xsl:next-match`). It drops where Saxon says
a terminating xsl:message was (a line of the text it compiled) and adds what it said."""


def saxon_processor() -> PySaxonProcessor:
    """The process's one Saxon processor, closed as far as Saxon allows, beneath the sandbox
    check: no URI scheme for stylesheets to read, and with external functions disallowed,
    xsl:result-document does not compile while environment-variable() and system-property()
    for Java properties answer nothing."""
    global _saxon
    with _saxon_lock:
        if _saxon is None:
            from saxonche import PySaxonProcessor

            processor = PySaxonProcessor(license=False)
            processor.set_configuration_property("http://saxon.sf.net/feature/allowedProtocols", "")
            processor.set_configuration_property(
                "http://saxon.sf.net/feature/allow-external-functions", "false"
            )
            _saxon = processor
        return _saxon


def _guarded(text: str) -> str:
    """The stylesheet text with the guard as its last declaration, on the line of the closing
    tag, so that every other element keeps its line."""
    end = text.rfind("</")
    return text if end < 0 else text[:end] + _GUARD + text[end:]


class SaxonStylesheet:
    """A stylesheet (checked by the sandbox) compiled on Saxon with `base` as its base URI.

    `origins` names the rule set element behind each element of a generated stylesheet, which
    is then serialised one element per line; a precompiled stylesheet keeps its text and its
    errors name its own file and line."""

    def __init__(
        self, stylesheet: etree._Element, base: str, origins: Origins | None = None
    ) -> None:
        processor = saxon_processor()
        self.base = base
        self.origins = origins
        self.lines = LineMap(stylesheet, pretty=origins is not None)
        builder = processor.new_document_builder()
        builder.set_base_uri(base)
        builder.set_line_numbering(True)
        try:
            node = builder.parse_xml(xml_text=_guarded(self.lines.text))
            self.executable: PyXsltExecutable = processor.new_xslt30_processor().compile_stylesheet(
                stylesheet_node=node
            )
        except Exception as exc:
            raise CompileError(saxon_errors(str(exc), self.lines, origins)) from None

    def transform(self, node: PyXdmNode) -> str:
        """The result of the stylesheet on `node`; a `RuntimeError` naming where the stylesheet
        failed when it does."""
        try:
            result: str | None = self.executable.transform_to_string(xdm_node=node)
        except Exception as exc:
            raise RuntimeError(_joined(str(exc))) from None
        if result is None:
            raise RuntimeError("Saxon returned no result")
        start = result.find(_FAILED, 0, 4096)
        if start >= 0:
            raise RuntimeError(self._failure(unescape(result[start:])))
        return result

    def _failure(self, text: str) -> str:
        """`rules.sch, line 5, <sch:assert test="...">: FOAR0001 Integer division by zero`."""
        failure = _FAILURE.match(text)
        if failure is None:
            return f"{shown(self.base)}: {_joined(text)[:500]}"
        namespace, code = failure["namespace"], failure["code"]
        message = _joined(failure["message"])
        if namespace == _OWN_ERRORS:
            return message
        code = code if namespace == _ERRORS else f"Q{{{namespace}}}{code}"
        line, column = int(failure["line"]), int(failure["column"])
        element = self.lines.element(line, column or None) if line else None
        if element is None:
            where = shown(self.base)
        elif self.origins is not None:
            where = self.origins.locate(element)
        else:
            where = describe(element)
        return f"{where}: {code} {message}"


def _joined(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())[:2000]
