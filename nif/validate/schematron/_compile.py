"""ISO Schematron to XSLT: one mode per active pattern, one template per rule.

The generated stylesheet writes SVRL. Each rule becomes a template whose priority follows the
rule's order, so the first rule of a pattern that matches a node wins, as ISO requires. Every
failed assert and successful report carries a canonical location (`/Q{ns}name[n]/...`), which
nif maps back to a line in the message. XSLT 2/3 stylesheets run on Saxon, XSLT 1.0 on libxslt.

The stylesheet declares the rule set's prefixes over those SchXslt and the ISO skeleton declare
implicitly (`IMPLICIT_NAMESPACES`), scopes lets as ISO Schematron does (`_lets`), runs patterns
with `documents` over the artefact set's documents (`_documents`) and walks the node kinds its
rule contexts can match (`_nodes`).

Of a rule set's own XSLT, only the declarations rules need are copied (`FOREIGN_DECLARATIONS`),
and the whole generated stylesheet goes through the sandbox check (`_sandbox`) before it is
returned, with errors pointing at the rule set's file and line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from lxml import etree

from nif.errors import CompileError
from nif.validate.schematron import _documents
from nif.validate.schematron._lets import PatternScope, lets, pattern_scopes
from nif.validate.schematron._names import (
    IMPLICIT_NAMESPACES,
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
from nif.validate.schematron._nodes import location_template, walk_for, write_location
from nif.validate.schematron._origins import Origins, describe
from nif.validate.schematron._sandbox import check_stylesheet

ALL = "#ALL"
DEFAULT = "#DEFAULT"
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
    origins: Origins | None = None
    """Which rule set element each generated element comes from, for Saxon's errors."""
    documents: bool = False
    """Whether a pattern reads the artefact set's documents (`_documents`)."""

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
            raise CompileError(f"{describe(ns)}: sch:ns needs both prefix and uri")
        if declared.get(prefix, uri) != uri:
            raise CompileError(
                f"{describe(ns)}: prefix {prefix!r} is bound to both "
                f"{declared[prefix]!r} and {uri!r}"
            )
        declared[prefix] = uri
    for element in schema.iter():
        if isinstance(element.tag, str):
            for prefix, uri in element.nsmap.items():
                if prefix and prefix not in ("xsl", "svrl"):
                    declared.setdefault(prefix, uri)
    return declared


def _stylesheet_namespaces(declared: dict[str, str]) -> dict[str, str]:
    """The rule set's prefixes over those SchXslt and the skeleton declare implicitly; xsl and
    svrl always mean what the generated stylesheet needs."""
    implicit = {p: u for p, u in IMPLICIT_NAMESPACES.items() if p not in declared}
    return {**implicit, **declared, "xsl": XSL, "svrl": SVRL}


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
        raise CompileError(
            f"{describe(schema)}: no phase {requested!r} in the schema (phases: {known}, #ALL)"
        )
    element = phases[requested]
    active = {a.get("pattern") for a in element.iter(sch("active"))}
    by_id = {p.get("id") for p in patterns}
    for reference in element.iter(sch("active")):
        if reference.get("pattern") not in by_id:
            raise CompileError(
                f"{describe(reference)}: phase {requested!r} activates an unknown pattern "
                f"(patterns: {', '.join(sorted(filter(None, by_id))) or 'none'})"
            )
    return requested, [p for p in patterns if p.get("id") in active], lets(element)


class _Writer:
    """Builds the stylesheet; one instance per compilation."""

    def __init__(self, schema: etree._Element, version: str, namespaces: dict[str, str]) -> None:
        self.schema = schema
        self.origins = Origins(schema)
        self.version = version
        self.namespaces = namespaces
        self.scopes: list[PatternScope] = []
        self.diagnostics = _by_id(schema, "diagnostics", "diagnostic")
        self.properties = _by_id(schema, "properties", "property")
        nsmap = _stylesheet_namespaces(namespaces)
        self.root = etree.Element(xsl("stylesheet"), nsmap=nsmap, version=version)
        prefixes = [p for p in nsmap if p not in ("xsl", "svrl")]
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
                        f"{describe(child)}: xsl:{local} is not allowed at the top of a rule set "
                        f"(allowed: {allowed})"
                    )
                self.root.append(self._copy(child))
        top = [*lets(self.schema), *phase_lets]
        self.scopes = pattern_scopes(top, patterns)
        if self.version != "1.0" and _documents.uses_documents(self.schema):
            etree.SubElement(
                self.root,
                xsl("param"),
                name=_documents.PARAMETER,
                select="()",
                **{"as": "document-node()*"},
            )
        for let in top:
            self._variable(self.root, let, let.get("name", ""))
        for scope in self.scopes:
            for name, let in scope.bindings:
                self._variable(self.root, let, name, scope)
        self._main_template(phase, patterns)
        for index, pattern in enumerate(patterns):
            self._pattern(index, pattern)
        if self.version == "1.0":
            location_template(self.root)
        return self.root

    def _variable(
        self,
        parent: etree._Element,
        let: etree._Element,
        name: str,
        scope: PatternScope | None = None,
    ) -> None:
        variable = self._from(let, etree.SubElement(parent, xsl("variable"), name=name))
        value = let.get("value")
        if value is not None:
            variable.set("select", scope.rename(value) if scope else value)
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
            self._activate(output, index, pattern)

    def _activate(self, output: etree._Element, index: int, pattern: etree._Element) -> None:
        """The pattern's svrl:active-pattern and the walk of its mode over the message, or over
        each of its `documents`."""
        documents = pattern.get("documents")
        parent = output
        select = "/"
        if documents is not None:
            parent = self._from(
                pattern,
                etree.SubElement(
                    output, xsl("for-each"), select=self.scopes[index].rename(documents)
                ),
            )
            etree.SubElement(
                parent, xsl("variable"), name="nif.uri", select=_documents.resolved_uri(pattern)
            )
            select = _documents.selection(pattern)
        active = etree.SubElement(parent, svrl("active-pattern"))
        for name in ("id", "name"):
            if pattern.get(name):
                active.set(name, _literal(pattern.get(name)))
        if documents is not None:
            etree.SubElement(active, xsl("attribute"), name="documents", select="$nif.uri")
        etree.SubElement(parent, xsl("apply-templates"), select=select, mode=f"M{index}")

    def _pattern(self, index: int, pattern: etree._Element) -> None:
        mode = f"M{index}"
        scope = self.scopes[index]
        rules = [r for r in pattern if isinstance(r.tag, str) and r.tag == sch("rule")]
        walk = walk_for([r.get("context") or "" for r in rules])
        for order, rule in enumerate(rules):
            context = rule.get("context")
            if not context:
                raise CompileError(f"{describe(rule)}: sch:rule needs a context")
            template = self._from(
                rule,
                etree.SubElement(
                    self.root,
                    xsl("template"),
                    match=scope.rename(context),
                    priority=str(len(rules) - order + 1000),
                    mode=mode,
                ),
            )
            self._rule_body(template, rule, pattern, scope)
            etree.SubElement(template, xsl("apply-templates"), select=walk, mode=mode)
        etree.SubElement(self.root, xsl("template"), match="text()", priority="-1", mode=mode)
        fallback = etree.SubElement(
            self.root, xsl("template"), match="/|@*|node()", priority="-2", mode=mode
        )
        etree.SubElement(fallback, xsl("apply-templates"), select=walk, mode=mode)

    def _rule_body(
        self,
        template: etree._Element,
        rule: etree._Element,
        pattern: etree._Element,
        scope: PatternScope,
    ) -> None:
        own = {let.get("name") for let in lets(rule)}
        for name, renamed in scope.renamed.items():
            if name not in own:
                etree.SubElement(template, xsl("variable"), name=name, select=f"${renamed}")
        for child in rule:
            if not isinstance(child.tag, str):
                continue
            if child.tag == sch("let"):
                self._variable(template, child, child.get("name", ""))
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
            raise CompileError(f"{describe(node)}: sch:{etree.QName(node).localname} needs a test")
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
        write_location(location, self.version)
        if node.get("see"):
            out.set("see", _literal(node.get("see")))
        for diagnostic_id, diagnostic in _referenced(
            node,
            "diagnostics",
            {**self.diagnostics, **_by_id(pattern, "diagnostics", "diagnostic")},
            "diagnostic",
        ):
            reference = etree.SubElement(
                out, svrl("diagnostic-reference"), diagnostic=_literal(diagnostic_id)
            )
            self._text(etree.SubElement(reference, svrl("text")), diagnostic)
        properties = {**self.properties, **_by_id(pattern, "properties", "property")}
        for property_id, prop in _referenced(node, "properties", properties, "property"):
            reference = etree.SubElement(
                out, svrl("property-reference"), property=_literal(property_id)
            )
            for name in ("role", "scheme"):
                if prop.get(name):
                    reference.set(name, _literal(prop.get(name)))
            self._text(etree.SubElement(reference, svrl("text")), prop)
        self._text(etree.SubElement(out, svrl("text")), node)

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

    def _from(self, source: etree._Element, generated: etree._Element) -> etree._Element:
        """Remember which rule set element `generated` comes from, for errors."""
        return self.origins.record(source, generated)

    def _copy(self, element: etree._Element) -> etree._Element:
        """A deep copy (with the namespaces in scope, without nif's xml:base bookkeeping) that
        keeps the original's lines."""
        clone = etree.fromstring(etree.tostring(element))
        for original, node in zip(element.iter(), clone.iter(), strict=True):
            node.sourceline = original.sourceline
            if isinstance(node.tag, str):
                node.attrib.pop("{http://www.w3.org/XML/1998/namespace}base", None)
                self._from(original, node)
        return clone


def _by_id(parent: etree._Element, group: str, item: str) -> dict[str, etree._Element]:
    """The diagnostics (or properties) of a schema, or those an abstract pattern's instance
    carries with its parameters filled in (`_expand`), by id."""
    return {
        element.get("id", ""): element
        for container in parent.iterchildren(sch(group))
        for element in container.iterchildren(sch(item))
    }


def _referenced(
    node: etree._Element, attribute: str, table: dict[str, etree._Element], what: str
) -> Iterator[tuple[str, etree._Element]]:
    """The (id, element) pairs `node`'s `attribute` names: an unknown id is a compile error,
    not an assertion that reports nothing."""
    for ident in (node.get(attribute) or "").split():
        element = table.get(ident)
        if element is None:
            raise CompileError(f"{describe(node)}: unknown {what} {ident!r}")
        yield ident, element


def _literal(value: str) -> str:
    """A value for an attribute of a literal result element, where braces would be evaluated."""
    return value.replace("{", "{{").replace("}", "}}")


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def generate(schema: etree._Element, phase: str | None) -> Compiled:
    """XSLT for a schema whose includes and abstract patterns/rules are already expanded."""
    if schema.tag != sch("schema"):
        raise CompileError(
            f"{describe(schema)}: the root element is {schema.tag}, not sch:schema ({SCH})"
        )
    try:
        version = xslt_version(schema.get("queryBinding", ""))
    except CompileError as exc:
        raise CompileError(f"{describe(schema)}: {exc}") from None
    namespaces = _namespaces(schema)
    chosen, patterns, phase_lets = _select_patterns(schema, phase)
    _documents.check_binding(patterns, version)
    writer = _Writer(schema, version, namespaces)
    root = writer.build(chosen, patterns, phase_lets)
    check_stylesheet(root, writer.origins.locate)
    uses = version != "1.0" and any(p.get("documents") is not None for p in patterns)
    return Compiled(root, version, chosen, namespaces, writer.origins, uses)
