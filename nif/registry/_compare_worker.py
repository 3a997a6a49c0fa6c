"""Comparisons run in a worker process that can be killed, because schemas are agencies' code.

Comparing two versions evaluates their patterns with Python's backtracking regular
expressions (xmlschema judges every candidate value), so a pattern like `(a+)+` can hold a
thread for hours, and a thread cannot be stopped. The comparison therefore runs in a kept
worker (`_kept_worker`: an isolated process with a minimal environment and a private temporary
directory), started on the first comparison the process-wide cache does not already hold and
kept for the next ones. The comparison stops itself at its time limit (a deadline its walks
check); a worker that has not answered a little after that (stuck inside one regular
expression) is killed, its answer is `unknown` (fail closed), and the next comparison starts a
new worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nif.compat import Answer, MessageComparison
from nif.registry._kept_worker import KeptWorker

GRACE = 5.0
"""Seconds past the comparison's own time limit before its worker is killed."""
UNLIMITED = 3600.0
"""The hard limit when the settings give none (`0`): an hour, then the worker is killed."""

worker = KeptWorker("compat")
"""The process's comparison worker."""


def compare_isolated(
    compare: Callable[..., MessageComparison],
    args: tuple[Any, ...],
    root: str,
    time_limit: float | None,
) -> MessageComparison:
    """`compare(*args)` in the worker; `unknown` for `root` when it overruns or fails."""
    limit = time_limit or UNLIMITED
    outcome = worker.call(compare, args, limit + GRACE)
    if outcome.done and isinstance(outcome.value, MessageComparison):
        return outcome.value
    if outcome.overran:
        return unknown(
            root,
            f"the comparison ran past its time limit of {limit:g} s and was stopped "
            "(a pattern or content model too costly to evaluate?)",
        )
    return unknown(root, "the comparison failed unexpectedly (the log has the details)")


def unknown(root: str, reason: str) -> MessageComparison:
    """Both directions `unknown` for `root`, with the reason."""
    answer = Answer("unknown", reason=reason)
    return MessageComparison(root, answer, answer)
