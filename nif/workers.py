"""A worker process that can be killed: the one way nif stops work that cannot be interrupted.

A thread cannot be stopped, and neither Saxon (which keeps the GIL) nor Oxigraph (inside one
step of a query) can be interrupted, so the SPARQL workers, the service's validation pool and
`nif validate -j N` run such work in a process of their own, talk to it over a pipe, and kill it
when it overruns. This is that process handle; what travels on the pipe is each caller's own.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

_SPAWN = multiprocessing.get_context("spawn")
"""Spawn, not fork: a forked Saxon (GraalVM) or a lock held by another thread would hang."""


class WorkerProcess:
    """A spawned daemon process running `target(conn, *args)`, and `conn`, this side's end of
    the duplex pipe to it. `cleanup` runs once the process has ended (e.g. removing its
    private temporary directory)."""

    def __init__(
        self,
        target: Callable[..., Any],
        *args: Any,
        name: str,
        cleanup: Callable[[], None] | None = None,
    ) -> None:
        self.conn, child = _SPAWN.Pipe(duplex=True)
        self.process = _SPAWN.Process(target=target, args=(child, *args), name=name, daemon=True)
        self._cleanup = cleanup
        try:
            self.process.start()
        except BaseException:
            self.conn.close()
            self._clean()
            raise
        finally:
            child.close()

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def exit_code(self, wait: float = 0) -> int | None:
        """The process's exit code, after waiting up to `wait` seconds for it to end; None if
        it still runs."""
        self.process.join(wait)
        return self.process.exitcode

    def stop(self, wait: float) -> None:
        """Close the pipe (a worker's loop ends when it does), give the process `wait` seconds
        to end by itself, then `kill` it."""
        self.conn.close()
        self.process.join(wait)
        self.kill()

    def kill(self) -> None:
        """Close the pipe, kill the process, wait for it, then run `cleanup`; again: nothing."""
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(10)
        self._clean()

    def _clean(self) -> None:
        cleanup, self._cleanup = self._cleanup, None
        if cleanup is not None:
            cleanup()
