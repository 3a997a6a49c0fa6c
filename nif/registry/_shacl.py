"""SHACL checks of records: the NIF application profile (shapes/) over record + vocabularies.

pyshacl's `ont_graph` can hang on SKOS vocabularies, so the vocabularies and the registry context
a record points to are merged into the data graph, and only the record's own nodes are focus
nodes: a record is judged, never its neighbours.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyshacl
from pyshacl import shape as pyshacl_shape
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from pyshacl.pytypes import SHACLExecutor
from pyshacl.validator import Validator
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from nif.errors import InputError
from nif.registry._namespaces import RDF, SH
from nif.resources import data_folder
from nif.settings import Settings

_SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclasses.dataclass(frozen=True, order=True)
class ShaclResult:
    """One validation result, in terms an agency can act on."""

    severity: str
    focus: str
    path: str
    message: str
    value: str = ""
    source_shape: str = ""
    constraint: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes two runs' results the same finding, whatever their blank node labels."""
        return (self.focus, self.path, self.constraint, self.message)

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    def text(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: <{self.focus}>{where}: {self.message}{value}"


@dataclasses.dataclass
class ShaclReport:
    """The outcome of a SHACL check: the results and the `sh:ValidationReport` graph."""

    conforms: bool
    results: list[ShaclResult]
    graph: Graph
    checked: int = 0
    """Records checked by the shapes in this run (a registry check counts them)."""
    reused: int = 0
    """Records whose results the incremental check took from the last check."""

    @property
    def violations(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == "violation"]

    @property
    def warnings(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == "warning"]

    def text(self) -> str:
        if not self.results:
            return "conforms: no violations, no warnings"
        head = (
            f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
            if not self.conforms
            else f"conforms, with {len(self.warnings)} warning(s)"
        )
        return "\n".join([head, *(r.text() for r in sorted(self.results))])

    def turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    @classmethod
    def merge(cls, reports: Iterable[ShaclReport]) -> ShaclReport:
        graph = Graph()
        results: list[ShaclResult] = []
        conforms = True
        checked = reused = 0
        for report in reports:
            conforms = conforms and report.conforms
            results.extend(report.results)
            graph += report.graph
            checked += report.checked
            reused += report.reused
        return cls(conforms, sorted(set(results)), graph, checked, reused)


def _read_turtle_files(files: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(f"{path}: cannot read shapes or vocabulary: {exc}") from None
    return graph


def _packaged(folder: str) -> list[Path]:
    root = data_folder(folder)
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".ttl"))


@functools.cache
def _profile(extra: tuple[Path, ...]) -> tuple[Graph, Graph]:
    shapes = _read_turtle_files([*_packaged("shapes"), *extra])
    vocabularies = _read_turtle_files(_packaged("vocabularies"))
    return shapes, vocabularies


def profile_graphs(settings: Settings) -> tuple[Graph, Graph]:
    """(shapes, vocabularies) for these settings; read once per process."""
    return _profile(tuple(settings.registry.extra_shape_files()))


def check(
    data: Graph,
    focus: Sequence[Node],
    settings: Settings,
) -> ShaclReport:
    """Check the `focus` nodes of `data` (records plus their context) against the shapes."""
    graph = with_vocabularies(settings)
    graph += data
    return check_in_place(graph, focus, settings)


def with_vocabularies(settings: Settings) -> Graph:
    """A new data graph holding the vocabularies, for `check_in_place`."""
    graph = Graph()
    graph += profile_graphs(settings)[1]
    return graph


def check_in_place(graph: Graph, focus: Sequence[Node], settings: Settings) -> ShaclReport:
    """`check`, on a graph of the caller's (from `with_vocabularies`, with the records and their
    context added) that pyshacl may change: no copy of the data, which a registry check of
    thousands of records paid for each chunk."""
    shapes = profile_graphs(settings)[0]
    nodes: list[str | URIRef] = [n for n in dict.fromkeys(focus) if isinstance(n, URIRef)]
    if not nodes:
        return ShaclReport(True, [], Graph())
    _tune_pyshacl()
    conforms, report, text = pyshacl.validate(
        graph,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        focus_nodes=nodes,
        inplace=True,
    )
    if not isinstance(report, Graph):
        raise InputError(f"the shapes could not be applied: {str(text).strip()[:500]}")
    return ShaclReport(bool(conforms), report_results(report), report)


@functools.lru_cache(maxsize=1024)
def _prepared(query: str) -> Query:
    return prepareQuery(query)


@functools.cache
def _tune_pyshacl() -> None:
    """Take out of pyshacl the work it repeats for every focus node, results unchanged.

    Measured on 1,000 generated interfaces, most of a record's check was pyshacl redoing per
    focus node what depends only on the shape: parsing each SPARQL constraint's text (rdflib
    accepts the prepared query instead), the regular expressions that vet and pre-bind it,
    and looking nodes up in lists (of focus nodes, of constraint parameters) one by one.
    """
    original_query = SPARQLBasedConstraint._validate_sparql_query

    def validate_prepared(
        self: SPARQLBasedConstraint, query: object, init_binds: object, target: object
    ) -> object:
        if isinstance(query, str):
            query = _prepared(query)
        return original_query(self, query, init_binds, target)

    SPARQLBasedConstraint._validate_sparql_query = validate_prepared  # type: ignore[method-assign]

    original_bind = SPARQLQueryHelper.pre_bind_variables

    def pre_bind_once(
        self: SPARQLQueryHelper,
        thisnode: Node,
        valuenode: Node | None = None,
        extravars: Sequence[str] | None = None,
    ) -> tuple[dict[str, Node], str]:
        """The query text and which variables are bound depend on the constraint alone."""
        memo: dict[object, tuple[dict[str, Node], str]] = self.__dict__.setdefault("_nif_bound", {})
        key = (bool(valuenode), tuple(extravars or ()))
        if key not in memo:
            memo[key] = original_bind(self, thisnode, valuenode, extravars)
        bound, text = memo[key]
        nodes = {"this": thisnode} if valuenode is None else {"this": thisnode, "value": valuenode}
        return {name: nodes.get(name, node) for name, node in bound.items()}, text

    SPARQLQueryHelper.pre_bind_variables = pre_bind_once  # type: ignore[method-assign]

    original_executor = Validator.make_executor

    def executor_with_focus_set(self: Validator) -> SHACLExecutor:
        executor = original_executor(self)
        if executor.focus_nodes:
            executor.focus_nodes = _Indexed(executor.focus_nodes)
        return executor

    Validator.make_executor = executor_with_focus_set  # type: ignore[method-assign]
    # every shape looks each of its predicates up in this list (read from here once set)
    pyshacl_shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        _Indexed(ALL_CONSTRAINT_PARAMETERS),
        CONSTRAINT_PARAMETERS_MAP,
    )


class _Indexed(list[URIRef]):
    """A list pyshacl searches with `in` (its focus nodes, its constraint parameters), with
    `in` answered by a set; its copies keep the set."""

    def __init__(self, nodes: Iterable[URIRef] = ()) -> None:
        super().__init__(nodes)
        self._set = set(self)

    def __contains__(self, node: object) -> bool:
        return node in self._set

    def copy(self) -> _Indexed:
        return _Indexed(self)

    def append(self, node: URIRef) -> None:
        super().append(node)
        self._set.add(node)


def report_results(report: Graph) -> list[ShaclResult]:
    """The results of a `sh:ValidationReport` graph (a fresh one, or a record's cached part)."""
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(node, SH.resultSeverity)
        known = _SEVERITIES.get(severity) if isinstance(severity, URIRef) else None
        messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
        results.append(
            ShaclResult(
                severity=known or str(severity),
                focus=_text(report.value(node, SH.focusNode)),
                path=_text(report.value(node, SH.resultPath), blank="(complex path)"),
                message="; ".join(messages),
                value=_text(report.value(node, SH.value), blank=""),
                source_shape=_text(report.value(node, SH.sourceShape)),
                constraint=_text(report.value(node, SH.sourceConstraintComponent)),
            )
        )
    return sorted(results)


def _text(node: Node | None, blank: str = "") -> str:
    """A term as text; blank nodes (labels differ between runs) as `blank`."""
    if isinstance(node, URIRef | Literal):
        return str(node)
    return blank
