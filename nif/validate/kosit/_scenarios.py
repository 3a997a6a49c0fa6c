"""The model of a KoSIT `scenarios.xml`: scenarios, their resources, levels and acceptance.

A configuration is read from its artefact set only; every resource location is resolved
against `scenarios.xml`, as the KoSIT validator resolves it against its repository folder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from urllib.parse import urljoin

from lxml import etree

from nif.errors import CompileError
from nif.validate._artefacts import ArtefactSet
from nif.validate._xml import parse_artefact

SCENARIOS_NS = "http://www.xoev.de/de/validator/framework/1/scenarios"
LEVELS = ("error", "warning", "information")


def s(name: str) -> str:
    return f"{{{SCENARIOS_NS}}}{name}"


@dataclasses.dataclass(frozen=True)
class Resource:
    """A file of the configuration: its display name and absolute URI."""

    name: str
    location: str
    element: etree._Element = dataclasses.field(compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One scenario: which messages it takes (`match`), how it checks and reports them."""

    name: str
    match: str
    namespaces: dict[str, str]
    schemas: tuple[Resource, ...]
    schematrons: tuple[Resource, ...]
    report: Resource
    custom_levels: Mapping[str, str]
    """Rule code -> `error`, `warning` or `information`."""
    accept_match: str | None
    element: etree._Element = dataclasses.field(compare=False, repr=False)
    """The `s:scenario` element as written, for the report input."""


@dataclasses.dataclass(frozen=True)
class KositConfiguration:
    """A whole configuration: its name, scenarios and the report made when none matches."""

    name: str
    uri: str
    framework_version: str
    scenarios: tuple[Scenario, ...]
    fallback: Resource | None

    def scenario(self, name: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.name == name:
                return scenario
        known = ", ".join(repr(s.name) for s in self.scenarios)
        raise CompileError(f"{self.uri}: no scenario named {name!r} (it has {known})")


def _where(uri: str, element: etree._Element) -> str:
    return f"{uri}, line {element.sourceline}" if element.sourceline else uri


def _text(uri: str, parent: etree._Element, name: str, *, required: bool = True) -> str | None:
    child = parent.find(s(name))
    text = " ".join((child.text or "").split()) if child is not None else ""
    if not text and required:
        raise CompileError(
            f"{_where(uri, parent)}: <{etree.QName(parent).localname}> needs a <{name}>"
        )
    return text or None


def _resource(uri: str, element: etree._Element) -> Resource:
    name = _text(uri, element, "name") or ""
    location = _text(uri, element, "location") or ""
    return Resource(name, urljoin(uri, location), element)


def _resources(uri: str, parent: etree._Element) -> tuple[Resource, ...]:
    found = tuple(_resource(uri, r) for r in parent.iterchildren(s("resource")))
    if not found:
        raise CompileError(
            f"{_where(uri, parent)}: <{etree.QName(parent).localname}> needs a <resource>"
        )
    return found


def _custom_levels(uri: str, scenario: etree._Element) -> dict[str, str]:
    """Every `customLevel`: below `createReport` (KoSIT 1.x) or a Schematron step."""
    levels: dict[str, str] = {}
    for element in scenario.iter(s("customLevel")):
        level = (element.get("level") or "").strip()
        if level not in LEVELS:
            raise CompileError(
                f"{_where(uri, element)}: customLevel level {level!r} is not one of "
                f"{', '.join(LEVELS)}"
            )
        for code in (element.text or "").split():
            levels[code] = level
    return levels


def _scenario(uri: str, element: etree._Element) -> Scenario:
    name = _text(uri, element, "name") or ""
    namespaces: dict[str, str] = {}
    for ns in element.iterchildren(s("namespace")):
        prefix = (ns.get("prefix") or "").strip()
        if not prefix:
            raise CompileError(f"{_where(uri, ns)}: <namespace> needs a prefix")
        namespaces[prefix] = (ns.text or "").strip()
    schema = element.find(s("validateWithXmlSchema"))
    report = element.find(s("createReport"))
    if schema is None or report is None:
        missing = "validateWithXmlSchema" if schema is None else "createReport"
        raise CompileError(f"{_where(uri, element)}: scenario {name!r} needs a <{missing}>")
    schemas = _resources(uri, schema)
    if len(schemas) > 1:
        raise CompileError(
            f"{_where(uri, schema)}: scenario {name!r} names {len(schemas)} XSD resources; nif "
            "runs one schema per scenario (import the others from it)"
        )
    return Scenario(
        name=name,
        match=_text(uri, element, "match") or "",
        namespaces=namespaces,
        schemas=schemas,
        schematrons=tuple(
            _resources(uri, v)[0] for v in element.iterchildren(s("validateWithSchematron"))
        ),
        report=_resources(uri, report)[0],
        custom_levels=_custom_levels(uri, element),
        accept_match=_text(uri, element, "acceptMatch", required=False),
        element=element,
    )


def parse_scenarios(uri: str, root: etree._Element) -> KositConfiguration:
    """The configuration from the parsed `scenarios.xml`, refusing what KoSIT would not run."""
    if root.tag != s("scenarios"):
        raise CompileError(
            f"{uri}: not a KoSIT configuration: the root must be <scenarios> in "
            f"{SCENARIOS_NS}, not {root.tag}"
        )
    scenarios = tuple(_scenario(uri, e) for e in root.iterchildren(s("scenario")))
    if not scenarios:
        raise CompileError(f"{uri}: the configuration has no <scenario>")
    names = [sc.name for sc in scenarios]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise CompileError(f"{uri}: scenario names must be unique: {', '.join(doubled)}")
    fallback = root.find(s("noScenarioReport"))
    return KositConfiguration(
        name=_text(uri, root, "name") or "",
        uri=uri,
        framework_version=root.get("frameworkVersion", ""),
        scenarios=scenarios,
        fallback=_resources(uri, fallback)[0] if fallback is not None else None,
    )


def read_scenarios(artefacts: ArtefactSet) -> KositConfiguration:
    """The configuration whose `scenarios.xml` is the set's main artefact."""
    return parse_scenarios(artefacts.main, parse_artefact(artefacts.root))


def locations(root: etree._Element) -> list[str]:
    """Every resource location a `scenarios.xml` names, as written."""
    return [
        text
        for location in root.iter(s("location"))
        if location.getparent() is not None
        and location.getparent().tag == s("resource")
        and (text := (location.text or "").strip())
    ]
