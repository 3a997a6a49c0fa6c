"""The JSON Schema drafts nif validates with, how a schema names one, and what `format` means.

A schema says its draft with `$schema`; one without it follows the draft the caller chose
(`--json-draft`, a registry artefact's `dct:conformsTo`), else 2020-12. `$schema` may also name
a custom meta-schema in the artefact set: its draft is the one its own `$schema` names, and its
`$vocabulary` says whether `format` asserts.

`format` as each draft says, which is what jsonschema-rs does with its default options: drafts
4, 6 and 7 define it as an assertion (an implementation MAY skip it; jsonschema-rs, like the
official test suite's optional tests, asserts it); 2019-09 and 2020-12 make it an annotation
unless the meta-schema's `$vocabulary` turns it on: in 2019-09 the format vocabulary with the
value true (its spec lets the value decide), in 2020-12 the format-assertion vocabulary (its
value only says whether an implementation that does not know it may go on; nif knows it). The
setting `json_format_assertions` overrides this.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urldefrag

import jsonschema_rs

from nif.errors import CompileError, UsageError


@dataclasses.dataclass(frozen=True)
class Draft:
    """One draft: its short name, meta-schema URI and jsonschema-rs validator class."""

    name: str
    uri: str
    validator: type[jsonschema_rs.Validator]
    engine: int
    format_vocabulary: str | None = None
    """The vocabulary that makes `format` assert (None: it asserts by default)."""
    format_by_value: bool = False
    """Whether that vocabulary asserts only with the value true (else: whenever it is listed)."""


DRAFTS = (
    Draft(
        "4",
        "http://json-schema.org/draft-04/schema#",
        jsonschema_rs.Draft4Validator,
        jsonschema_rs.Draft4,
    ),
    Draft(
        "6",
        "http://json-schema.org/draft-06/schema#",
        jsonschema_rs.Draft6Validator,
        jsonschema_rs.Draft6,
    ),
    Draft(
        "7",
        "http://json-schema.org/draft-07/schema#",
        jsonschema_rs.Draft7Validator,
        jsonschema_rs.Draft7,
    ),
    Draft(
        "2019-09",
        "https://json-schema.org/draft/2019-09/schema",
        jsonschema_rs.Draft201909Validator,
        jsonschema_rs.Draft201909,
        "https://json-schema.org/draft/2019-09/vocab/format",
        format_by_value=True,
    ),
    Draft(
        "2020-12",
        "https://json-schema.org/draft/2020-12/schema",
        jsonschema_rs.Draft202012Validator,
        jsonschema_rs.Draft202012,
        "https://json-schema.org/draft/2020-12/vocab/format-assertion",
    ),
)
DRAFT_NAMES = tuple(draft.name for draft in DRAFTS)
DEFAULT = "2020-12"
SUPPORTED = "drafts 4, 6, 7, 2019-09 and 2020-12"
_BY_NAME = {draft.name: draft for draft in DRAFTS}
_MAX_META_CHAIN = 8
"""How many custom meta-schemas may stand between a schema and its draft."""


def draft_key(uri: str) -> str:
    """A meta-schema URI without its scheme and empty fragment: one spelling per draft."""
    return re.sub(r"^https?://", "", uri.strip()).rstrip("#")


_BY_KEY = {draft_key(draft.uri): draft for draft in DRAFTS}


def known(uri: str) -> Draft | None:
    """The draft whose meta-schema `uri` names, or None."""
    return _BY_KEY.get(draft_key(uri))


def is_bundled(uri: str) -> bool:
    """Whether `uri` is one of the drafts' documents, which the engine holds itself."""
    return draft_key(uri).startswith("json-schema.org/")


def draft_named(value: str) -> str:
    """The short name of a draft given as `7`, `draft-07`, `2020-12` or its meta-schema URI."""
    text = value.strip()
    found = known(text) or _BY_NAME.get(re.sub(r"^draft-?0?", "", text.lower()))
    if found is None:
        raise UsageError(f"JSON Schema draft {value!r} is not one nif knows: use {SUPPORTED}")
    return found.name


def json_draft_of(uri: str) -> str | None:
    """The short name of the draft a meta-schema URI names (a registry's `dct:conformsTo`), or
    None when it names none."""
    found = known(uri)
    return found.name if found else None


def draft_uri(name: str) -> str:
    return _BY_NAME[name].uri


def schema_of(value: Any) -> str | None:
    """The `$schema` a schema document names, if it names one as a string."""
    meta = value.get("$schema") if isinstance(value, dict) else None
    return meta if isinstance(meta, str) else None


@dataclasses.dataclass(frozen=True)
class Dialect:
    """What a schema is checked as: its draft, and the custom meta-schema if it names one."""

    draft: Draft
    meta: str | None = None
    """The custom meta-schema's URI (None: the draft's own)."""
    vocabulary: Mapping[str, Any] | None = None
    """The custom meta-schema's `$vocabulary`."""

    @property
    def asserts_formats(self) -> bool:
        """Whether `format` is an assertion by the draft and the meta-schema's vocabularies."""
        wanted = self.draft.format_vocabulary
        if wanted is None:
            return True
        vocabulary = self.vocabulary or {}
        if self.draft.format_by_value:
            return vocabulary.get(wanted) is True
        return wanted in vocabulary


def dialect(
    where: str, meta: str | None, chosen: str | None, resources: Mapping[str, Any]
) -> Dialect:
    """The dialect of a schema that names `meta` (or nothing: `chosen`, else 2020-12).

    A custom meta-schema must be among `resources`; its own `$schema` gives the draft.
    """
    if meta is None:
        return Dialect(_BY_NAME[chosen or DEFAULT])
    draft = known(meta)
    if draft is not None:
        return Dialect(draft)
    uri, seen = urldefrag(meta).url, [meta]
    custom = resources.get(uri)
    if not isinstance(custom, dict):
        raise CompileError(
            f"{where}: $schema {meta!r} is not a draft nif knows ({SUPPORTED}) and no meta-schema "
            "of that URI is in the schema set: give the meta-schema file beside the schema, "
            "or map its URI to a local copy with a catalog"
        )
    vocabulary = custom.get("$vocabulary")
    parent = schema_of(custom)
    while parent is not None and known(parent) is None and len(seen) < _MAX_META_CHAIN:
        seen.append(parent)
        parent = schema_of(resources.get(urldefrag(parent).url))
    base = known(parent) if parent is not None else None
    if base is None:
        chain = " -> ".join(seen + ([parent] if parent else []))
        raise CompileError(
            f"{where}: the meta-schema {meta!r} does not lead to a draft nif knows "
            f"({chain}): a custom meta-schema's $schema must name one of {SUPPORTED}"
        )
    return Dialect(base, uri, vocabulary if isinstance(vocabulary, dict) else None)
