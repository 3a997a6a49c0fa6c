"""The service's validation workers: processes that keep compiled validators and can be killed.

Saxon keeps the GIL while it runs and no engine can be interrupted inside a process, so every
validation runs in a spawned worker process (`nif.registry._worker`), and one that overruns its
time limit is killed and replaced: that is the only way to take a core back from a runaway
Schematron. A task carries the
message and its `Target` (the message type and its artefact pins, a few hundred bytes); the
worker builds the profile from the blob store once per target key and keeps it, and the
process-wide compiled cache keeps each step's validator, so a second message of a type costs
only its check.

Workers start isolated (`nif.validate._isolation`): a minimal environment without secrets, a
private temporary directory removed when the worker ends, and settings without store
credentials.

Admission is immediate: with `max_concurrent_validations` validations already running or queued
the next one is refused (`TooManyRequestsError`) rather than left waiting.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from nif.errors import TooManyRequestsError
from nif.registry._worker import Task, serve
from nif.report import Report, StepResult, StepStatus, Verdict
from nif.settings import Settings
from nif.validate._artefacts import sha256
from nif.validate._engine import MEDIA_TYPES, detect_media
from nif.validate._isolation import private_tmpdir, remove_tmpdir, run_isolated, worker_settings
from nif.workers import WorkerProcess

log = logging.getLogger("nif.web")

COMPILE_LIMIT = 600.0
"""Seconds a worker may spend building and compiling a profile it has not seen (EN16931's
Schematron takes a few): registered artefacts are trusted, so this only catches a hang."""

STARTUP_LIMIT = 120.0
"""Seconds a new worker may take to import nif and start Saxon."""


def check_limit(settings: Settings, steps: int) -> float:
    """Seconds a task may run once its validators are compiled: every step (one per artefact)
    and the parse at `step_timeout`, plus a margin for the report to cross the pipe."""
    return settings.step_timeout * (steps + 1) + max(1.0, settings.step_timeout / 10)


@dataclasses.dataclass
class WorkerStats:
    """What one worker slot has done, for tests and operators."""

    pid: int | None
    tasks: int = 0
    profiles_built: int = 0
    restarts: int = 0
    busy: bool = False


class _Worker:
    """One worker process and the pipe to it; used by one thread at a time."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.stats = WorkerStats(pid=None)
        self._stopping = False
        self._process: WorkerProcess | None = None
        self._tmpdir: str | None = None

    def spawn(self) -> None:
        self._tmpdir = private_tmpdir()
        self._process = WorkerProcess(
            functools.partial(run_isolated, self._tmpdir, serve),
            worker_settings(self._settings),
            name="nif-validation",
            cleanup=functools.partial(remove_tmpdir, self._tmpdir),
        )
        self.stats.pid = self._process.process.pid

    def wait_ready(self) -> None:
        assert self._process is not None
        if not self._process.conn.poll(STARTUP_LIMIT):
            self.kill()
            raise RuntimeError(f"a validation worker did not start within {STARTUP_LIMIT:g} s")
        kind, _ = self._process.conn.recv()
        if kind != "ready":
            raise RuntimeError(f"a validation worker started with {kind!r}")

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process = None
        self._tmpdir = None

    def stop(self) -> None:
        """Close the pipe: an idle worker's loop ends; `finish` then waits for it."""
        self._stopping = True
        if self._process is not None:
            self._process.conn.close()

    def finish(self, wait: float) -> None:
        """Wait up to `wait` seconds for a stopped worker to exit, then kill it."""
        if self._process is not None:
            self._process.stop(wait)
        self.kill()

    def _restart(self) -> None:
        self.kill()
        if self._stopping:
            raise OSError("the service is shutting down")
        self.stats.restarts += 1
        self.spawn()
        self.wait_ready()

    def _recover(self) -> None:
        """Replace the worker after a failed task; if that fails too, the next task retries."""
        try:
            self._restart()
        except (OSError, RuntimeError) as exc:
            log.warning("a validation worker could not be replaced: %s", exc)

    def run(self, task: Task) -> Report:
        """The task's report; a worker that overruns or dies is replaced and the report says so."""
        try:
            self._hand_over(task)
            self.stats.busy = True
            self._receive(COMPILE_LIMIT, "compiled")
            limit = check_limit(self._settings, len(task.target.records))
            _, (report, tasks, built) = self._receive(limit, "done")
        except _Overran as exc:
            what = {"done": "checking the message", "compiled": "compiling its validators"}.get(
                exc.kind, "taking the task"
            )
            message = (
                f"time limit exceeded: {what} took more than {exc.limit:g} s "
                f"(step_timeout {self._settings.step_timeout:g} s per step); the worker was "
                "stopped and the result discarded"
            )
            log.warning("%s: %s", task.source, message)
            self._recover()
            return failed_report(task, message)
        except (EOFError, OSError, RuntimeError) as exc:
            code = self._process.exit_code(2) if self._process is not None else None
            self.kill()
            message = (
                "the validation worker stopped unexpectedly"
                + (f" (exit code {code})" if code is not None else "")
                + " while checking this message; it was restarted, and no result is available"
            )
            log.warning("%s: %s (%s)", task.source, message, type(exc).__name__)
            self._recover()
            return failed_report(task, message)
        finally:
            self.stats.busy = False
        self.stats.tasks, self.stats.profiles_built = tasks, built
        return report  # type: ignore[no-any-return]

    def _hand_over(self, task: Task) -> None:
        """Send the task until a worker says it took it, replacing one that died while idle
        (once: a worker that dies on taking a task is a crash)."""
        for attempt in (1, 2):
            if self._process is None or not self._process.alive:
                self._restart()
            assert self._process is not None
            try:
                self._process.conn.send(task)
                self._receive(STARTUP_LIMIT, "took")
                return
            except (EOFError, OSError):
                if attempt == 2:
                    raise
                self.kill()

    def _receive(self, limit: float, expected: str) -> tuple[str, Any]:
        assert self._process is not None
        if not self._process.conn.poll(limit):
            raise _Overran(expected, limit)
        kind, value = self._process.conn.recv()
        if kind != expected:
            raise OSError(f"worker answered {kind!r}, not {expected!r}")
        return kind, value


class _Overran(Exception):
    def __init__(self, kind: str, limit: float) -> None:
        super().__init__(kind)
        self.kind, self.limit = kind, limit


def failed_report(task: Task, message: str) -> Report:
    """A report with verdict error for a message whose check was stopped."""
    ref = task.target.ref
    media = detect_media(task.content)
    step = StepResult("worker", "worker", "nif", "", StepStatus.ERROR, error=message)
    return Report(
        source=task.source,
        sha256=sha256(task.content),
        size=len(task.content),
        media_type=MEDIA_TYPES.get(media or "", "application/octet-stream"),
        verdict=Verdict.ERROR,
        findings=[],
        steps=[step],
        profile=ref.name,
        context=ref.context,
    )


class ValidationPool:
    """N worker processes behind an async API; at most `limit` validations in flight."""

    def __init__(self, settings: Settings, workers: int, limit: int) -> None:
        if workers < 1:
            raise ValueError("a validation pool needs at least one worker")
        self.settings = settings
        self.limit = limit
        self._workers = [_Worker(settings) for _ in range(workers)]
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="nif-validation"
        )
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._in_flight = 0
        self._closed = False

    @classmethod
    def start(cls, settings: Settings) -> ValidationPool:
        """A pool with `validation_workers` workers (0: one per available core), all started."""
        from nif.validate._batch import available_cpus

        pool = cls(
            settings,
            settings.validation_workers or available_cpus(),
            settings.max_concurrent_validations,
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
            pool._idle.put_nowait(worker)
        log.info("validation pool: %d workers started", len(pool._workers))
        return pool

    @property
    def in_flight(self) -> int:
        """Validations running or queued."""
        return self._in_flight

    def stats(self) -> list[WorkerStats]:
        return [dataclasses.replace(w.stats) for w in self._workers]

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

    async def validate(self, task: Task) -> Report:
        """The task's report from the next free worker (admit it first with `admitted`).

        If the caller goes away, the task still finishes on its worker before the worker takes
        the next one.
        """
        loop = asyncio.get_running_loop()
        worker = await self._idle.get()
        try:
            future = self._threads.submit(worker.run, task)
        except BaseException:
            self._give_back(worker)
            raise
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(self._give_back, worker))
        return await asyncio.shield(asyncio.wrap_future(future))

    def _give_back(self, worker: _Worker) -> None:
        self._idle.put_nowait(worker)

    def close(self) -> None:
        """Stop every worker (all at once: a busy one is killed after a few seconds); running
        tasks end with verdict error."""
        self._closed = True
        for worker in self._workers:
            worker.stop()
        for worker in self._workers:
            worker.finish(5)
        self._threads.shutdown(wait=False, cancel_futures=True)
