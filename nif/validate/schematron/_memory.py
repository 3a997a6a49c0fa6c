"""Handing memory freed by lxml back to the system before Saxon builds its tree.

libxml2 allocates a tree's nodes with malloc; once the tree is freed, glibc keeps the pages for
later mallocs, while Saxon's heap is mapped apart from malloc and cannot reuse them. Without a
trim, a large message's lxml tree and Saxon's tree would still add up in the resident memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        function: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return function


def release_freed_memory() -> bool:
    """Return the C heap's free pages to the system; False where that cannot be done."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
