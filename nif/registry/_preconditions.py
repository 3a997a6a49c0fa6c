"""Optimistic concurrency: a write names the version of the record it was based on.

A record's entity tag is the sha256 of its stored N-Triples in quotes (the value its history
keeps), so every replica computes the same tag for the same content. A conditional write
(`If-Match`, `If-None-Match`, RFC 9110 section 13.1) is checked by the registry while it holds
the write lock: two writers based on one version cannot both pass, whichever process they go
through. `If-Match` compares strongly (a weak tag never matches), `If-None-Match` weakly.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from nif.errors import PreconditionFailedError, UsageError
from nif.registry._records import Record, stored_record
from nif.store import Store

_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')
_MAX_TAGS = 64
_SEPARATORS = " \t,"


def stored_sha(store: Store, iri: str) -> str | None:
    """The sha256 of the record `iri` as stored now (None: no record there); the same as its
    history's, since both hash the record's canonical N-Triples."""
    record = stored_record(iri, store.read_graph(iri))
    return None if record is None else record.sha256()


def etag(sha256: str) -> str:
    """The entity tag of the content whose sha256 is `sha256`."""
    return f'"{sha256}"'


@dataclasses.dataclass(frozen=True)
class EntityTag:
    opaque: str
    weak: bool = False

    def __str__(self) -> str:
        return ("W/" if self.weak else "") + f'"{self.opaque}"'


def parse_tags(header: str, name: str) -> tuple[EntityTag, ...] | None:
    """The entity tags of an `If-Match`/`If-None-Match` value (None for `*`); a malformed value
    is a `UsageError` naming the header, since guessing could store over someone's change."""
    text = header.strip()
    if text == "*":
        return None
    tags: list[EntityTag] = []
    position = 0
    while position < len(text):  # 1#entity-tag: empty elements allowed, commas between
        if text[position] in _SEPARATORS:
            position += 1
            continue
        match = _TAG.match(text, position)
        end = match.end() if match else position
        while end < len(text) and text[end] in " \t":
            end += 1
        if match is None or (end < len(text) and text[end] != ","):
            raise UsageError(
                f"{name}: {_shown(text)} is not a list of entity tags "
                '(expected * or "<sha256>", comma-separated)'
            )
        tags.append(EntityTag(match.group(2), bool(match.group(1))))
        position = end
    if not tags:
        raise UsageError(f"{name}: the header is empty (expected * or entity tags)")
    if len(tags) > _MAX_TAGS:
        raise UsageError(f"{name}: more than {_MAX_TAGS} entity tags")
    return tuple(tags)


def _shown(text: str) -> str:
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return repr(printable[:80] + ("…" if len(printable) > 80 else ""))


@dataclasses.dataclass(frozen=True)
class Precondition:
    """What a write expects of the record it changes. `if_match`: None (no condition), `()` for
    `*` (the record exists), else the tags one of which must be its current one, compared
    strongly. `if_none_match`: None, `()` for `*` (the record must not exist: create only),
    else tags none of which may be current (weak comparison)."""

    if_match: tuple[EntityTag, ...] | None = None
    if_none_match: tuple[EntityTag, ...] | None = None

    @classmethod
    def from_headers(cls, if_match: str | None, if_none_match: str | None) -> Precondition | None:
        """The precondition of a request's headers (None when it sends neither)."""
        if if_match is None and if_none_match is None:
            return None
        return cls(
            None if if_match is None else parse_tags(if_match, "If-Match") or (),
            None if if_none_match is None else parse_tags(if_none_match, "If-None-Match") or (),
        )

    def check(self, current: str | None, record: str) -> None:
        """Refuse (`PreconditionFailedError`) unless the record `record`, whose content has the
        sha256 `current` (None: no current record), is what the write expects."""
        tag = None if current is None else etag(current)
        if self.if_match is not None:
            if current is None:
                raise PreconditionFailedError(
                    f"{record}: If-Match expects a current record, and there is none", None
                )
            if self.if_match and not any(not t.weak and t.opaque == current for t in self.if_match):
                raise PreconditionFailedError(
                    f"{record}: If-Match names another version than the current one ({tag}); "
                    "read the record again and send its ETag",
                    tag,
                )
        if self.if_none_match is not None and current is not None:
            if not self.if_none_match:
                raise PreconditionFailedError(
                    f"{record}: If-None-Match: * creates only, and the record exists ({tag})", tag
                )
            if any(t.opaque == current for t in self.if_none_match):
                raise PreconditionFailedError(
                    f"{record}: If-None-Match names the current version ({tag})", tag
                )


def check_records(
    store: Store, records: Sequence[Record], expected: Precondition, shown: str
) -> None:
    """Check a conditional submission, which holds one record, against that record as stored."""
    if len(records) != 1:
        raise UsageError(
            f"{shown}: a conditional write (If-Match, If-None-Match) changes exactly one record; "
            f"this submission holds {len(records)}"
        )
    record = records[0]
    expected.check(stored_sha(store, record.iri), record.identifier or record.iri)
