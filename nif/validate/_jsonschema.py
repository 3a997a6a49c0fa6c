"""JSON Schema steps: drafts 4, 6, 7, 2019-09 and 2020-12, chosen by `$schema`, never online.

The engine is jsonschema-rs, chosen by bench/bench_json.py: on 4,000 generated civil-registry
messages (1.3 KiB, 40 % invalid, formats asserted, parsing included, 2 cores) raw jsonschema-rs
0.60 validates ~90,000 messages/s and raw jsonschema 4.26 ~3,200: 28x. With jsonschema the
engine alone would cost several times nif's parsing and report together. It also gives the
instance path, the keyword path through `$ref`s and the failing keyword that findings carry.
A finding's line and column are found only when read (`Location.pending`), by one walk of the
message for all of the step's findings.

A schema's `$ref`s resolve only to parts of its `ArtefactSet`, by their URI or their `$id`:
the engine gets a registry of those parts and a retriever that refuses everything else, so an
unknown reference is a `ResolutionError` naming it as written, never a network request. Which
draft applies and whether `format` asserts is `_json_drafts`' business; which documents form
the set is `_json_references`'.
"""

from __future__ import annotations

import posixpath
import sys
import threading
from collections.abc import Mapping
from importlib.metadata import version
from typing import Any
from urllib.parse import urldefrag, urljoin, urlparse

import jsonschema_rs

from nif.errors import CompileError, LimitError, ResolutionError
from nif.report import Finding, Location, Severity
from nif.validate._artefacts import ArtefactSet
from nif.validate._json import Positions, locate, pointer
from nif.validate._json_drafts import Dialect, dialect, draft_uri, schema_of
from nif.validate._json_references import canonical, explain, load_schema, shown
from nif.validate._step import Document, Step, StepOutcome

ENGINE = ("jsonschema-rs", version("jsonschema-rs"))

_SCHEMA_MAPS = {
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
}
"""Keywords whose values map names to subschemas: a name there is not a keyword."""


def compile_json_schema(
    artefacts: ArtefactSet, *, format_assertions: bool | None = None, draft: str | None = None
) -> JsonSchemaStep:
    """`format_assertions` None: as the schema's draft and meta-schema say; `draft`: the draft
    of a schema without `$schema` (default 2020-12)."""
    return JsonSchemaStep(artefacts, format_assertions=format_assertions, draft=draft)


def _resources(
    artefacts: ArtefactSet, schemas: Mapping[str, Any], draft: str | None
) -> dict[str, Any]:
    """Every URI a `$ref` may use for a part: its location, its `$id`, its place beside the
    main schema's `$id`."""
    main_canonical = canonical(artefacts.main, schemas[artefacts.main], draft)
    resources: dict[str, Any] = {}
    for uri, schema in schemas.items():
        resources[uri] = schema
        resources.setdefault(canonical(uri, schema, draft), schema)
        if main_canonical != artefacts.main:
            relative = posixpath.relpath(
                urlparse(uri).path, posixpath.dirname(urlparse(artefacts.main).path)
            )
            resources.setdefault(urljoin(main_canonical, relative), schema)
    return resources


class JsonSchemaStep(Step):
    """A compiled JSON Schema; jsonschema-rs validators are safe to share between threads."""

    kind = "json-schema"
    media = "json"

    def __init__(
        self,
        artefacts: ArtefactSet,
        *,
        format_assertions: bool | None = None,
        draft: str | None = None,
    ) -> None:
        super().__init__(artefacts)
        self._name = self.name
        loaded = {uri: load_schema(part) for uri, part in artefacts.parts.items()}
        self._schemas = {uri: schema for uri, (schema, _) in loaded.items()}
        self._texts = {uri: text for uri, (_, text) in loaded.items()}
        self._chosen = draft
        resources = _resources(artefacts, self._schemas, draft)
        main = self._schemas[artefacts.main]
        named = schema_of(main)
        self.dialect: Dialect = dialect(shown(artefacts.main), named, draft, resources)
        self.draft = self.dialect.draft.name
        self.format_assertions = (
            self.dialect.asserts_formats if format_assertions is None else format_assertions
        )
        meta = named or draft_uri(self.draft)
        refused: list[str] = []

        def retrieve(uri: str) -> Any:
            if urldefrag(uri).url in resources:
                return resources[urldefrag(uri).url]
            refused.append(uri)
            raise ResolutionError(f"{uri} is not part of the schema set")

        try:
            registry = jsonschema_rs.Registry(
                list(resources.items()), draft=self.dialect.draft.engine, retriever=retrieve
            )
            for uri, schema in self._schemas.items():
                if uri != artefacts.main or self.dialect.meta is not None:
                    self._check(uri, schema, meta, registry)
            self._validator = self.dialect.draft.validator(
                main,
                validate_formats=self.format_assertions,
                registry=registry,
                retriever=retrieve,
                base_uri=canonical(artefacts.main, main, draft),
            )
        except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
            raise self._compile_error(exc, refused) from None

    def _check(self, uri: str, schema: Any, meta: str, registry: jsonschema_rs.Registry) -> None:
        """Meta-validate a part (or a main schema with a custom meta-schema), in the main
        schema's dialect unless it names its own."""
        if not isinstance(schema, dict):
            return
        if "$schema" not in schema:
            schema = {**schema, "$schema": meta}
        try:
            jsonschema_rs.meta.validate(schema, registry=registry)
        except jsonschema_rs.ValidationError as exc:
            exc.add_note(uri)
            raise

    def _compile_error(self, exc: Exception, refused: list[str]) -> Exception:
        main = self.artefacts.main
        if refused:
            return ResolutionError(explain(self.artefacts, self._schemas, self._chosen, refused[0]))
        message = str(getattr(exc, "message", None) or exc).split("\n")[0]
        unresolved = "not present in a registry" in message
        if unresolved or isinstance(exc, jsonschema_rs.ReferencingError):
            return ResolutionError(f"{main}: {message}")
        if not isinstance(exc, jsonschema_rs.ValidationError):
            return CompileError(f"{main}: {message}")
        uri = next((n for n in getattr(exc, "__notes__", ()) if n in self._texts), main)
        where = pointer(exc.instance_path)
        position = locate(self._texts[uri], where)
        at = f" line {position[0]} column {position[1]}" if position else ""
        against = f"draft {self.draft}"
        if self.dialect.meta is not None and (uri == main or "$schema" not in self._schemas[uri]):
            against = f"meta-schema {self.dialect.meta}, draft {self.draft}"
        return CompileError(
            f"{uri}{at}: not a valid JSON Schema ({against}) at {where or '/'}: {message}"
        )

    @property
    def engine(self) -> tuple[str, str]:
        return ENGINE

    def check(self, document: Document) -> StepOutcome:
        instance = document.json
        errors = _errors(self._validator, instance)
        if not errors:
            return StepOutcome([])
        for error in errors:
            if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.BacktrackLimitExceeded):
                where = pointer(error.instance_path) or "/"
                raise LimitError(
                    f"the pattern at {pointer(error.evaluation_path)} hit the regular expression "
                    f"engine's backtracking limit on the value at {where}: the step cannot tell "
                    "whether the value matches, so it decides nothing (simplify the pattern)"
                )
        pointers = [pointer(error.instance_path) for error in errors]
        find = Positions(document.json_text or "", pointers)
        findings, name = [], self._name
        for error, where in zip(errors, pointers, strict=True):
            findings.append(
                Finding(
                    Severity.ERROR,
                    name,
                    _message(error, instance),
                    _keyword(error),
                    Location.pending(where, find),
                    schema_location=pointer(error.evaluation_path),
                )
            )
        return StepOutcome(findings)


_DIGITS_LOCK = threading.Lock()


def _errors(validator: jsonschema_rs.Validator, instance: Any) -> list[Any]:
    """The engine's errors. An error whose value holds an integer of more than 4,300 digits
    (a Decimal from the parse) cannot be handed back to Python under the interpreter's
    conversion limit, so that limit is lifted for the retry, process-wide and under a lock: the
    digits are bounded by the message size, and the service and CLI kill a step at its time
    limit."""
    try:
        return list(validator.iter_errors(instance))
    except ValueError:
        with _DIGITS_LOCK:
            previous = sys.get_int_max_str_digits()
            sys.set_int_max_str_digits(0)
            try:
                return list(validator.iter_errors(instance))
            finally:
                sys.set_int_max_str_digits(previous)


def _keyword(error: jsonschema_rs.ValidationError) -> str:
    """The keyword that failed: the last one on the schema path, or "false" for `false`."""
    path = error.schema_path
    if path and isinstance(path[-1], str) and (len(path) < 2 or path[-2] not in _SCHEMA_MAPS):
        return path[-1]
    name = error.kind.name
    return "false" if name == "falseSchema" else name


def _message(error: jsonschema_rs.ValidationError, instance: Any) -> str:
    """The engine's message, except where it names the wrong thing."""
    if error.kind.name == "falseSchema" and error.schema_path[-1:] == ["additionalProperties"]:
        target = instance
        for part in error.instance_path:
            target = target[part]
        if isinstance(target, dict):
            names = ", ".join(repr(name) for name in target)
            return f"Additional properties are not allowed ({names} unexpected)"
    return error.message
