"""The time limit of one comparison: a deadline the walks look at between steps.

The comparison is pure Python between calls into the engines, so checking a deadline at each
type pair, schema pair and candidate message stops it soon after the limit without a worker
process to kill; what ran out of time is `unknown` (a policy then refuses it), never a guess.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["TimeLimitExceeded", "check", "expired", "time_limit"]

_deadline: ContextVar[tuple[float, float] | None] = ContextVar("compat_deadline", default=None)


class TimeLimitExceeded(Exception):
    """The comparison ran past its time limit."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Within the block, `check` raises once `seconds` have passed (None or 0: no limit).
    An enclosing limit that ends sooner stays in force."""
    outer = _deadline.get()
    if not seconds or (outer is not None and outer[0] <= time.monotonic() + seconds):
        yield
        return
    token = _deadline.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def expired() -> bool:
    """Whether the current comparison's time is up."""
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() > deadline[0]


def check() -> None:
    """Raise `TimeLimitExceeded` when the current comparison's time is up."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline[0]:
        raise TimeLimitExceeded(f"the comparison ran past its time limit of {deadline[1]:g} s")
