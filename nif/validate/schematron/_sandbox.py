"""What a rule set may do: compute findings from the message, and nothing else.

A rule set is code an agency writes and anyone can trigger, so every stylesheet nif compiles
(generated from a Schematron, or given precompiled) is checked first, element by element and
expression by expression, against allowlists:

- XSLT elements: the declarations and instructions that only compute. Not xsl:result-document
  (it writes files), nor xsl:document in XSLT 1.0 (libxslt writes it to a file; from 2.0, run
  by Saxon, it builds a document in memory), xsl:source-document, xsl:merge or xsl:stream (they
  read documents), xsl:evaluate (XPath built at run time escapes this check), xsl:include,
  xsl:import, xsl:import-schema or xsl:use-package (code from elsewhere); no extension
  instructions (`extension-element-prefixes`) and no shadow attributes (`_select`).
- Function calls and named function references (`f#1`) in every expression, pattern, attribute
  value template and text value template: the standard functions that only compute, every
  function of the math, map, array and xs namespaces, the EXSLT libraries but dyn, and the
  functions the stylesheet declares itself. Not environment-variable() or
  available-environment-variables() (the process environment), doc(), document(),
  collection(), unparsed-text() or json-doc() (documents outside the pinned rule set; Saxon's
  allowedProtocols closes them too), function-lookup(), load-xquery-module() or transform()
  (code chosen at run time); system-property() only for a standard `xsl:` property named by a
  string literal. Everything else (saxon:, java:, any other extension function) is refused.

Saxon is also configured so that xsl:result-document, extension functions, Java system
properties and the environment are closed even if something slipped through
(`_step.saxon_processor`), and validation workers run with a scrubbed environment
(`nif.validate._isolation`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from lxml import etree

from nif.errors import CompileError
from nif.validate.schematron._names import XSL
from nif.validate.schematron._origins import describe


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FN = "http://www.w3.org/2005/xpath-functions"
_XML = "http://www.w3.org/XML/1998/namespace"
_OPEN_NAMESPACES = frozenset(
    {
        f"{FN}/math",
        f"{FN}/map",
        f"{FN}/array",
        "http://www.w3.org/2001/XMLSchema",  # constructor functions: casts
        "http://exslt.org/math",
        "http://exslt.org/sets",
        "http://exslt.org/strings",
        "http://exslt.org/dates-and-times",
        "http://exslt.org/regular-expressions",
    }
)
"""Namespaces whose every function only computes."""

_EXSLT_COMMON = ("http://exslt.org/common", frozenset({"node-set", "object-type"}))

_FN_ALLOWED = words(
    """
    abs accumulator-after accumulator-before adjust-date-to-timezone adjust-dateTime-to-timezone
    adjust-time-to-timezone analyze-string apply avg base-uri boolean ceiling codepoint-equal
    codepoints-to-string collation-key compare concat contains contains-token copy-of count
    current current-date current-dateTime current-group current-grouping-key
    current-merge-group current-merge-key current-output-uri current-time data dateTime
    day-from-date day-from-dateTime days-from-duration deep-equal default-collation
    default-language distinct-values document-uri element-available element-with-id empty
    encode-for-uri ends-with error escape-html-uri exactly-one exists false filter floor
    fold-left fold-right for-each for-each-pair format-date format-dateTime format-integer
    format-number format-time function-arity function-available function-name generate-id
    has-children head hours-from-dateTime hours-from-duration hours-from-time id idref
    implicit-timezone in-scope-prefixes index-of innermost insert-before iri-to-uri
    json-to-xml key lang last local-name local-name-from-QName lower-case matches max min
    minutes-from-dateTime minutes-from-duration minutes-from-time month-from-date
    month-from-dateTime months-from-duration name namespace-uri namespace-uri-for-prefix
    namespace-uri-from-QName nilled node-name normalize-space normalize-unicode not number
    one-or-more outermost parse-ietf-date parse-json path position prefix-from-QName QName
    random-number-generator regex-group remove replace resolve-QName resolve-uri reverse root
    round round-half-to-even seconds-from-dateTime seconds-from-duration seconds-from-time
    serialize snapshot sort starts-with string string-join string-length string-to-codepoints
    subsequence substring substring-after substring-before sum system-property tail
    timezone-from-date timezone-from-dateTime timezone-from-time tokenize trace translate true
    type-available unordered unparsed-entity-public-id unparsed-entity-uri upper-case
    xml-to-json year-from-date year-from-dateTime years-from-duration zero-or-one
    """
)
"""The standard (fn) functions a rule set may call: XPath 3.1 and XSLT 3.0 minus those below."""

_FN_REFUSED = {
    "environment-variable": "it reads the process environment",
    "available-environment-variables": "it reads the process environment",
    "static-base-uri": "it tells where the server keeps its files",
    "parse-xml": "its DTD could pull in files from outside the rule set",
    "parse-xml-fragment": "its DTD could pull in files from outside the rule set",
    "function-lookup": "it picks the function to call at run time, which this check cannot see",
    "load-xquery-module": "it loads code from outside the rule set",
    "transform": "it runs another stylesheet",
}
_READS = "it reads documents outside the pinned rule set"
for _name in words(
    "doc doc-available document collection uri-collection unparsed-text unparsed-text-lines "
    "unparsed-text-available json-doc stream-available"
):
    _FN_REFUSED[_name] = _READS

_SYSTEM_PROPERTIES = words(
    """
    version vendor vendor-url product-name product-version is-schema-aware
    supports-serialization supports-backwards-compatibility supports-namespace-axis
    supports-streaming supports-dynamic-evaluation supports-higher-order-functions
    xpath-version xsd-version
    """
)
"""The properties XSLT defines (in the xsl namespace); others can be Java system properties."""

_PROCESSOR_NAMESPACES = (
    "http://www.w3.org/",
    "http://saxon.sf.net/",
    "http://saxonica.com/",
    "http://www.saxonica.com/",
    "http://icl.com/saxon",
    "http://exslt.org/",
    "http://xmlsoft.org/",
    "http://xml.apache.org/",
    "java:",
    "clitype:",
)
"""A rule set may not declare functions here: a processor's own would answer the call."""

_TOP_LEVEL = words(
    """
    accumulator attribute-set character-map decimal-format function global-context-item key
    mode namespace-alias output param preserve-space strip-space template variable
    """
)
_INSTRUCTIONS = words(
    """
    accumulator-rule analyze-string apply-imports apply-templates assert attribute break
    call-template catch choose comment context-item copy copy-of document element fallback
    for-each for-each-group fork if iterate map map-entry matching-substring message namespace
    next-iteration next-match non-matching-substring number on-completion on-empty
    on-non-empty otherwise output-character param perform-sort processing-instruction sequence
    sort text try value-of variable when where-populated with-param
    """
)
_ROOT = frozenset({"stylesheet", "transform"})
_XSL_REFUSED = {
    "result-document": "it writes files",
    "document": "libxslt writes it to a file",
    "source-document": _READS,
    "stream": _READS,
    "merge": _READS,
    "merge-source": _READS,
    "evaluate": "it evaluates XPath built at run time, which this check cannot see",
    "include": "a precompiled stylesheet must be one self-contained file",
    "import": "a precompiled stylesheet must be one self-contained file",
    "import-schema": "it loads a schema from outside the rule set",
    "use-package": "it loads code from outside the rule set",
}

_EXPRESSIONS = words(
    """
    select test use value group-by group-adjacent group-starting-with group-ending-with match
    count from initial-value key use-when
    """
)
"""Attributes of XSLT elements that hold an expression or a pattern; the others are checked as
attribute value templates (plain names and tokens hold no expression either way)."""

_RESERVED = words(
    """
    array attribute comment document-node element empty-sequence function if item map
    namespace-node node processing-instruction schema-attribute schema-element switch text
    typeswitch
    and or div idiv mod eq ne lt le gt ge is to union intersect except return satisfies then
    else in of as instance treat cast castable case default for let some every
    """
)
"""Unprefixed names that may stand before `(` without being a function call: kind tests and
keywords (XPath reserves the first; fn has no function named like the operators)."""

_NAME = r"[^\W\d][\w.\-]*"
_TOKEN = re.compile(
    rf"""(?P<string>"(?:[^"]|"")*"|'(?:[^']|'')*')
    |(?P<comment>\(:)
    |(?P<eqname>Q\{{(?P<uri>[^{{}}]*)\}}(?P<local>{_NAME}))
    |(?P<name>{_NAME}(?::{_NAME})?)
    |(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    |(?P<space>\s+)
    |(?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)

Locate = Callable[[etree._Element], str]


def check_stylesheet(root: etree._Element, locate: Locate = describe) -> None:
    """Raise `CompileError` (where, and what is not allowed) unless the stylesheet only computes."""
    if root.tag not in (f"{{{XSL}}}stylesheet", f"{{{XSL}}}transform"):
        raise CompileError(f"{locate(root)}: the root is {root.tag}, not xsl:stylesheet")
    declared = _declared_functions(root, locate)
    saxon = not root.get("version", "1.0").strip().startswith("1")
    _Checker(declared, locate, saxon).node(root, _expands(root, False), _ROOT)


def _declared_functions(root: etree._Element, locate: Locate) -> frozenset[tuple[str, str]]:
    declared = set()
    for function in root.iter(f"{{{XSL}}}function"):
        name = _resolve(function.get("name") or "", function, default=None)
        if name is None or any(name[0].startswith(ns) for ns in _PROCESSOR_NAMESPACES):
            raise CompileError(
                f"{locate(function)}: xsl:function {function.get('name')!r} needs a name in a "
                "namespace of the rule set's own (not a W3C, EXSLT or processor namespace)"
            )
        declared.add(name)
    return frozenset(declared)


def _resolve(qname: str, element: etree._Element, default: str | None) -> tuple[str, str] | None:
    """(namespace, local name) of a QName or EQName in scope of `element`; None if unbound."""
    if qname.startswith("Q{"):
        uri, _, local = qname[2:].partition("}")
        return uri, local
    prefix, _, local = qname.rpartition(":")
    if not prefix:
        return (default, local) if default is not None else None
    uri = element.nsmap.get(prefix)
    return (uri, local) if uri is not None else None


def _expands(element: etree._Element, inherited: bool) -> bool:
    """Whether text in `element` is a text value template (XSLT 3.0 expand-text)."""
    is_xsl = isinstance(element.tag, str) and element.tag.startswith(f"{{{XSL}}}")
    value = element.get("expand-text" if is_xsl else f"{{{XSL}}}expand-text")
    if value is None:
        return inherited
    return value.strip() in ("yes", "true", "1")


class _Checker:
    def __init__(
        self, declared: frozenset[tuple[str, str]], locate: Locate, saxon: bool = False
    ) -> None:
        self.declared = declared
        self.locate = locate
        self.saxon = saxon  # XSLT 2.0 and later: xsl:document builds a document in memory

    def refuse(self, element: etree._Element, what: str) -> CompileError:
        return CompileError(f"{self.locate(element)}: {what}")

    def node(self, element: etree._Element, expand: bool, allowed: frozenset[str]) -> None:
        """Check `element`, whose XSLT name must be in `allowed`, and its content."""
        is_xsl = element.tag.startswith(f"{{{XSL}}}")
        prefixes = element.get(("" if is_xsl else f"{{{XSL}}}") + "extension-element-prefixes")
        if prefixes and prefixes.strip():
            raise self.refuse(
                element, "extension instructions (extension-element-prefixes) are not allowed"
            )
        if is_xsl:
            local = etree.QName(element).localname
            if local in _XSL_REFUSED and not (local == "document" and self.saxon):
                raise self.refuse(
                    element, f"xsl:{local} is not allowed in a rule set ({_XSL_REFUSED[local]})"
                )
            if local not in allowed:
                raise self.refuse(element, f"xsl:{local} is not an XSLT element a rule set may use")
        for name, value in element.attrib.items():
            self.attribute(element, name, value, is_xsl)
        inside = _TOP_LEVEL if allowed is _ROOT else _INSTRUCTIONS
        if expand and element.text:
            self.template(element.text, element)
        for child in element:
            if expand and child.tail:
                self.template(child.tail, element)
            if isinstance(child.tag, str):
                self.node(child, _expands(child, expand), inside)

    def attribute(self, element: etree._Element, name: str, value: str, is_xsl: bool) -> None:
        if is_xsl and name.startswith("_"):
            raise self.refuse(element, f"shadow attribute {name} is not allowed in a rule set")
        if "default-function-namespace" in name:
            raise self.refuse(element, f"{name} is not allowed in a rule set")
        if is_xsl and name.startswith("{") and not name.startswith(f"{{{_XML}}}"):
            raise self.refuse(element, f"extension attribute {name} is not allowed in a rule set")
        local = name if is_xsl else name.removeprefix(f"{{{XSL}}}")
        if (is_xsl or local != name) and local in _EXPRESSIONS:
            self.expression(value, element)
        else:
            self.template(value, element)

    def template(self, text: str, element: etree._Element) -> None:
        for expression in _enclosed(text):
            self.expression(expression, element)

    def expression(self, text: str, element: etree._Element) -> None:
        for name, arguments in _calls(text, self.refuse, element):
            self.call(name, arguments, element)

    def call(self, qname: str, arguments: str | None, element: etree._Element) -> None:
        resolved = _resolve(qname, element, default=FN)
        if resolved is None:
            raise self.refuse(element, f"{qname}(): the prefix is not declared")
        uri, local = resolved
        shown = f"{qname}()" if arguments is not None else qname
        if resolved in self.declared or uri in _OPEN_NAMESPACES:
            return
        if uri == _EXSLT_COMMON[0] and local in _EXSLT_COMMON[1]:
            return
        if uri == FN:
            if local in _FN_REFUSED:
                raise self.refuse(
                    element, f"{shown} is not allowed in a rule set ({_FN_REFUSED[local]})"
                )
            if local == "system-property":
                self.system_property(arguments, element)
            if local in _FN_ALLOWED:
                return
            raise self.refuse(element, f"{shown} is not a standard function a rule set may call")
        raise self.refuse(
            element,
            f"{shown} is not allowed in a rule set (an extension function in {uri!r}; a rule "
            "set may call standard functions and the ones it declares)",
        )

    def system_property(self, arguments: str | None, element: etree._Element) -> None:
        literal = re.fullmatch(r"\s*(\"[^\"]*\"|'[^']*')\s*", arguments or "")
        name = _resolve(literal.group(1)[1:-1].strip(), element, None) if literal else None
        if name is None or name[0] != XSL or name[1] not in _SYSTEM_PROPERTIES:
            raise self.refuse(
                element,
                "system-property() may only read a standard xsl: property (such as "
                "'xsl:version') named by a string literal",
            )


def _enclosed(text: str) -> Iterator[str]:
    """The expressions of an attribute or text value template (`{{` and `}}` are literal)."""
    index = 0
    while index < len(text):
        if text.startswith("{{", index) or text.startswith("}}", index):
            index += 2
        elif text[index] == "{":
            end = _closing_brace(text, index + 1)
            yield text[index + 1 : end]
            index = end + 1
        else:
            index += 1


def _closing_brace(text: str, start: int) -> int:
    """Where the expression that starts at `start` ends: the first `}` outside string literals,
    comments and nested braces (map constructors, function bodies); the end if there is none."""
    depth = 0
    for token in _tokens(text, start):
        if token.group() == "{":
            depth += 1
        elif token.group() == "}":
            if depth == 0:
                return token.start()
            depth -= 1
    return len(text)


def _comment_end(text: str, start: int) -> int:
    """The index after the (nested) XPath comment opening at `start`."""
    depth, index = 0, start
    while index < len(text):
        if text.startswith("(:", index):
            depth, index = depth + 1, index + 2
        elif text.startswith(":)", index):
            depth, index = depth - 1, index + 2
            if depth == 0:
                return index
        else:
            index += 1
    return len(text)


def _tokens(text: str, start: int = 0) -> Iterator[re.Match[str]]:
    """The significant tokens of an expression from `start` (comments and spaces dropped)."""
    index = start
    while index < len(text):
        match = _TOKEN.match(text, index)
        assert match is not None  # `other` matches any character
        if match.lastgroup == "comment":
            index = _comment_end(text, index)
            continue
        if match.lastgroup != "space":
            yield match
        index = match.end()


def _calls(
    text: str, refuse: Callable[[etree._Element, str], CompileError], element: etree._Element
) -> Iterator[tuple[str, str | None]]:
    """(name, argument text) for every static function call, (name, None) for every named
    function reference (`name#2`) in an expression."""
    tokens = list(_tokens(text))
    for index, token in enumerate(tokens):
        kind, value = token.lastgroup, token.group()
        if kind == "other" and value in "`\"'":
            what = "an XPath 4.0 string template" if value == "`" else "an unterminated string"
            raise refuse(element, f"{value} ({what}) is not allowed in a rule set: {text!r}")
        if kind not in ("name", "eqname") or (index and tokens[index - 1].group() == "$"):
            continue
        following = tokens[index + 1].group() if index + 1 < len(tokens) else ""
        if following == "#" and index + 2 < len(tokens) and tokens[index + 2].lastgroup == "number":
            yield value, None
        elif following == "(" and (kind == "eqname" or value not in _RESERVED):
            yield value, _arguments(text, tokens, index + 1)


def _arguments(text: str, tokens: list[re.Match[str]], open_index: int) -> str:
    """The text between the `(` at tokens[open_index] and its matching `)`."""
    depth = 0
    for token in tokens[open_index:]:
        if token.group() == "(":
            depth += 1
        elif token.group() == ")":
            depth -= 1
            if depth == 0:
                return text[tokens[open_index].end() : token.start()]
    return text[tokens[open_index].end() :]
