"""The report model: a `Report` of `StepResult`s and `Finding`s, and its JSON form.

The dataclasses are the model; one pydantic `TypeAdapter` over them is their JSON form, both
ways (`to_dict`, `from_dict`, and the schema of the API's answers), so a field is declared once.
The JSON form is stable: see "Report format" in the documentation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import enum
import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, ClassVar, cast

import orjson
from pydantic import (
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ModelWrapValidatorHandler,
    PlainSerializer,
    TypeAdapter,
    computed_field,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from nif.report._on_read import FoundOnRead, HashedOnRead
from nif.version import __version__

REPORT_FORMAT_VERSION = "1"


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that `max()` gives the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3
    FATAL = 4

    def __str__(self) -> str:
        return _SEVERITY_NAMES[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Map Schematron flags/roles and user input ('warn', 'information', ...) to a severity."""
        key = text.strip().lower()
        aliases = {
            "fatal": cls.FATAL,
            "error": cls.ERROR,
            "err": cls.ERROR,
            "warning": cls.WARNING,
            "warn": cls.WARNING,
            "info": cls.INFO,
            "information": cls.INFO,
            "informational": cls.INFO,
            "note": cls.INFO,
        }
        if key not in aliases:
            raise ValueError(f"unknown severity {text!r} (use fatal, error, warning or info)")
        return aliases[key]

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """In JSON a severity is its name ("fatal"), read back with the aliases of `parse`."""
        return core_schema.no_info_plain_validator_function(
            cls._read,
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, return_schema=core_schema.str_schema()
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "enum": list(_WORST_FIRST)}

    @classmethod
    def _read(cls, value: object) -> Severity:
        if isinstance(value, Severity):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        raise ValueError(f"a severity is one of {', '.join(_WORST_FIRST)}, not {value!r}")


_SEVERITY_NAMES = {s: s.name.lower() for s in Severity}
"""Looked up, not computed: every finding of every report is written with its severity."""
_WORST_FIRST = tuple(_SEVERITY_NAMES[s] for s in sorted(Severity, reverse=True))


class Verdict(enum.StrEnum):
    """The outcome for the message: `error` when a step could not run, never `valid`."""

    VALID = "valid"
    INVALID = "invalid"
    ERROR = "error"


class StepStatus(enum.StrEnum):
    """What became of one step; `error` when it could not run, `skipped` when it was not run."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


def _unset(value: object) -> bool:
    return value is None


_OMIT_NONE = Field(exclude_if=_unset)
"""A field the JSON form leaves out when it is None."""

_Millis = Annotated[float, PlainSerializer(lambda millis: round(millis, 3))]


_last_stamp: tuple[int, str] = (0, "")


def utc_timestamp() -> str:
    """Now, in ISO 8601 UTC to the second (`2026-03-01T09:30:00Z`): when a report was made.
    Formatted once a second: every report asks, and formatting costs more than a small
    message's schema check."""
    global _last_stamp
    second = int(time.time())
    stamped, text = _last_stamp
    if stamped != second:
        text = datetime.datetime.fromtimestamp(second, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        _last_stamp = (second, text)
    return text


class _JsonOrder:
    """The JSON form writes its keys in `_json_order`, the published order, which is not that
    of the fields (those keep the order of the positional constructors) and puts computed
    fields among them. Declared in the schema, so that pydantic's own serializer writes that
    order: a serializer wrapped around it to reorder the keys cost more than all the rest."""

    _json_order: ClassVar[tuple[str, ...]]

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """The fields in `_json_order`; computed ones become fields read but never given."""
        schema = handler(source)
        dataclass = _dataclass(schema)
        arguments = cast(core_schema.DataclassArgsSchema, dataclass["schema"])
        fields = {field["name"]: field for field in arguments["fields"]}
        for computed in arguments.pop("computed_fields", []):  # read, never given
            name = computed["property_name"]
            fields[name] = core_schema.dataclass_field(
                name, computed["return_schema"], init=False, metadata=computed.get("metadata")
            )
        order = [*cls._json_order, *(name for name in fields if name not in cls._json_order)]
        arguments["fields"] = [fields[name] for name in order]
        dataclass["fields"] = order
        return schema

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Input to validate has no computed fields: they are never given, only read."""
        found = handler(schema)
        if handler.mode == "validation":
            described = handler.resolve_ref_schema(found)
            for field in _dataclass(schema)["schema"]["fields"]:
                if not field.get("init", True):
                    described["properties"].pop(field["name"])
                    described["required"].remove(field["name"])
        return found


def _dataclass(schema: Any) -> core_schema.DataclassSchema:
    """A dataclass's own schema, under its model validator if it has one."""
    while schema["type"] != "dataclass":
        schema = schema["schema"]
    found: core_schema.DataclassSchema = schema
    return found


@dataclasses.dataclass(frozen=True)
class Location:
    """Where a finding points: line/column in the message, and an XPath or a JSON Pointer.

    A `pending` location finds its line and column only when they are first read (as an
    attribute, in the JSON form, compared, pickled): finding them walks the message again, and
    many reports are only counted.
    """

    line: Annotated[int | None, _OMIT_NONE] = FoundOnRead()  # type: ignore[assignment]
    column: Annotated[int | None, _OMIT_NONE] = FoundOnRead()  # type: ignore[assignment]
    xpath: Annotated[str | None, _OMIT_NONE] = None
    pointer: Annotated[str | None, _OMIT_NONE] = None

    @classmethod
    def pending(
        cls, pointer: str, find: Callable[[str], tuple[int | None, int | None]]
    ) -> Location:
        """The location of `pointer`, whose (line, column) `find(pointer)` gives when needed."""
        location = cls.__new__(cls)
        object.__setattr__(location, "xpath", None)
        object.__setattr__(location, "pointer", pointer)
        object.__setattr__(location, "_find", find)
        return location

    def _settle(self) -> None:
        """Find a pending line and column. Set before `_find` goes, so that a thread reading
        meanwhile finds either them or `_find` (finding twice gives the same)."""
        find = self.__dict__.get("_find")
        if find is not None:
            line, column = find(self.__dict__["pointer"])
            object.__setattr__(self, "line", line)
            object.__setattr__(self, "column", column)
            self.__dict__.pop("_find", None)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled settled: `find` holds the whole message and need not cross processes."""
        self._settle()
        return dict(self.__dict__)


@dataclasses.dataclass(frozen=True)
class Finding(_JsonOrder):
    """One problem or remark about the message."""

    severity: Severity
    step: str
    message: str
    rule_id: str | None = None
    location: Location = Location()
    schema_location: Annotated[str | None, _OMIT_NONE] = None
    test: Annotated[str | None, _OMIT_NONE] = None

    _json_order = ("severity", "step", "rule_id", "message", "location", "schema_location", "test")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """A finding back from its JSON form."""
        return _FINDING.validate_python(data)


@dataclasses.dataclass(frozen=True)
class ArtefactRef:
    """An artefact a step used, identified by its content hash."""

    uri: str
    sha256: str


@dataclasses.dataclass
class StepResult(_JsonOrder):
    """What one step of a profile did: engine, artefacts, time, and why it could not run."""

    name: str
    kind: str
    engine: str
    engine_version: str
    status: StepStatus = StepStatus.PASSED
    artefacts: list[ArtefactRef] = dataclasses.field(default_factory=list)
    millis: _Millis = 0.0
    error: Annotated[str | None, _OMIT_NONE] = None
    phase: Annotated[str | None, _OMIT_NONE] = None
    svrl: Annotated[str | None, Field(exclude=True)] = None
    """The step's SVRL, for `render_svrl`; the JSON form leaves it out."""
    scenario: Annotated[str | None, _OMIT_NONE] = None
    """The KoSIT scenario the step ran (`kosit` steps)."""
    accepted: Annotated[bool | None, _OMIT_NONE] = None
    """Whether the KoSIT scenario accepts the message (`kosit` steps)."""
    kosit_report: Annotated[str | None, Field(exclude=True)] = None
    """The KoSIT report the configuration's XSLT wrote, for `render_kosit`; not in JSON."""
    findings_omitted: Annotated[int, Field(exclude_if=lambda count: not count)] = 0
    """Findings of this step left out of the report by the `max_findings_per_step` cap."""

    _json_order = (
        "name",
        "kind",
        "engine",
        "engine_version",
        "status",
        "artefacts",
        "millis",
        "phase",
        "scenario",
        "accepted",
        "error",
        "findings_omitted",
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepResult:
        """A step back from its JSON form (without its SVRL, which that leaves out)."""
        return _STEP.validate_python(data)


@dataclasses.dataclass
class Report(_JsonOrder):
    """The outcome of validating one message against one profile."""

    source: str
    sha256: str
    size: int
    media_type: str
    verdict: Verdict
    findings: list[Finding]
    steps: list[StepResult]
    profile: str | None = None
    context: dict[str, str] = dataclasses.field(default_factory=dict)
    omitted: Annotated[dict[str, int], Field(exclude=True)] = dataclasses.field(
        default_factory=dict
    )
    """Findings left out of `findings` by the per-step cap, by severity name; `counts` holds
    them, so the counts stay exact however many findings were kept."""
    created: Annotated[str | None, _OMIT_NONE] = dataclasses.field(default_factory=utc_timestamp)
    """When the report was made (ISO 8601 UTC, seconds); None for a report read back from JSON
    written before reports carried it."""
    nif_version: Annotated[str | None, _OMIT_NONE] = __version__
    """The nif that made the report; None for one read back from JSON that does not say."""

    _json_order = (
        "report_format",
        "created",
        "nif_version",
        "source",
        "sha256",
        "size",
        "media_type",
        "profile",
        "context",
        "verdict",
        "counts",
        "truncated",
        "steps",
        "findings",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def report_format(self) -> str:
        """The version of this JSON form."""
        return REPORT_FORMAT_VERSION

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        """Findings by severity name, worst first, those the cap left out included."""
        counts = dict.fromkeys(_WORST_FIRST, 0)
        for finding in self.findings:
            counts[_SEVERITY_NAMES[finding.severity]] += 1
        for name, count in self.omitted.items():
            counts[name] += count
        return counts

    @computed_field  # type: ignore[prop-decorator]
    @property
    def truncated(self) -> bool:
        """Whether some findings were left out (see each step's `findings_omitted`)."""
        return any(self.omitted.values())

    @model_validator(mode="wrap")
    @classmethod
    def _omitted_from_counts(cls, data: Any, handler: ModelWrapValidatorHandler[Report]) -> Report:
        """A truncated report's JSON has the exact counts: what its findings lack was omitted.
        An older report's JSON lacks `created` and `nif_version`: they stay unknown (None),
        not today's."""
        report = handler(data)
        if isinstance(data, Mapping):
            report.created = data.get("created")
            report.nif_version = data.get("nif_version")
        if isinstance(data, Mapping) and data.get("truncated"):
            kept = report.counts
            report.omitted = {
                name: int(count) - kept[name]
                for name, count in data.get("counts", {}).items()
                if name in kept and int(count) > kept[name]
            }
        return report

    def hash_on_read(self, digest: Callable[[], str]) -> Report:
        """This report, its `sha256` to be `digest()` when first read (as an attribute, in
        the JSON form, compared, pickled)."""
        self.__dict__.pop("sha256", None)
        self.__dict__["_digest"] = digest
        return self

    def __getstate__(self) -> dict[str, Any]:
        """Pickled hashed: `digest` holds the whole message and need not cross processes."""
        state = dict(self.__dict__)
        state["sha256"] = self.sha256
        state.pop("_digest", None)
        return state

    def drop_raw_outputs(self, keep_kosit_report: bool = False) -> None:
        """Forget each step's raw SVRL and KoSIT report (not part of the JSON form), so a report
        crossing a process boundary or kept for later carries only what it says;
        `keep_kosit_report` keeps the KoSIT report alone (a service asked for it)."""
        for step in self.steps:
            step.svrl = None
            if not keep_kosit_report:
                step.kosit_report = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as Python values."""
        data: dict[str, Any] = _REPORT.dump_python(self, mode="json")
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """A report back from `to_dict()`: how certification runs keep the reports behind
        their cases."""
        return _REPORT.validate_python(data)

    def findings_by_step(self) -> list[tuple[StepResult, list[Finding]]]:
        """Each step with its findings, in step order.

        A finding belongs to the first step whose name, or else whose kind, its `step` names;
        a finding naming no step gets a step of its own so that no renderer drops it.
        """
        groups: list[tuple[StepResult, list[Finding]]] = [(s, []) for s in self.steps]
        by_name: dict[str, list[Finding]] = {}
        by_kind: dict[str, list[Finding]] = {}
        for step, findings in groups:
            by_name.setdefault(step.name, findings)
            by_kind.setdefault(step.kind, findings)
        orphans: dict[str, list[Finding]] = {}
        for finding in self.findings:
            target = by_name.get(finding.step)
            if target is None:
                target = by_kind.get(finding.step)
            if target is None:
                target = orphans.setdefault(finding.step, [])
            target.append(finding)
        for name, findings in orphans.items():
            failed = any(f.severity >= Severity.ERROR for f in findings)
            status = StepStatus.FAILED if failed else StepStatus.PASSED
            groups.append((StepResult(name, name, "", "", status), findings))
        return groups


_FINDING = TypeAdapter(Finding)
_STEP = TypeAdapter(StepResult)
Report.sha256 = HashedOnRead()  # type: ignore[assignment]  # after @dataclass: no default

_REPORT = TypeAdapter(Report)


def render_json(reports: Report | Iterable[Report], indent: int | None = 2) -> str:
    """One report as an object, several as an array in the order given."""
    data = reports.to_dict() if isinstance(reports, Report) else [r.to_dict() for r in reports]
    return dump_json(data, indent)


def dump_json(data: Any, indent: int | None = 2) -> str:
    """`json.dumps(data, indent=indent, ensure_ascii=False)`; with indent 2 by orjson, 5x
    faster (Python's encoder runs in Python once it indents), unless orjson refuses the data
    (a lone surrogate, an integer over 64 bits). The same bytes but for a float that Python
    writes with an exponent (>= 1e16, < 1e-4: `1e+16` against `1e16`), which a report's only
    floats, milliseconds rounded to 3 places, never are."""
    if indent == 2:
        with contextlib.suppress(orjson.JSONEncodeError):
            return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    return json.dumps(data, indent=indent, ensure_ascii=False)
