"""One kept worker process for the registry's work on agencies' artefacts at submission.

Comparing two schema versions and compiling a record's schemas and running its examples both
run what an agency wrote (patterns, content models, rule sets), which may not end: each runs in
an isolated, lazily started process kept for the next call, used by one call at a time (writes
hold the registry's write lock anyway), and killed when a call overruns. The callers turn the
outcome into their own answer (`unknown`, a failure of the submission check): fail closed.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from nif.validate import STARTUP_LIMIT, private_tmpdir, remove_tmpdir, run_isolated
from nif.workers import WorkerProcess

log = logging.getLogger("nif.registry")


def serve(conn: Connection) -> None:
    """The worker's loop: (function, arguments) in, its result out, until the pipe closes."""
    conn.send(("ready", None))
    while True:
        try:
            function, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("done", function(*args)))
        except Exception as exc:  # the caller fails closed on any failure
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What became of a call: `value` when it returned, else why not (`overran`: killed at
    its time limit; otherwise the worker or the function failed, as `reason` says)."""

    value: Any = None
    overran: bool = False
    reason: str | None = None

    @property
    def done(self) -> bool:
        return not self.overran and self.reason is None


class KeptWorker:
    """A lazily started, isolated worker process named `name`, kept between calls."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._process: WorkerProcess | None = None
        self._ready = False

    def call(self, function: Callable[..., Any], args: tuple[Any, ...], limit: float) -> Outcome:
        """`function(*args)` in the worker (both picklable), stopped after `limit` seconds."""
        with self._lock:
            try:
                process = self._started()
                process.conn.send((function, args))
                if not process.conn.poll(limit):
                    self._kill()
                    return Outcome(overran=True)
                kind, value = process.conn.recv()
            except (OSError, EOFError, RuntimeError) as exc:
                self._kill()
                log.warning("the %s worker failed: %s", self.name, exc)
                return Outcome(reason=f"the worker failed: {exc}")
        if kind == "done":
            return Outcome(value)
        log.warning("a call failed in the %s worker: %s", self.name, value)
        return Outcome(reason=f"it failed unexpectedly: {value}")

    def warm(self) -> None:
        """Start the worker now without waiting for it: it imports nif while the caller does
        other work, so the first call does not wait."""
        with self._lock:
            if self._process is None or not self._process.alive:
                self._spawn()

    def close(self) -> None:
        """Kill the worker and remove its temporary directory."""
        with self._lock:
            self._kill()

    def _spawn(self) -> WorkerProcess:
        self._kill()
        tmpdir = private_tmpdir()
        self._process = WorkerProcess(
            functools.partial(run_isolated, tmpdir, serve),
            name=f"nif-{self.name}",
            cleanup=functools.partial(remove_tmpdir, tmpdir),
        )
        self._ready = False
        return self._process

    def _started(self) -> WorkerProcess:
        process = self._process
        if process is None or not process.alive:
            process = self._spawn()
        if self._ready:
            return process
        if not process.conn.poll(STARTUP_LIMIT):
            raise RuntimeError(f"it did not start within {STARTUP_LIMIT:g} s")
        kind, _ = process.conn.recv()
        if kind != "ready":
            raise RuntimeError(f"it started with {kind!r}")
        self._ready = True
        return process

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process = None
