"""ISO Schematron to XSLT: one mode per active pattern, one template per rule.

The generated stylesheet writes SVRL. Each rule becomes a template whose priority follows the
rule's order, so the first rule of a pattern that matches a node wins, as ISO requires. Every
failed assert and successful report carries a canonical location (`/Q{ns}name[n]/...`), which
nif maps back to a line in the message. XSLT 2/3 stylesheets run on Saxon, XSLT 1.0 on libxslt.

Of a rule set's own XSLT, only the declarations rules need are copied (`FOREIGN_DECLARATIONS`),
and the whole generated stylesheet goes through the sandbox check (`_sandbox`) before it is
returned, with errors pointing at the rule set's file and line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from lxml import etree

from nif.errors import CompileError
from nif.validate.schematron._names import (
    SCH,
    SVRL,
    XSL,
    XSLT1_BINDINGS,
    XSLT2_BINDINGS,
    XSLT3_BINDINGS,
    sch,
    svrl,
    xsl,
)
from nif.validate.schematron._sandbox import check_stylesheet, shown, where

ALL = "#ALL"
DEFAULT = "#DEFAULT"
_PATH_TEMPLATE = "nif-location"
FOREIGN_DECLARATIONS = ("function", "key", "variable", "param", "template", "decimal-format")
"""The XSLT declarations a Schematron rule set may carry at its top level (anything else, such as
xsl:output or xsl:import-schema, would change how nif runs the rules, not what they check)."""


@dataclasses.dataclass(frozen=True)
class Compiled:
    """The generated stylesheet and what is needed to run it and read its output."""

    xslt: etree._Element
    xslt_version: str
    phase: str
    namespaces: dict[str, str]

    @property
    def text(self) -> str:
        return str(etree.tostring(self.xslt, encoding="unicode", pretty_print=True))


def xslt_version(query_binding: str) -> str:
    binding = query_binding.strip().lower()
    if binding in XSLT1_BINDINGS:
        return "1.0"
    if binding in XSLT2_BINDINGS:
        return "2.0"
    if binding in XSLT3_BINDINGS:
        return "3.0"
    supported = sorted(XSLT1_BINDINGS | XSLT2_BINDINGS | XSLT3_BINDINGS - {""})
    raise CompileError(
        f"queryBinding {query_binding!r} is not supported (supported: {', '.join(supported)})"
    )


def _namespaces(schema: etree._Element) -> dict[str, str]:
    """sch:ns declarations, then prefixes declared on elements (rule sets rely on both)."""
    declared: dict[str, str] = {}
    for ns in schema.iter(sch("ns")):
        prefix, uri = ns.get("prefix"), ns.get("uri")
        if not prefix or uri is None:
            raise CompileError(f"line {ns.sourceline}: sch:ns needs both prefix and uri")
        if declared.get(prefix, uri) != uri:
            raise CompileError(
                f"line {ns.sourceline}: prefix {prefix!r} is bound to both "
                f"{declared[prefix]!r} and {uri!r}"
            )
        declared[prefix] = uri
    for element in schema.iter():
        if isinstance(element.tag, str):
            for prefix, uri in element.nsmap.items():
                if prefix and prefix not in ("xsl", "svrl"):
                    declared.setdefault(prefix, uri)
    return declared


def _select_patterns(
    schema: etree._Element, phase: str | None
) -> tuple[str, list[etree._Element], list[etree._Element]]:
    """(phase name, active patterns in order, phase-level lets)."""
    patterns = [p for p in schema if isinstance(p.tag, str) and p.tag == sch("pattern")]
    requested = phase or DEFAULT
    if requested == DEFAULT:
        requested = schema.get("defaultPhase") or ALL
    if requested == ALL:
        return ALL, patterns, []
    phases = {p.get("id"): p for p in schema.iter(sch("phase"))}
    if requested not in phases:
        known = ", ".join(sorted(filter(None, phases))) or "none"
        raise CompileError(f"no phase {requested!r} in the schema (phases: {known}, #ALL)")
    element = phases[requested]
    active = {a.get("pattern") for a in element.iter(sch("active"))}
    by_id = {p.get("id") for p in patterns}
    unknown = sorted(active - by_id)
    if unknown:
        raise CompileError(f"phase {requested!r} activates unknown pattern(s) {', '.join(unknown)}")
    return requested, [p for p in patterns if p.get("id") in active], list(element.iter(sch("let")))


class _Writer:
    """Builds the stylesheet; one instance per compilation."""

    def __init__(self, schema: etree._Element, version: str, namespaces: dict[str, str]) -> None:
        self.schema = schema
        self.origins: dict[etree._Element, etree._Element] = {}
        self.version = version
        self.namespaces = namespaces
        self.diagnostics = {d.get("id"): d for d in schema.iter(sch("diagnostic"))}
        self.properties = {p.get("id"): p for p in schema.iter(sch("property"))}
        nsmap = {"xsl": XSL, "svrl": SVRL, **namespaces}
        self.root = etree.Element(xsl("stylesheet"), nsmap=nsmap, version=version)
        prefixes = [p for p in namespaces if p not in ("xsl", "svrl")]
        self.root.set(
            "exclude-result-prefixes", "#all" if version != "1.0" else " ".join(prefixes) or "xsl"
        )
        etree.SubElement(self.root, xsl("output"), method="xml", indent="no", encoding="UTF-8")

    def build(
        self, phase: str, patterns: list[etree._Element], phase_lets: list[etree._Element]
    ) -> etree._Element:
        for child in self.schema:
            if isinstance(child.tag, str) and child.tag.startswith(f"{{{XSL}}}"):
                local = etree.QName(child).localname
                if local not in FOREIGN_DECLARATIONS:
                    allowed = ", ".join(f"xsl:{name}" for name in FOREIGN_DECLARATIONS)
                    raise CompileError(
                        f"{where(child)}: xsl:{local} is not allowed at the top of a rule set "
                        f"(allowed: {allowed})"
                    )
                self.root.append(self._copy(child))
        for let in [*self._lets(self.schema), *phase_lets]:
            self._variable(self.root, let)
        for pattern in patterns:
            for let in self._lets(pattern):
                self._variable(self.root, let)
        self._main_template(phase, patterns)
        for index, pattern in enumerate(patterns):
            self._pattern(index, pattern)
        if self.version == "1.0":
            self._location_template()
        return self.root

    @staticmethod
    def _lets(element: etree._Element) -> list[etree._Element]:
        return [c for c in element if isinstance(c.tag, str) and c.tag == sch("let")]

    def _variable(self, parent: etree._Element, let: etree._Element) -> None:
        name = let.get("name")
        if not name:
            raise CompileError(f"line {let.sourceline}: sch:let needs a name")
        variable = self._from(let, etree.SubElement(parent, xsl("variable"), name=name))
        if let.get("value") is not None:
            variable.set("select", let.get("value"))
        else:
            for child in let:
                variable.append(self._copy(child))
            variable.text = let.text

    def _main_template(self, phase: str, patterns: list[etree._Element]) -> None:
        template = etree.SubElement(self.root, xsl("template"), match="/")
        output = etree.SubElement(template, svrl("schematron-output"), phase=_literal(phase))
        title = self.schema.find(sch("title"))
        if title is not None:
            output.set("title", _literal(_text(title)))
        if self.schema.get("schemaVersion"):
            output.set("schemaVersion", _literal(self.schema.get("schemaVersion")))
        for prefix, uri in self.namespaces.items():
            etree.SubElement(
                output, svrl("ns-prefix-in-attribute-values"), prefix=prefix, uri=_literal(uri)
            )
        for index, pattern in enumerate(patterns):
            active = etree.SubElement(output, svrl("active-pattern"))
            for name in ("id", "name"):
                if pattern.get(name):
                    active.set(name, _literal(pattern.get(name)))
            etree.SubElement(output, xsl("apply-templates"), select="/", mode=f"M{index}")

    def _pattern(self, index: int, pattern: etree._Element) -> None:
        mode = f"M{index}"
        rules = [r for r in pattern if isinstance(r.tag, str) and r.tag == sch("rule")]
        attributes = any(
            "@" in (r.get("context") or "") or "attribute::" in (r.get("context") or "")
            for r in rules
        )
        walk = "@*|*" if attributes else "*"
        for order, rule in enumerate(rules):
            context = rule.get("context")
            if not context:
                raise CompileError(
                    f"line {rule.sourceline}: rule in pattern {pattern.get('id')!r} has no context"
                )
            template = self._from(
                rule,
                etree.SubElement(
                    self.root,
                    xsl("template"),
                    match=context,
                    priority=str(len(rules) - order + 1000),
                    mode=mode,
                ),
            )
            self._rule_body(template, rule, pattern)
            etree.SubElement(template, xsl("apply-templates"), select=walk, mode=mode)
        etree.SubElement(self.root, xsl("template"), match="text()", priority="-1", mode=mode)
        fallback = etree.SubElement(
            self.root, xsl("template"), match="@*|node()", priority="-2", mode=mode
        )
        etree.SubElement(fallback, xsl("apply-templates"), select=walk, mode=mode)

    def _rule_body(
        self, template: etree._Element, rule: etree._Element, pattern: etree._Element
    ) -> None:
        for child in rule:
            if not isinstance(child.tag, str):
                continue
            if child.tag == sch("let"):
                self._variable(template, child)
            elif child.tag in (sch("assert"), sch("report")):
                self._assertion(template, child, rule, pattern)
            elif child.tag.startswith(f"{{{XSL}}}"):
                template.append(self._copy(child))

    def _assertion(
        self,
        parent: etree._Element,
        node: etree._Element,
        rule: etree._Element,
        pattern: etree._Element,
    ) -> None:
        test = node.get("test")
        if test is None:
            raise CompileError(
                f"line {node.sourceline}: sch:{etree.QName(node).localname} needs a test"
            )
        is_assert = node.tag == sch("assert")
        condition = self._from(
            node,
            etree.SubElement(parent, xsl("if"), test=f"not({test})" if is_assert else test),
        )
        out = etree.SubElement(
            condition,
            svrl("failed-assert" if is_assert else "successful-report"),
            test=_literal(test),
        )
        if node.get("id"):
            out.set("id", _literal(node.get("id")))
        for name in ("flag", "role"):
            inherited = node.get(name) or rule.get(name)
            if inherited:
                out.set(name, _literal(inherited))
        location = etree.SubElement(out, xsl("attribute"), name="location")
        self._location(location)
        if node.get("see"):
            out.set("see", _literal(node.get("see")))
        for diagnostic_id, diagnostic in _referenced(
            node, "diagnostics", self.diagnostics, "diagnostic"
        ):
            reference = etree.SubElement(
                out, svrl("diagnostic-reference"), diagnostic=_literal(diagnostic_id)
            )
            self._text(etree.SubElement(reference, svrl("text")), diagnostic)
        for property_id, prop in _referenced(node, "properties", self.properties, "property"):
            reference = etree.SubElement(
                out, svrl("property-reference"), property=_literal(property_id)
            )
            for name in ("role", "scheme"):
                if prop.get(name):
                    reference.set(name, _literal(prop.get(name)))
            self._text(etree.SubElement(reference, svrl("text")), prop)
        self._text(etree.SubElement(out, svrl("text")), node)

    def _location(self, parent: etree._Element) -> None:
        if self.version == "1.0":
            etree.SubElement(parent, xsl("call-template"), name=_PATH_TEMPLATE)
        else:
            etree.SubElement(parent, xsl("value-of"), select="path()")

    def _text(self, target: etree._Element, source: etree._Element) -> None:
        """Copy mixed message content, turning sch:value-of and sch:name into xsl:value-of."""

        def add_text(text: str | None) -> None:
            if not text:
                return
            literal = etree.SubElement(target, xsl("text"))
            literal.text = text

        add_text(source.text)
        for child in source:
            if isinstance(child.tag, str):
                if child.tag == sch("value-of"):
                    select = child.get("select", ".")
                    self._from(child, etree.SubElement(target, xsl("value-of"), select=select))
                elif child.tag == sch("name"):
                    path = child.get("path")
                    select = f"name({path})" if path else "name()"
                    self._from(child, etree.SubElement(target, xsl("value-of"), select=select))
                elif child.tag in (sch("emph"), sch("dir"), sch("span")):
                    self._text(target, child)
                elif child.tag.startswith(f"{{{XSL}}}"):
                    target.append(self._copy(child))
            add_text(child.tail)

    def _location_template(self) -> None:
        template = etree.SubElement(self.root, xsl("template"), name=_PATH_TEMPLATE)
        steps = etree.SubElement(template, xsl("for-each"), select="ancestor-or-self::*")
        for select in (
            "concat('/Q{', namespace-uri(), '}', local-name(), '[')",
            "count(preceding-sibling::*[local-name() = local-name(current()) and "
            "namespace-uri() = namespace-uri(current())]) + 1",
            "']'",
        ):
            etree.SubElement(steps, xsl("value-of"), select=select)
        attribute = etree.SubElement(template, xsl("if"), test="count(. | ../@*) = count(../@*)")
        etree.SubElement(
            attribute,
            xsl("value-of"),
            select="concat('/@Q{', namespace-uri(), '}', local-name())",
        )

    def _from(self, source: etree._Element, generated: etree._Element) -> etree._Element:
        """Remember which rule set element `generated` comes from, for the sandbox's errors."""
        generated.sourceline = source.sourceline
        self.origins[generated] = source
        return generated

    def _copy(self, element: etree._Element) -> etree._Element:
        """A deep copy (with the namespaces in scope, without nif's xml:base bookkeeping) that
        keeps the original's lines."""
        clone = etree.fromstring(etree.tostring(element))
        for original, node in zip(element.iter(), clone.iter(), strict=True):
            node.sourceline = original.sourceline
            if isinstance(node.tag, str):
                node.attrib.pop("{http://www.w3.org/XML/1998/namespace}base", None)
        return self._from(element, clone)

    def locate(self, element: etree._Element) -> str:
        """`file line N` in the rule set for an element of the generated stylesheet."""
        line = element.sourceline
        for node in (element, *element.iterancestors()):
            line = line or node.sourceline
            if node in self.origins:
                return f"{shown(self.origins[node].base)} line {line or '?'}"
        return f"{shown(self.schema.base)} (generated stylesheet)"


def _referenced(
    node: etree._Element, attribute: str, table: dict[str, etree._Element], what: str
) -> Iterator[tuple[str, etree._Element]]:
    """The (id, element) pairs `node`'s `attribute` names: an unknown id is a compile error,
    not an assertion that reports nothing."""
    for ident in (node.get(attribute) or "").split():
        element = table.get(ident)
        if element is None:
            raise CompileError(f"line {node.sourceline}: unknown {what} {ident!r}")
        yield ident, element


def _literal(value: str) -> str:
    """A value for an attribute of a literal result element, where braces would be evaluated."""
    return value.replace("{", "{{").replace("}", "}}")


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def generate(schema: etree._Element, phase: str | None) -> Compiled:
    """XSLT for a schema whose includes and abstract patterns/rules are already expanded."""
    if schema.tag != sch("schema"):
        raise CompileError(f"the root element is {schema.tag}, not sch:schema ({SCH})")
    version = xslt_version(schema.get("queryBinding", ""))
    namespaces = _namespaces(schema)
    chosen, patterns, phase_lets = _select_patterns(schema, phase)
    writer = _Writer(schema, version, namespaces)
    root = writer.build(chosen, patterns, phase_lets)
    check_stylesheet(root, writer.locate)
    return Compiled(root, version, chosen, namespaces)
