"""Comparisons run in a worker process that can be killed, because schemas are agencies' code.

Comparing two versions evaluates their patterns with Python's backtracking regular
expressions (xmlschema judges every candidate value), so a pattern like `(a+)+` can hold a
thread for hours, and a thread cannot be stopped. The comparison therefore runs in one
isolated worker process (a minimal environment, a private temporary directory: see
`nif.validate`'s isolation), started on the first comparison the process-wide cache does not
already hold and kept for the next ones. The comparison stops itself at its time limit (a
deadline its walks check); a worker that has not answered a little after that (stuck inside
one regular expression) is killed, its answer is `unknown` (fail closed), and the next
comparison starts a new worker.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from nif.compat import Answer, MessageComparison
from nif.validate import STARTUP_LIMIT, private_tmpdir, remove_tmpdir, run_isolated
from nif.workers import WorkerProcess

log = logging.getLogger("nif.registry")

GRACE = 5.0
"""Seconds past the comparison's own time limit before its worker is killed."""
UNLIMITED = 3600.0
"""The hard limit when the settings give none (`0`): an hour, then the worker is killed."""


def serve(conn: Connection) -> None:
    """The worker's loop: (function, arguments) in, its result out, until the pipe closes."""
    conn.send(("ready", None))
    while True:
        try:
            compare, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("done", compare(*args)))
        except Exception as exc:  # the caller turns any failure into `unknown`
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


class CompareWorker:
    """One lazily started worker, used by one comparison at a time (comparisons run under
    the registry's write lock anyway)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: WorkerProcess | None = None

    def run(
        self,
        compare: Callable[..., MessageComparison],
        args: tuple[Any, ...],
        root: str,
        time_limit: float | None,
    ) -> MessageComparison:
        """`compare(*args)` in the worker; `unknown` for `root` when it overruns or fails."""
        limit = time_limit or UNLIMITED
        with self._lock:
            try:
                process = self._started()
                process.conn.send((compare, args))
                if not process.conn.poll(limit + GRACE):
                    self._kill()
                    return unknown(
                        root,
                        f"the comparison ran past its time limit of {limit:g} s and was "
                        "stopped (a pattern or content model too costly to evaluate?)",
                    )
                kind, value = process.conn.recv()
            except (OSError, EOFError, RuntimeError) as exc:
                self._kill()
                log.warning("a comparison worker failed: %s", exc)
                return unknown(root, "the comparison worker failed (the log has the details)")
        if kind == "done" and isinstance(value, MessageComparison):
            return value
        log.warning("a comparison failed in its worker: %s", value)
        return unknown(root, "the comparison failed unexpectedly (the log has the details)")

    def _started(self) -> WorkerProcess:
        if self._process is not None and self._process.alive:
            return self._process
        self._kill()
        tmpdir = private_tmpdir()
        process = WorkerProcess(
            functools.partial(run_isolated, tmpdir, serve),
            name="nif-compat",
            cleanup=functools.partial(remove_tmpdir, tmpdir),
        )
        self._process = process
        if not process.conn.poll(STARTUP_LIMIT):
            raise RuntimeError(f"a comparison worker did not start within {STARTUP_LIMIT:g} s")
        kind, _ = process.conn.recv()
        if kind != "ready":
            raise RuntimeError(f"a comparison worker started with {kind!r}")
        return process

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process = None


def unknown(root: str, reason: str) -> MessageComparison:
    """Both directions `unknown` for `root`, with the reason."""
    answer = Answer("unknown", reason=reason)
    return MessageComparison(root, answer, answer)


worker = CompareWorker()
"""The process's comparison worker."""
