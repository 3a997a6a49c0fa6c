"""Candidate instances for JSON Schema counterexamples, checked by the real engine.

A witness is only ever returned after jsonschema_rs has said OLD accepts it and NEW rejects
it, so the generators here may be naive: they propose values near every bound both schemas
name, and the engine decides.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

import jsonschema_rs

from nif.compat._deadline import expired
from nif.compat._samples import pattern_strings

if TYPE_CHECKING:
    from nif.validate import ArtefactSet

_VALIDATORS: dict[str, Callable[..., Any]] = {
    "4": jsonschema_rs.Draft4Validator,
    "6": jsonschema_rs.Draft6Validator,
    "7": jsonschema_rs.Draft7Validator,
    "2019-09": jsonschema_rs.Draft201909Validator,
    "2020-12": jsonschema_rs.Draft202012Validator,
}
_MAX_CANDIDATES = 2000
_STRINGS = [
    "", "a", "A", "0", "aaaa", "2020-01-01", "2020-01-01T00:00:00Z", "x@example.org",
    "https://example.org/", "123e4567-e89b-12d3-a456-426614174000", "192.0.2.1",
]  # fmt: skip


_RULES: ContextVar[tuple[str, bool | None]] = ContextVar("_RULES", default=("2020-12", None))
"""The draft and format setting the current witness search judges by, so that the candidates
are chosen as the engine will judge them (a `format` asserted in draft 4 but not in 2020-12)."""


def asserts_formats(draft: str, formats: bool | None) -> bool:
    """Whether `format` asserts: FORMATS if given, else as the draft says (as nif validates)."""
    return draft not in ("2019-09", "2020-12") if formats is None else formats


def engine(schema: Any, draft: str, formats: bool | None = None) -> Any:
    """A real validator for SCHEMA under DRAFT (raises ValueError for an unknown draft)."""
    cls = _VALIDATORS.get(draft)
    if cls is None:
        raise ValueError(f"unknown JSON Schema draft {draft!r}")
    return cls(schema, validate_formats=asserts_formats(draft, formats), retriever=_refuse)


def _refuse(uri: str) -> Any:
    """No schema is fetched: a reference outside the document makes compiling fail."""
    raise ValueError(f"{uri} is not part of the schema")


class _SetEngine:
    """nif's own JSON Schema step over a schema set, so a witness is judged exactly as nif
    validates: `$ref`s to other parts resolve by URI or `$id`, nothing else is fetched."""

    def __init__(self, artefacts: ArtefactSet, draft: str, formats: bool | None) -> None:
        from nif.settings import Settings
        from nif.validate import JSON_SCHEMA, StepSpec, compile_step

        settings = Settings() if formats is None else Settings(json_format_assertions=formats)
        spec = StepSpec(JSON_SCHEMA, artefacts, json_draft=draft)
        self._step = compile_step(spec, settings)

    def is_valid(self, value: Any) -> bool | None:
        """Whether the step accepts VALUE; None when it cannot tell (a limit, a value nif's
        parser flags), which never makes a witness."""
        from nif.errors import LimitError
        from nif.validate import parse_json

        parsed = parse_json(json.dumps(value).encode(), max_bytes=1 << 24)
        if parsed.document is None or parsed.findings:
            return None
        try:
            return not self._step.check(parsed.document).findings
        except LimitError:
            return None


def _judge(schema: Any, artefacts: ArtefactSet | None, draft: str, formats: bool | None) -> Any:
    """A validator for SCHEMA alone, or for its schema set when one is given."""
    if artefacts is None:
        return engine(schema, draft, formats)
    return _SetEngine(artefacts, draft, formats)


def find_witness(
    old: Any,
    new: Any,
    draft: str,
    formats: bool | None = None,
    old_set: ArtefactSet | None = None,
    new_set: ArtefactSet | None = None,
) -> tuple[Any] | None:
    """`(value,)` with a value OLD accepts and NEW rejects, checked with jsonschema_rs (through
    nif's own step when a schema set is given, its main document being OLD or NEW).

    None when no candidate qualifies (the 1-tuple keeps JSON `null` apart from "none found").
    """
    try:
        v_old = _judge(old, old_set, draft, formats)
        v_new = _judge(new, new_set, draft, formats)
    except Exception:  # an invalid schema or reference: no witness can be checked
        return None
    if old_set is not None:
        old = _inlined(old, old_set)
    if new_set is not None:
        new = _inlined(new, new_set)
    seen: set[str] = set()
    token = _RULES.set((draft, formats))
    try:
        for count, value in enumerate(_candidates(old, new, old, new)):
            if count >= _MAX_CANDIDATES or (count % 64 == 0 and expired()):
                break
            key = json.dumps(value, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            if v_old.is_valid(value) is True and v_new.is_valid(value) is False:
                return (value,)
    finally:
        _RULES.reset(token)
    return None


def set_documents(artefacts: ArtefactSet) -> tuple[str, dict[str, Any]]:
    """(base URI of the main schema, every parsed part by its URI and its root `$id`)."""
    documents: dict[str, Any] = {}
    for uri, part in artefacts.parts.items():
        try:
            documents[uri] = json.loads(part.content)
        except ValueError:
            continue
        ident = documents[uri].get("$id") if isinstance(documents[uri], dict) else None
        if isinstance(ident, str):
            documents.setdefault(urldefrag(urljoin(uri, ident)).url, documents[uri])
    main = documents.get(artefacts.main)
    ident = main.get("$id") if isinstance(main, dict) else None
    base = urljoin(artefacts.main, ident) if isinstance(ident, str) else artefacts.main
    return base, documents


def external_target(ref: str, base: str, documents: dict[str, Any], dialect: Any) -> Any:
    """The target of a `$ref` into another document, or None: only a target with no
    references and no `$id` of its own, in a document of the same `$schema` (DIALECT), so
    that it means the same wherever it is copied."""
    uri, fragment = urldefrag(urljoin(base, ref))
    document = documents.get(uri)
    if fragment and not fragment.startswith("/"):
        return None  # an anchor, not a JSON Pointer
    if not isinstance(document, dict) or document.get("$schema") != dialect:
        return None
    target = _resolve(document, {"$ref": f"#{fragment}"})
    if isinstance(target, dict) and "$ref" in target and target is not document:
        return None  # the pointer did not resolve
    if any(refs(target)) or _has_id(target):
        return None
    return target


def _has_id(schema: Any) -> bool:
    if isinstance(schema, list):
        return any(_has_id(s) for s in schema)
    if isinstance(schema, dict):
        return any(
            (k in ("$id", "id") and isinstance(v, str)) or _has_id(v) for k, v in schema.items()
        )
    return False


def _inlined(schema: Any, artefacts: ArtefactSet) -> Any:
    """SCHEMA with each `$ref` into another document of the set replaced by its target where
    `external_target` allows: candidates only (the engine judges), so a reference left as it
    is only makes the candidates poorer."""
    base, documents = set_documents(artefacts)
    dialect = schema.get("$schema") if isinstance(schema, dict) else None

    def walk(node: Any, depth: int) -> Any:
        if depth > 60:
            return node
        if isinstance(node, list):
            return [walk(item, depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            target = external_target(ref, base, documents, dialect)
            if target is not None:
                rest = {k: walk(v, depth + 1) for k, v in node.items() if k != "$ref"}
                return {"allOf": [target, rest]} if rest else target
        return {k: walk(v, depth + 1) for k, v in node.items()}

    return walk(schema, 0)


def _resolve(root: Any, schema: Any, depth: int = 0) -> Any:
    """Follow a local `$ref` (best effort: candidates only, never a verdict)."""
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and depth < 20:
        ref = schema["$ref"]
        if not ref.startswith("#"):
            return schema
        target: Any = root
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                return schema
        schema, depth = target, depth + 1
    return schema


def _numbers(*schemas: Any) -> list[float | int]:
    out: list[float | int] = [0, 1, -1, 0.5, 10**6]
    for s in schemas:
        if not isinstance(s, dict):
            continue
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
            b = s.get(key)
            if isinstance(b, (int, float)) and not isinstance(b, bool):
                out += [b, b - 1, b + 1, b + 0.5, b - 0.5]
    return out


def _strings(*schemas: Any) -> list[str]:
    out = list(_STRINGS)
    for s in schemas:
        if not isinstance(s, dict):
            continue
        matches = (
            pattern_strings(s["pattern"], limit=6) if isinstance(s.get("pattern"), str) else []
        )
        if matches:
            match = matches[0]
            out += matches
            bounds = [b for k in ("minLength", "maxLength") if isinstance(b := s.get(k), int)]
            out += [(match * (b + 1))[:b] for b in bounds if 0 < b < 10_000]
        for key in ("minLength", "maxLength"):
            n = s.get(key)
            if isinstance(n, int) and not isinstance(n, bool) and n < 10_000:
                out += ["a" * max(n - 1, 0), "a" * n, "a" * (n + 1)]
    return out


def _enums(*schemas: Any) -> list[Any]:
    """Enumerated values, and the schema authors' own examples and defaults."""
    out: list[Any] = []
    for s in schemas:
        if isinstance(s, dict):
            if isinstance(s.get("examples"), list):
                out += s["examples"]
            if "default" in s:
                out.append(s["default"])
            if "const" in s:
                out.append(s["const"])
            if isinstance(s.get("enum"), list):
                out += s["enum"]
    return out


def _branches(s: Any, keys: tuple[str, ...] = ("anyOf", "oneOf")) -> list[Any]:
    if not isinstance(s, dict):
        return []
    out: list[Any] = []
    for key in keys:
        if isinstance(s.get(key), list):
            out += s[key]
    return out


def _candidates(o: Any, n: Any, root_o: Any, root_n: Any, depth: int = 0) -> Iterator[Any]:
    """Values near the bounds of O (a sub-schema of OLD) and N (its NEW counterpart)."""
    o, n = _resolve(root_o, o), _resolve(root_n, n)
    yield from _enums(o, n)
    for branch in _branches(o):
        yield from _candidates(branch, n, root_o, root_n, depth + 1)
    for branch in _branches(n):
        yield from _candidates(o, branch, root_o, root_n, depth + 1)
    kinds = _kinds(o)  # a witness is one O accepts: no other kind of value is worth trying
    yield from [v for v, k in ((None, "null"), (True, "boolean"), (False, "boolean")) if k in kinds]
    if kinds & {"number", "integer"}:
        yield from _numbers(o, n)
    if "string" in kinds:
        yield from _strings(o, n)
    if depth > 4:
        yield from [v for v, k in (({}, "object"), ([], "array")) if k in kinds]
        return
    if "object" in kinds:
        yield from _objects(o, n, root_o, root_n, depth)
    if "array" in kinds:
        yield from _arrays(o, n, root_o, root_n, depth)
    # conjuncts last: a value for one part alone rarely satisfies the whole
    for branch in _branches(o, ("allOf",)):
        yield from _candidates(branch, n, root_o, root_n, depth + 1)
    for branch in _branches(n, ("allOf",)):
        yield from _candidates(o, branch, root_o, root_n, depth + 1)


def _kinds(s: Any) -> set[str]:
    """The JSON types S's own `type` allows (every one when it names none)."""
    every = {"null", "boolean", "integer", "number", "string", "object", "array"}
    if s is False:
        return set()
    named = s.get("type") if isinstance(s, dict) else None
    if isinstance(named, str):
        named = [named]
    if not isinstance(named, list):
        return every
    kinds = {k for k in named if isinstance(k, str)}
    return kinds | ({"number"} if "integer" in kinds else set())


def _props(s: Any) -> dict[str, Any]:
    p = s.get("properties") if isinstance(s, dict) else None
    return p if isinstance(p, dict) else {}


def _objects(o: Any, n: Any, root_o: Any, root_n: Any, depth: int) -> Iterator[Any]:
    po, pn = _props(o), _props(n)
    names = list(dict.fromkeys([*po, *pn]))
    required = o.get("required", []) if isinstance(o, dict) else []
    required = [r for r in required if isinstance(r, str)]

    def first(name: str) -> Any:
        for value in _candidates(po.get(name, True), pn.get(name, True), root_o, root_n, depth + 1):
            if engine_ok(root_o, po.get(name, True), value):
                return value
        return None

    base = {name: first(name) for name in required}
    yield dict(base)
    full = {**base, **{name: first(name) for name in names}}
    yield full
    yield {**full, "x-nif-extra": 1}
    yield {**base, "x-nif-extra": 1}
    for extra in _extras(o, n, root_o, root_n, depth):
        yield {**full, "x-nif-extra": extra}
    for name in names:
        yield {k: v for k, v in full.items() if k != name}
        yield {**base, name: first(name)}
    # one property changed at a time, taking turns, so that a later property's first (most
    # telling) values come before an earlier one's long tail
    streams = [
        (name, itertools.islice(_candidates(po.get(name, True), pn.get(name, True), root_o,
                                            root_n, depth + 1), 61))
        for name in names
    ]  # fmt: skip
    while streams:
        alive = []
        for name, stream in streams:
            for value in itertools.islice(stream, 1):
                yield {**full, name: value}
                alive.append((name, stream))
        streams = alive


def _extras(o: Any, n: Any, root_o: Any, root_n: Any, depth: int) -> Iterator[Any]:
    """Values for a property neither side names, from what each side lets such a one be."""
    for s in (o, n):
        for key in ("additionalProperties", "unevaluatedProperties"):
            rest = s.get(key) if isinstance(s, dict) else None
            if isinstance(rest, dict):
                yield from itertools.islice(_candidates(rest, rest, root_o, root_n, depth + 1), 20)


def accepts(
    root: Any, sub: Any, value: Any, draft: str, formats: bool | None = None
) -> bool | None:
    """Whether the real engine accepts VALUE under SUB, with ROOT's definitions in reach.

    None when SUB cannot be compiled on its own (a `$ref` outside `$defs`/`definitions`).
    """
    schema: Any = sub
    if isinstance(sub, dict) and isinstance(root, dict) and sub is not root:
        if any(not r.startswith(("#/$defs/", "#/definitions/")) for r in refs(sub)):
            return None  # "#" or "#/properties/..." would point into the wrong document
        schema = {**{k: root[k] for k in ("$defs", "definitions") if k in root}, **sub}
    try:
        return bool(engine(schema, draft, formats).is_valid(value))
    except Exception:
        return None


def refs(schema: Any) -> Iterator[str]:
    """Every `$ref`-like string under SCHEMA (over-approximated: any such key counts)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("$ref", "$dynamicRef", "$recursiveRef") and isinstance(value, str):
                yield value
            yield from refs(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from refs(value)


def engine_ok(root: Any, sub: Any, value: Any) -> bool:
    """Heuristic acceptance, for choosing candidates only (an unknown counts as accepted),
    under the rules of the witness search under way."""
    draft, formats = _RULES.get()
    return accepts(root, sub, value, draft, formats) is not False


def _positions(s: Any) -> tuple[list[Any], Any]:
    """(prefix item schemas, rest) under any draft's spelling (candidates only)."""
    if not isinstance(s, dict):
        return [], True
    items = s.get("items", True)
    if isinstance(items, list):
        return items, s.get("additionalItems", True)
    prefix = s.get("prefixItems", [])
    return (prefix if isinstance(prefix, list) else []), items


def _arrays(o: Any, n: Any, root_o: Any, root_n: Any, depth: int) -> Iterator[Any]:
    pre_o, item_o = _positions(o)
    pre_n, item_n = _positions(n)
    values = list(_candidates(item_o, item_n, root_o, root_n, depth + 1))[:40]
    lengths = {0, 1, 2}
    for s in (o, n):
        if isinstance(s, dict):
            for key in ("minItems", "maxItems"):
                k = s.get(key)
                if isinstance(k, int) and not isinstance(k, bool) and k < 1000:
                    lengths |= {max(k - 1, 0), k, k + 1}
    good = [v for v in values if engine_ok(root_o, item_o, v)] or [None]
    for length in sorted(lengths):
        yield [good[0]] * length
        yield [good[i % len(good)] for i in range(length)]
    for value in values:
        yield [value]
    if pre_o or pre_n:
        slots: list[Any] = []
        for i in range(max(len(pre_o), len(pre_n)) + 1):
            s_o = pre_o[i] if i < len(pre_o) else item_o
            s_n = pre_n[i] if i < len(pre_n) else item_n
            cands = list(_candidates(s_o, s_n, root_o, root_n, depth + 1))[:40]
            slots.append(next((v for v in cands if engine_ok(root_o, s_o, v)), None))
            yield list(slots)
            for value in cands:
                yield [*slots[:-1], value]
