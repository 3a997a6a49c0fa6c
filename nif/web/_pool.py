"""The service's validation workers: a pool of `ValidationWorker`s (`nif.registry`), processes
that keep compiled validators and are killed when a check overruns its time limit.

A task carries the message and its `Target` (the message type and its artefact pins, a few
hundred bytes); the worker builds the profile from the blob store once per target key and keeps
it, and the process-wide compiled cache keeps each step's validator, so a second message of a
type costs only its check.

Admission is immediate: with `max_concurrent_validations` validations already running or queued
the next one is refused (`TooManyRequestsError`) rather than left waiting.

Each worker has a thread of its own that takes the next task from one queue as soon as its
worker is done: a busy service's workers never wait for the event loop to hand them work (on a
loaded machine, every hop through the loop is a wait for a core).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from nif.errors import TooManyRequestsError
from nif.registry import Task, ValidationWorker, WorkerStats
from nif.report import Report, Verdict
from nif.settings import Settings

__all__ = ["Task", "ValidationPool", "ValidationWorker", "WorkerStats"]

KINDS = ("single", "batch", "certification")
"""What a validation was for: `POST /api/validate`, one message of a batch, a conformance
case of a certification run (`/metrics` counts them apart)."""

Observer = Callable[[str, Verdict], None]
"""Told the kind and the verdict of each validation the pool finishes."""

log = logging.getLogger("nif.web")


class ValidationPool:
    """N worker processes behind an async API; at most `limit` validations in flight."""

    def __init__(self, settings: Settings, workers: int, limit: int) -> None:
        if workers < 1:
            raise ValueError("a validation pool needs at least one worker")
        self.settings = settings
        self.limit = limit
        self._workers = [ValidationWorker(settings) for _ in range(workers)]
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._in_flight = 0
        self._closed = False
        self.observer: Observer | None = None
        """Told of every finished validation (the app's metrics)."""

    @classmethod
    def start(cls, settings: Settings) -> ValidationPool:
        """A pool with `validation_workers` workers (0: one per available core), all started."""
        from nif.validate import available_cpus

        pool = cls(
            settings,
            settings.service.validation_workers or available_cpus(),
            settings.service.max_concurrent_validations,
        )
        try:
            for worker in pool._workers:
                worker.spawn()
            for worker in pool._workers:
                worker.wait_ready()
        except BaseException:
            pool.close()
            raise
        for worker in pool._workers:
            threading.Thread(
                target=pool._serve, args=(worker,), name="nif-validation", daemon=True
            ).start()
        log.info("validation pool: %d workers started", len(pool._workers))
        return pool

    @property
    def in_flight(self) -> int:
        """Validations running or queued."""
        return self._in_flight

    def stats(self) -> list[WorkerStats]:
        return [dataclasses.replace(w.stats) for w in self._workers]

    @property
    def waiting(self) -> int:
        """Validations admitted that wait for a free worker."""
        return max(0, self._in_flight - sum(w.stats.busy for w in self._workers))

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """One validation's place in the pool; refused at once when all are taken."""
        if self._closed:
            raise TooManyRequestsError("the service is shutting down", retry_after=5)
        if self._in_flight >= self.limit:
            raise TooManyRequestsError(
                f"{self._in_flight} validations are running or queued, the limit of this "
                "service (max_concurrent_validations); retry shortly",
                retry_after=1,
            )
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1

    async def validate(self, task: Task, kind: str = "single") -> Report:
        """The task's report from the next free worker (admit it first with `admitted`);
        `kind` (one of `KINDS`) says what it is for.

        If the caller goes away, a task a worker has taken still finishes before the worker
        takes the next one; one still queued is dropped.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown validation kind {kind!r}: one of {', '.join(KINDS)}")
        loop = asyncio.get_running_loop()
        job = _Job(task, kind, loop, loop.create_future())
        self._jobs.put(job)
        try:
            return await asyncio.shield(job.future)
        except asyncio.CancelledError:
            job.abandoned = True
            raise

    def _serve(self, worker: ValidationWorker) -> None:
        """A worker's thread: run the queued tasks on it, one after another, until `close`."""
        while (job := self._jobs.get()) is not None:
            if job.abandoned:
                continue
            try:
                report = worker.run(job.task)
            except BaseException as exc:  # handed to the caller, which raises it
                job.answer(exc)
                continue
            if self.observer is not None:
                try:
                    self.observer(job.kind, report.verdict)
                except Exception:  # a metric must not cost the answer, nor the thread
                    log.exception("the pool's observer failed")
            job.answer(report)

    def close(self) -> None:
        """Stop every worker (all at once: a busy one is killed after a few seconds); running
        tasks end with verdict error."""
        self._closed = True
        for worker in self._workers:
            worker.stop()
        for worker in self._workers:
            worker.finish(5)
        with contextlib.suppress(queue.Empty):
            while (job := self._jobs.get_nowait()) is not None:
                job.answer(asyncio.CancelledError())
        for _ in self._workers:
            self._jobs.put(None)


@dataclasses.dataclass
class _Job:
    """A queued task and the future its caller awaits on `loop`."""

    task: Task
    kind: str
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Report]
    abandoned: bool = False
    """The caller went away before a worker took the task: it is not run."""

    def answer(self, outcome: Report | BaseException) -> None:
        """Settle the future from a worker's thread (not when the caller's loop has closed)."""
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(_settle, self.future, outcome)


def _settle(future: asyncio.Future[Report], outcome: Report | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, asyncio.CancelledError):
        future.cancel()
    elif isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
