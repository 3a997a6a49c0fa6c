"""JSON Schema steps: drafts 4, 6, 7, 2019-09 and 2020-12, chosen by `$schema`, never online.

The engine is jsonschema-rs, chosen by bench/bench_json.py: on 4,000 generated civil-registry
messages (1.3 KiB, 40 % invalid, formats asserted, parsing included, 2 cores) raw jsonschema-rs
0.60 validates ~90,000 messages/s and raw jsonschema 4.26 ~3,200: 28x. With jsonschema the
engine alone would cost several times nif's parsing, positions and report together; with
jsonschema-rs nif's strict parse runs at 0.95 of the raw rate, parse + step with positioned
findings at 0.33 and `validate()` end to end at 0.24. It also gives the instance path, the
keyword path through `$ref`s and the failing keyword that findings carry.

A schema's `$ref`s resolve only to parts of its `ArtefactSet`, by their URI or their `$id`:
the engine gets a registry of those parts and a retriever that refuses everything else, so an
unknown reference is a `ResolutionError` naming it, never a network request.
"""

from __future__ import annotations

import posixpath
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlparse

import jsonschema_rs

from nif.errors import CompileError, LimitError, ResolutionError
from nif.report import Finding, Location, Severity
from nif.validate._artefacts import Artefact, ArtefactSet, collect, local_fetcher
from nif.validate._json import locate, locate_all, parse_json, pointer
from nif.validate._step import Document, Step, StepOutcome

ENGINE = ("jsonschema-rs", version("jsonschema-rs"))

_DRAFTS: dict[str, tuple[str, type[jsonschema_rs.Validator], int]] = {
    "json-schema.org/draft-04/schema": ("4", jsonschema_rs.Draft4Validator, jsonschema_rs.Draft4),
    "json-schema.org/draft-06/schema": ("6", jsonschema_rs.Draft6Validator, jsonschema_rs.Draft6),
    "json-schema.org/draft-07/schema": ("7", jsonschema_rs.Draft7Validator, jsonschema_rs.Draft7),
    "json-schema.org/draft/2019-09/schema": (
        "2019-09",
        jsonschema_rs.Draft201909Validator,
        jsonschema_rs.Draft201909,
    ),
    "json-schema.org/draft/2020-12/schema": (
        "2020-12",
        jsonschema_rs.Draft202012Validator,
        jsonschema_rs.Draft202012,
    ),
}
DEFAULT_DRAFT = "json-schema.org/draft/2020-12/schema"
SUPPORTED = "drafts 4, 6, 7, 2019-09 and 2020-12"

_NOT_SCHEMAS = {"enum", "const", "examples", "default"}
"""Keywords whose values are data, where a "$ref" or "$id" key means nothing."""
_SCHEMA_MAPS = {
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
}
"""Keywords whose values map names to subschemas: a name there is not a keyword."""
_MAX_SCHEMA_BYTES = 64 * 1024 * 1024


def _draft_key(uri: str) -> str:
    return re.sub(r"^https?://", "", uri.strip()).rstrip("#")


def _schema_of(value: Any) -> str | None:
    meta = value.get("$schema") if isinstance(value, dict) else None
    return meta if isinstance(meta, str) else None


def _load(artefact: Artefact) -> tuple[Any, str]:
    """The parsed schema and its text; any parse finding (even a duplicate key) is fatal."""
    parsed = parse_json(artefact.content, max_bytes=_MAX_SCHEMA_BYTES)
    for finding in parsed.findings:
        where = finding.location
        at = f" line {where.line} column {where.column}" if where.line else ""
        raise CompileError(f"{artefact.uri}{at}: not a usable JSON Schema: {finding.message}")
    assert parsed.document is not None and parsed.document.json_text is not None
    return parsed.document.json, parsed.document.json_text


def _identifier(node: dict[str, Any], draft4: bool) -> str | None:
    ident = node.get("id" if draft4 else "$id")
    return ident if isinstance(ident, str) else None


def _walk(schema: Any, base: str, draft4: bool) -> Iterator[tuple[str, str | None, str | None]]:
    """(base URI, `$id` there or None, `$ref` there or None) for every subschema, no recursion."""
    stack = [(schema, base)]
    while stack:
        node, base = stack.pop()
        if isinstance(node, list):
            stack.extend((item, base) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        ident = _identifier(node, draft4)
        if ident is not None:
            base = urldefrag(urljoin(base, ident)).url
        ref = node.get("$ref")
        yield base, ident, ref if isinstance(ref, str) else None
        stack.extend((v, base) for k, v in node.items() if k not in _NOT_SCHEMAS)


def _mirror(target: str, canonical: str, uri: str) -> str:
    """`target` as a neighbour of `uri`, when it is a neighbour of the schema's own `$id`.

    A schema published as https://example.gov/a/main.json that refers to "b.json" means the
    b.json beside it; loaded from disk, that is the b.json beside the file.
    """
    t, c = urlparse(target), urlparse(canonical)
    if canonical == uri or (t.scheme, t.netloc) != (c.scheme, c.netloc):
        return target
    relative = posixpath.relpath(t.path or "/", posixpath.dirname(c.path) or "/")
    return urljoin(uri, relative)


def _canonical(uri: str, schema: Any) -> str:
    ident = _identifier(schema, _is_draft4(schema)) if isinstance(schema, dict) else None
    return urldefrag(urljoin(uri, ident)).url if ident else uri


def _is_draft4(schema: Any) -> bool:
    meta = _schema_of(schema)
    return meta is not None and _draft_key(meta) == "json-schema.org/draft-04/schema"


def json_references(artefact: Artefact) -> list[str]:
    """Absolute URIs of the other documents this schema's `$ref`s point to.

    Fragment-only references, references to resources the document defines itself and the
    bundled meta-schemas are left out.
    """
    schema, _ = _load(artefact)
    canonical = _canonical(artefact.uri, schema)
    found = list(_walk(schema, canonical, _is_draft4(schema)))
    internal = {canonical} | {base for base, ident, _ in found if ident is not None}
    references: list[str] = []
    for base, _, ref in found:
        if ref is None or ref.startswith("#"):
            continue
        target = urldefrag(urljoin(base, ref)).url
        if target in internal or _draft_key(target) in _DRAFTS:
            continue
        local = _mirror(target, canonical, artefact.uri)
        if local not in references:
            references.append(local)
    return references


def load_json_schema(path: str | Path) -> ArtefactSet:
    """A schema file and every local file its `$ref`s reach; other references are refused."""
    return collect(Artefact.from_path(path), json_references, local_fetcher)


def compile_json_schema(artefacts: ArtefactSet, *, format_assertions: bool) -> JsonSchemaStep:
    return JsonSchemaStep(artefacts, format_assertions=format_assertions)


def _resources(artefacts: ArtefactSet, schemas: Mapping[str, Any]) -> dict[str, Any]:
    """Every URI a `$ref` may use for a part: its location, its `$id`, its place beside the
    main schema's `$id`."""
    main_canonical = _canonical(artefacts.main, schemas[artefacts.main])
    resources: dict[str, Any] = {}
    for uri, schema in schemas.items():
        resources[uri] = schema
        resources.setdefault(_canonical(uri, schema), schema)
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

    def __init__(self, artefacts: ArtefactSet, *, format_assertions: bool) -> None:
        super().__init__(artefacts)
        self._name = self.name
        loaded = {uri: _load(part) for uri, part in artefacts.parts.items()}
        schemas = {uri: schema for uri, (schema, _) in loaded.items()}
        self._texts = {uri: text for uri, (_, text) in loaded.items()}
        resources = _resources(artefacts, schemas)
        main = schemas[artefacts.main]
        meta = _schema_of(main)
        key = _draft_key(meta) if meta is not None else DEFAULT_DRAFT
        if key not in _DRAFTS and (meta is None or urldefrag(meta).url not in resources):
            raise CompileError(
                f"{artefacts.main}: $schema {meta!r} is not supported: nif validates {SUPPORTED}"
            )
        chosen: tuple[str | None, type[jsonschema_rs.Validator] | None, int | None]
        chosen = _DRAFTS.get(key, (meta, None, None))
        self.draft, validator_class, draft = chosen
        refused: list[str] = []

        def retrieve(uri: str) -> Any:
            if urldefrag(uri).url in resources:
                return resources[urldefrag(uri).url]
            refused.append(uri)
            raise ResolutionError(f"{uri} is not part of the schema set")

        try:
            for uri, schema in schemas.items():
                if uri != artefacts.main:
                    self._check_part(uri, schema, meta if key in _DRAFTS else None)
            registry = jsonschema_rs.Registry(
                list(resources.items()), draft=draft, retriever=retrieve
            )
            build = validator_class or jsonschema_rs.validator_for
            self._validator = build(
                main,
                validate_formats=format_assertions,
                registry=registry,
                retriever=retrieve,
                base_uri=_canonical(artefacts.main, main),
            )
        except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
            raise self._compile_error(exc, refused) from None

    def _check_part(self, uri: str, schema: Any, meta: str | None) -> None:
        """Meta-validate a referenced part, in the main schema's draft unless it names its own."""
        if not isinstance(schema, dict):
            return
        if meta is not None and "$schema" not in schema:
            schema = {**schema, "$schema": meta}
        try:
            jsonschema_rs.meta.validate(schema)
        except jsonschema_rs.ValidationError as exc:
            exc.add_note(uri)
            raise

    def _compile_error(self, exc: Exception, refused: list[str]) -> Exception:
        main = self.artefacts.main
        if refused:
            return ResolutionError(
                f"{main}: $ref to {refused[0]!r} refused: it is not part of the schema set, and "
                "validation resolves only local files and registered schemas, never the network"
            )
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
        return CompileError(
            f"{uri}{at}: not a valid JSON Schema (draft {self.draft}) at {where or '/'}: {message}"
        )

    @property
    def engine(self) -> tuple[str, str]:
        return ENGINE

    def check(self, document: Document) -> StepOutcome:
        instance = document.json
        if self._validator.is_valid(instance):
            return StepOutcome([])
        errors = _errors(self._validator, instance)
        for error in errors:
            if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.BacktrackLimitExceeded):
                where = pointer(error.instance_path) or "/"
                raise LimitError(
                    f"the pattern at {pointer(error.evaluation_path)} hit the regular expression "
                    f"engine's backtracking limit on the value at {where}: the step cannot tell "
                    "whether the value matches, so it decides nothing (simplify the pattern)"
                )
        pointers = [pointer(error.instance_path) for error in errors]
        positions = locate_all(document.json_text or "", pointers)
        findings, name = [], self._name
        for error, where in zip(errors, pointers, strict=True):
            line, column = positions.get(where, (None, None))
            findings.append(
                Finding(
                    Severity.ERROR,
                    name,
                    _message(error, instance),
                    _keyword(error),
                    Location(line=line, column=column, pointer=where),
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
