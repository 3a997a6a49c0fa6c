"""Verification of XSD counterexamples by nif's real validator, and the direction's answer.

A difference becomes `incompatible` only once a document is valid under OLD and invalid under
NEW by the same engine nif uses; this module holds that engine cache and the result types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import xmlschema

from nif.compat._instances import GenerationError
from nif.compat._xsd_changes import XsdChange

__all__ = ["DirectionResult", "Found", "Validator", "Verdict", "load"]

Verdict = Literal["compatible", "incompatible", "unknown"]


@dataclass
class DirectionResult:
    """One direction's answer; `counterexample` is set only for a verified `incompatible`.

    `changes` lists the differences the walk met before it ended (a verified counterexample
    ends it at once), whatever the verdict."""

    verdict: Verdict
    counterexample: bytes | None = None
    reason: str | None = None
    path: list[str] = field(default_factory=list)
    changes: list[XsdChange] = field(default_factory=list)


class Found(Exception):
    """A verified counterexample: ends the walk at once."""

    def __init__(self, result: DirectionResult) -> None:
        super().__init__(result.reason)
        self.result = result


def load(schema: Any) -> Any:
    """An xmlschema schema from a path, or the schema object itself."""
    if isinstance(schema, str | Path):
        return xmlschema.XMLSchema10(str(schema))
    return schema


def schema_file(schema: Any) -> str:
    """The XSD file a schema was loaded from (what nif's validator loads)."""
    url = str(schema.url or "")
    if not url:
        raise GenerationError("the schema was not loaded from a file: nothing to validate with")
    return url.removeprefix("file://")


class Validator:
    """nif's real validator with one `Profile` per schema file (building it parses the XSD)."""

    def __init__(self) -> None:
        self.profiles: dict[str, Any] = {}

    def valid(self, content: bytes, schema: Any) -> bool:
        from nif.report import Verdict as ReportVerdict
        from nif.validate import Profile, validate

        path = schema_file(schema)
        if path not in self.profiles:
            self.profiles[path] = Profile.from_files(xsd=path)
        return validate(content, self.profiles[path]).verdict is ReportVerdict.VALID
