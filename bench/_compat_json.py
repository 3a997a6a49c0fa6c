"""JSON Schema part of bench_compat: `nif.compat` against IBM's jsonsubschema on draft-04 pairs.

jsonsubschema decides `S1 <: S2` for draft-04 only, so every pair here is draft-04: the
corpus's draft-04 cases (tests/compat/test_json_corpus.py, one source for both) and pairs
made by editing the demo registry's JSON schemas, turned into draft-04 (`$defs` ->
`definitions`, `const` -> a one-value `enum`, `if`/`then`/`else` dropped on both sides).

Per pair, both tools answer both directions: backward is OLD <: NEW, forward NEW <: OLD.
jsonsubschema's answer is a boolean (True: compatible, anything else: incompatible; an
exception: error); nif's is compatible / incompatible (with a counterexample its validator
checked) / unknown. Times are each tool's best of `ROUNDS` for both directions of the pair,
nif through `compare_json` on schema sets (counterexample search and verification included),
and the ratio is nif / jsonsubschema measured in the same run.
"""

from __future__ import annotations

import copy
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DRAFT4 = "http://json-schema.org/draft-04/schema#"
DEMO = [
    "tax-income-statement/schemas/1.0.0/income-statement.schema.json",
    "civreg-address/schemas/1.0.0/address-lookup-request.schema.json",
    "civreg-address/schemas/1.0.0/address.schema.json",
    "vehreg-inspection/schemas/1.0.0/inspection-result.schema.json",
]
ROUNDS = 3

Pair = tuple[str, Any, Any]


def to_draft4(schema: Any) -> Any:
    """SCHEMA (2020-12) as draft-04: what the demo schemas use, spelt the draft-04 way."""
    if isinstance(schema, list):
        return [to_draft4(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("if", "then", "else"):
            continue
        if key == "$schema":
            out[key] = DRAFT4
        elif key == "$defs":
            out["definitions"] = {k: to_draft4(v) for k, v in value.items()}
        elif key == "$ref" and isinstance(value, str):
            out[key] = value.replace("#/$defs/", "#/definitions/")
        elif key == "const":
            out["enum"] = [value]
        elif key in ("properties", "definitions", "patternProperties"):
            out[key] = {k: to_draft4(v) for k, v in value.items()}
        else:
            out[key] = to_draft4(value)
    if "allOf" in out and not [p for p in out["allOf"] if p]:
        del out["allOf"]
    return out


def _objects(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object schema with `properties`, with a readable path."""
    if isinstance(schema, dict):
        if isinstance(schema.get("properties"), dict):
            yield path or "/", schema
        for key, value in schema.items():
            if isinstance(value, dict) and key in ("properties", "definitions"):
                for name, sub in value.items():
                    yield from _objects(sub, f"{path}/{name}")
            elif isinstance(value, dict | list) and key not in ("enum",):
                yield from _objects(value, path)
    elif isinstance(schema, list):
        for item in schema:
            yield from _objects(item, path)


def _edits(schema: Any) -> Iterator[tuple[str, Callable[[Any], None]]]:
    """Named edits of a copy of SCHEMA: the changes a new version makes."""
    objects = list(_objects(schema))
    for index, (path, obj) in enumerate(objects[:3]):
        props = obj["properties"]
        names = list(props)
        optional = [n for n in names if n not in obj.get("required", [])]
        yield f"{path}: optional property added", _at(index, lambda o: _add(o, False))
        yield f"{path}: required property added", _at(index, lambda o: _add(o, True))
        if optional:
            yield (
                f"{path}: '{optional[0]}' made required",
                _at(index, lambda o, n=optional[0]: o.setdefault("required", []).append(n)),
            )
        if obj.get("required"):
            yield (
                f"{path}: '{obj['required'][0]}' made optional",
                _at(index, lambda o: o["required"].pop(0) and None),
            )
        yield f"{path}: '{names[-1]}' removed", _at(index, lambda o, n=names[-1]: _remove(o, n))
        if obj.get("additionalProperties") is False:
            yield f"{path}: opened", _at(index, lambda o: o.pop("additionalProperties"))
        for name, sub in props.items():
            for label, edit in _leaf_edits(sub):
                yield (
                    f"{path}/{name}: {label}",
                    _at(index, lambda o, n=name, e=edit: e(o["properties"][n])),
                )


def _leaf_edits(sub: Any) -> Iterator[tuple[str, Callable[[Any], None]]]:
    if not isinstance(sub, dict):
        return
    for key, factor in (("maxLength", 0.5), ("maximum", 0.5), ("minLength", 2), ("minimum", 2)):
        value = sub.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            moved = int(value * factor) if value else 1
            yield f"{key} {value} -> {moved}", lambda s, k=key, m=moved: s.__setitem__(k, m)
    if isinstance(sub.get("enum"), list):
        yield "enum value added", lambda s: s["enum"].append("zz-new")
        if len(sub["enum"]) > 1:
            yield "enum value removed", lambda s: s["enum"].pop()
    if isinstance(sub.get("pattern"), str):
        yield "pattern dropped", lambda s: s.pop("pattern")
    if sub.get("type") == "integer":
        yield "integer -> number", lambda s: s.__setitem__("type", "number")
    if sub.get("type") == "number":
        yield "number -> integer", lambda s: s.__setitem__("type", "integer")


def _at(index: int, edit: Callable[[dict[str, Any]], Any]) -> Callable[[Any], None]:
    def apply(schema: Any) -> None:
        edit(list(_objects(schema))[index][1])

    return apply


def _add(obj: dict[str, Any], required: bool) -> None:
    obj["properties"]["remark"] = {"type": "string", "maxLength": 200}
    if required:
        obj.setdefault("required", []).append("remark")


def _remove(obj: dict[str, Any], name: str) -> None:
    del obj["properties"][name]
    if name in obj.get("required", []):
        obj["required"].remove(name)
        if not obj["required"]:
            del obj["required"]


def demo_pairs() -> list[Pair]:
    out: list[Pair] = []
    for relative in DEMO:
        path = ROOT / "registry" / "interfaces" / relative
        schema = to_draft4(json.loads(path.read_text("utf-8")))
        for label, edit in _edits(schema):
            new = copy.deepcopy(schema)
            edit(new)
            out.append((f"{path.name} {label}", schema, new))
    return out


def corpus_pairs() -> list[Pair]:
    from tests.compat.test_json_corpus import CASES

    return [
        (f"corpus: {case.name}", {"$schema": DRAFT4, **case.old}, {"$schema": DRAFT4, **case.new})
        for case in CASES
        if "4" in case.drafts and isinstance(case.old, dict) and isinstance(case.new, dict)
    ]


def _best(run: Callable[[], Any]) -> tuple[float, Any]:
    """Best time of ROUNDS runs (one, when a run takes over a second) and the answer."""
    best, result = float("inf"), None
    for _ in range(ROUNDS):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
        if best > 1:
            break
    return best, result


def _jss(old: Any, new: Any) -> tuple[str, str]:
    from jsonsubschema import api

    answers = []
    for a, b in ((old, new), (new, old)):
        try:
            answers.append("compatible" if api.isSubschema(a, b) is True else "incompatible")
        except Exception as exc:  # jsonsubschema raises for what it does not support
            answers.append(f"error ({type(exc).__name__})")
    return answers[0], answers[1]


def _nif(old: Any, new: Any) -> tuple[str, str]:
    from nif.compat import compare_json
    from nif.validate import Artefact, ArtefactSet

    def of(name: str, schema: Any) -> ArtefactSet:
        uri = f"file:///bench/{name}.json"
        return ArtefactSet(uri, {uri: Artefact(uri, json.dumps(schema).encode())})

    [message] = compare_json(of("old", old), of("new", new)).messages
    _WITNESSES[id(old), id(new)] = (message.backward.counterexample, message.forward.counterexample)
    return message.backward.verdict, message.forward.verdict


_WITNESSES: dict[tuple[int, int], tuple[str | None, str | None]] = {}


def _python_jsonschema(accepting: Any, rejecting: Any, witness: str | None) -> str:
    """What the `jsonschema` package (a third engine) says of nif's counterexample."""
    import jsonschema

    if witness is None:
        return ""
    value = json.loads(witness)
    checker = jsonschema.Draft4Validator.FORMAT_CHECKER
    ok = jsonschema.Draft4Validator(accepting, format_checker=checker).is_valid(value)
    no = not jsonschema.Draft4Validator(rejecting, format_checker=checker).is_valid(value)
    if ok and no:
        return "confirmed by jsonschema"
    blind = sorted((_formats(accepting) | _formats(rejecting)) - set(checker.checkers))
    return (
        f"not confirmed by jsonschema ({'; '.join(blind)} unchecked)" if blind else "NOT confirmed"
    )


def _formats(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        own = {schema["format"]} if isinstance(schema.get("format"), str) else set()
        return own.union(*(_formats(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_formats(v) for v in schema))
    return set()


def json_part() -> None:
    import jsonsubschema  # noqa: F401  (fail early when the bench extra is missing)

    pairs = corpus_pairs() + demo_pairs()
    rows = []
    for name, old, new in pairs:
        nif_s, nif_v = _best(lambda o=old, n=new: _nif(o, n))
        jss_s, jss_v = _best(lambda o=old, n=new: _jss(o, n))
        rows.append((name, nif_v, jss_v, nif_s, jss_s))
    print(f"JSON Schema draft-04: {len(rows)} pairs, nif.compat vs jsonsubschema, best of {ROUNDS}")
    print(f"  {'pair':66} {'nif (back/fwd)':27} {'jsonsubschema':27} {'nif ms':>7} {'jss ms':>7}")
    for name, nif_v, jss_v, nif_s, jss_s in rows:
        print(
            f"  {name[:66]:66} {'/'.join(nif_v):27} {'/'.join(jss_v):27} "
            f"{nif_s * 1000:7.1f} {jss_s * 1000:7.1f}"
        )
    table: Counter[tuple[str, str]] = Counter()
    for _, nif_v, jss_v, _, _ in rows:
        for mine, theirs in zip(nif_v, jss_v, strict=True):
            table[(mine, theirs.split(" ")[0])] += 1
    print("  agreement, per direction (nif x jsonsubschema):")
    for (mine, theirs), count in sorted(table.items()):
        print(f"    nif {mine:12} jsonsubschema {theirs:12} {count:4}")
    agree = sum(c for (m, t), c in table.items() if m == t)
    decided = sum(c for (m, t), c in table.items() if m != "unknown" and t != "error")
    print(f"  agree on {agree} of {decided} directions both decided ({2 * len(rows)} in all)")
    print("  where they differ (nif's incompatible comes with a counterexample its validator")
    print("  checked; an unknown is nif not deciding):")
    for (name, old, new), (_, nif_v, jss_v, _, _) in zip(pairs, rows, strict=True):
        witnesses = _WITNESSES[id(old), id(new)]
        sides = (("backward", old, new, witnesses[0]), ("forward", new, old, witnesses[1]))
        for (direction, accepting, rejecting, witness), mine, theirs in zip(
            sides, nif_v, jss_v, strict=True
        ):
            if mine != theirs:
                third = _python_jsonschema(accepting, rejecting, witness)
                print(
                    f"    {name[:60]:60} {direction:8} nif {mine}, jsonsubschema {theirs} {third}"
                )
    nif_total, jss_total = sum(r[3] for r in rows), sum(r[4] for r in rows)
    ratios = sorted(r[3] / r[4] for r in rows if r[4] > 0)
    print(
        f"  time: nif {nif_total:.2f} s, jsonsubschema {jss_total:.2f} s in all; ratio "
        f"nif/jsonsubschema {nif_total / jss_total:.2f} in all, median per pair "
        f"{statistics.median(ratios):.2f}"
    )
