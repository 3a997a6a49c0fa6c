"""Version ordering: semantic versions compared as numbers (1.10.0 after 1.9.0).

The one ordering the registry's lookups, errors and listings use.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d+")


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Orders semantic versions numerically (1.10.0 after 1.9.0), anything else as text."""
    return tuple(
        (0, int(token)) if _NUMBER.fullmatch(token) else (1, token)
        for token in re.split(r"[.+-]", version)
    )


SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
    r"(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?"
)
"""A semantic version (semver.org 2.0.0), as the shapes' `dcat:version` pattern has it."""


def is_semver(version: str) -> bool:
    """Whether `version` is a semantic version such as 1.4.0 or 2.0.0-rc.1."""
    return SEMVER.fullmatch(version) is not None
