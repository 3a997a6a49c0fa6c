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
