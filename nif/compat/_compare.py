"""Compare two schemas, both directions, every message: the one entry point the CLI, the
registry and the benchmarks call.

XSD: every global element of the main schemas' target namespace declared in both sets (or
the roots asked for) is compared;
JSON Schema: the root schema. Each direction is one inclusion question (NEW includes OLD is
backward, OLD includes NEW is forward); the answers and the change lists of both walks are
merged into one `MessageComparison`. `time_limit` (seconds) bounds a whole comparison: a
direction still open when it runs out is `unknown`, naming the limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from nif.compat._deadline import time_limit as limited
from nif.compat._json_lines import pointer_line
from nif.compat._json_schema import JsonInclusion, json_included
from nif.compat._model import Answer, Breaks, Change, Comparison, MessageComparison, Where
from nif.compat._xsd_change_list import ChangeList
from nif.compat._xsd_changes import from_other_side
from nif.compat._xsd_compare import compare_element
from nif.compat._xsd_lines import Locator
from nif.compat._xsd_verify import DirectionResult, artefacts_of, load
from nif.errors import UsageError
from nif.settings import Settings
from nif.validate import JSON_SCHEMA, ArtefactSet, Profile, StepSpec, compile_step

__all__ = ["compare_files", "compare_json", "compare_xsd"]


def compare_xsd(
    old: ArtefactSet | str | Path,
    new: ArtefactSet | str | Path,
    roots: Sequence[str | tuple[str, str]] | None = None,
    *,
    name: str | None = None,
    time_limit: float | None = None,
) -> Comparison:
    """Both directions for every message both sets define, or for `roots` (Clark names).

    The messages a set defines are the global elements of its main schema's target namespace
    (UBL's Invoice schema: `Invoice`, not the 1,600 components it imports); a global element
    of an imported namespace is compared when `roots` names it.

    A root that one side does not declare is compared all the same (every message of the
    side that has it breaks the other), so asking for it is never silently ignored. A root
    given as a pair (OLD's, NEW's) compares a renamed or moved message; its `root` is OLD's."""
    with limited(time_limit):
        return _compare_xsd(old, new, roots, name)


def _compare_xsd(
    old: ArtefactSet | str | Path,
    new: ArtefactSet | str | Path,
    roots: Sequence[str | tuple[str, str]] | None,
    name: str | None,
) -> Comparison:
    old_set, new_set = artefacts_of(old), artefacts_of(new)
    old_schema, new_schema = load(old_set), load(new_set)
    old_roots, new_roots = _documents(old_schema), _documents(new_schema)
    old_all = {r for r in old_schema.maps.elements if not _builtin(r)}
    new_all = {r for r in new_schema.maps.elements if not _builtin(r)}
    pairs = [(r, r) if isinstance(r, str) else r for r in roots or sorted(old_roots & new_roots)]
    unknown = [o for o, n in pairs if o not in old_all | new_all and n not in new_all]
    if unknown:
        raise UsageError(
            f"neither schema declares a global element {unknown[0]} "
            f"(Clark notation, e.g. {{urn:example}}Invoice)"
        )
    messages = []
    change_list = ChangeList(old_schema, new_schema, Locator(old_set, new_set))
    for root, new_root in pairs:
        backward = compare_element(old_schema, new_schema, root, new_root)
        forward = compare_element(new_schema, old_schema, new_root, root)
        answers = {"backward": _xsd_answer(backward), "forward": _xsd_answer(forward, True)}
        results = {"backward": backward, "forward": forward}
        messages.append(
            MessageComparison(
                root,
                answers["backward"],
                answers["forward"],
                change_list.build(root, results, answers, new_root),
                name,
            )
        )
    return Comparison(
        tuple(messages),
        old_set.main,
        new_set.main,
        tuple(sorted(old_roots - new_roots)) if not roots else (),
        tuple(sorted(new_roots - old_roots)) if not roots else (),
    )


def compare_json(
    old: ArtefactSet,
    new: ArtefactSet,
    *,
    draft: str | None = None,
    format_assertions: bool | None = None,
    name: str | None = None,
    time_limit: float | None = None,
) -> Comparison:
    """Both directions for two JSON Schema sets' root schemas.

    Each schema's draft and whether its `format` asserts are what nif's validator makes of
    them (its `$schema`, a custom meta-schema's vocabularies, else `draft`, else 2020-12;
    `format_assertions` overrides). Two schemas that differ in either cannot be compared by
    one rule set: both directions are then `unknown`."""
    with limited(time_limit):
        return _compare_json(old, new, draft, format_assertions, name)


def _compare_json(
    old: ArtefactSet,
    new: ArtefactSet,
    draft: str | None,
    format_assertions: bool | None,
    name: str | None,
) -> Comparison:
    old_doc, new_doc = _json_document(old), _json_document(new)
    old_draft, old_formats = _json_rules(old, draft, format_assertions)
    new_draft, new_formats = _json_rules(new, draft, format_assertions)
    if (old_draft, old_formats) != (new_draft, new_formats):
        reason = (
            f"OLD is JSON Schema draft {old_draft} with format "
            f"{'asserted' if old_formats else 'an annotation'}, NEW draft {new_draft} with "
            f"format {'asserted' if new_formats else 'an annotation'}: not compared"
        )
        answer = Answer("unknown", reason=reason, media="json")
        message = MessageComparison("$", answer, answer, (), name)
        return Comparison((message,), old.main, new.main)
    format_assertions = old_formats
    backward = json_included(
        old_doc,
        new_doc,
        draft=old_draft,
        format_assertions=format_assertions,
        old_set=old,
        new_set=new,
    )
    forward = json_included(
        new_doc,
        old_doc,
        draft=old_draft,
        format_assertions=format_assertions,
        old_set=new,
        new_set=old,
        changes=False,  # the backward run lists them
    )
    changes = tuple(
        Change(
            change.kind,
            change.detail,
            _proven_safe(change.breaks, backward.included is True, forward.included is True),
            _json_where(change.pointer_old, change.file_old, old),
            _json_where(change.pointer_new, change.file_new, new),
            change.open_content,
        )
        for change in backward.changes
    )
    return Comparison(
        (
            MessageComparison(
                "$", _json_answer(backward), _json_answer(forward, True), changes, name
            ),
        ),
        old.main,
        new.main,
    )


def _proven_safe(breaks: Breaks, backward_ok: bool, forward_ok: bool) -> Breaks:
    """A keyword judged alone may look like a break its neighbours undo (`const` dropped as
    an `enum` holding it comes): a direction proven compatible is broken by no change."""
    left = {"both": {"backward", "forward"}, "none": set()}.get(breaks, {breaks})
    left -= {d for d, ok in (("backward", backward_ok), ("forward", forward_ok)) if ok}
    if left == {"backward", "forward"}:
        return "both"
    return "backward" if "backward" in left else "forward" if left else "none"


def compare_files(
    old: str | Path,
    new: str | Path,
    *,
    roots: Sequence[str | tuple[str, str]] | None = None,
    catalogs: Iterable[str | Path] = (),
    json_draft: str | None = None,
    time_limit: float | None = None,
) -> Comparison:
    """Compare two local schema files (XSD or JSON Schema, told apart by content), with
    their imports, includes and `$ref`s collected as the validator collects them."""
    catalogs = list(catalogs)
    kinds = {_kind(old), _kind(new)}
    if len(kinds) != 1:
        raise UsageError(f"{old} and {new} are not the same kind of schema (XSD vs JSON Schema)")
    if kinds == {"json"}:
        if roots:
            raise UsageError("--root names an XML element; a JSON Schema has one root")
        old_set = _json_set(old, json_draft, catalogs)
        new_set = _json_set(new, json_draft, catalogs)
        return compare_json(old_set, new_set, draft=json_draft, time_limit=time_limit)
    old_xsd = Profile.from_files(xsd=old, catalogs=catalogs).steps[0].artefacts
    new_xsd = Profile.from_files(xsd=new, catalogs=catalogs).steps[0].artefacts
    return compare_xsd(old_xsd, new_xsd, roots, time_limit=time_limit)


def _kind(path: str | Path) -> str:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the schema: {exc.strerror}") from None
    return "json" if head[:1] in (b"{", b"[") or head[:4] in (b"true", b"fals") else "xsd"


def _json_set(path: str | Path, draft: str | None, catalogs: list[str | Path]) -> ArtefactSet:
    step = Profile.from_files(json_schema=path, json_draft=draft, catalogs=catalogs).steps[0]
    if step.kind != JSON_SCHEMA:
        raise UsageError(f"{path} is not a JSON Schema")
    return step.artefacts


def _json_document(artefacts: ArtefactSet) -> Any:
    try:
        return json.loads(artefacts.root.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{artefacts.main}: not JSON: {exc}") from None


def _json_rules(
    artefacts: ArtefactSet, draft: str | None, format_assertions: bool | None
) -> tuple[str, bool]:
    """(draft, whether `format` asserts) as nif's validator compiles the set: a custom
    meta-schema's draft and vocabularies included."""
    settings = (
        Settings()
        if format_assertions is None
        else Settings(json_format_assertions=format_assertions)
    )
    step = compile_step(StepSpec(JSON_SCHEMA, artefacts, json_draft=draft), settings)
    named, formats = getattr(step, "draft", None), getattr(step, "format_assertions", None)
    if not isinstance(named, str) or not isinstance(formats, bool):
        raise UsageError(f"{artefacts.main}: not compiled as a JSON Schema")
    return named, formats


def _documents(schema: Any) -> set[str]:
    """The global elements of the main schema's target namespace, by Clark name."""
    return {str(decl.name) for decl in schema.elements.values()}


def _builtin(clark: str) -> bool:
    return clark.startswith(("{http://www.w3.org/2001/XMLSchema", "{http://www.w3.org/XML/"))


def _reason(reason: str | None, forward: bool) -> str | None:
    """The forward walk runs NEW -> OLD: its reason, in the user's OLD and NEW."""
    return from_other_side(reason) if forward and reason else reason


def _xsd_answer(result: DirectionResult, forward: bool = False) -> Answer:
    text = result.counterexample.decode("utf-8") if result.counterexample is not None else None
    reason = _reason(result.reason, forward)
    return Answer(result.verdict, text, reason, result.open_content, "xml")


def _json_answer(result: JsonInclusion, forward: bool = False) -> Answer:
    reason = _reason(result.reason, forward)
    if result.included is True:
        return Answer("compatible", media="json", open_content=result.open_content)
    if result.included is False:
        text = json.dumps(result.witness, ensure_ascii=False, indent=2)
        return Answer("incompatible", text, reason, result.open_content, "json")
    return Answer("unknown", reason=reason, open_content=result.open_content, media="json")


def _json_where(pointer: str, file: str | None, artefacts: ArtefactSet) -> Where:
    """A JSON Pointer in the set's main document (FILE None) or another of its parts, with
    the line its value starts on."""
    uri = file or artefacts.main
    part = artefacts.parts.get(uri)
    line = pointer_line(part.content, pointer) if part is not None else None
    return Where(pointer or "/", uri, line)
