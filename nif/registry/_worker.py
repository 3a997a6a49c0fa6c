"""Validation workers: processes that keep compiled validators and can be killed, the server
side (`serve`) and the client that starts, feeds and kills one (`ValidationWorker`), in a
module that imports no web code, so a spawned worker starts quickly (and again after a kill).

Saxon keeps the GIL while it runs and no engine can be interrupted inside a process, so a check
that must stop at its time limit runs in a worker process, and one that overruns the limit is
killed and replaced: that is the only way to take a core back from a runaway Schematron. The
service's pool (`nif.web._pool`) keeps several workers; `nif certify run` uses one.

Workers start isolated (`nif.validate._isolation`): a minimal environment without secrets, a
private temporary directory removed when the worker ends, and settings without store
credentials.

A worker receives `Task`s on a pipe and answers "took" (it has the task), "compiled" (the
profile is built and its steps compiled; the pool's time limit starts) and "done" with the
report. It builds each target's profile once and keeps it under the target's key (the message
type and its artefacts' checksums); the process-wide compiled cache keeps the validators. A
registry change needs no signal here: the service's targets are dropped at the change
(`Registry.changed`), so the next task brings the new checksums, hence a new key.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import datetime
import functools
import logging
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection
from typing import Any

from nif.errors import ArtefactError
from nif.registry._blobs import Blobs
from nif.registry._error_report import error_report
from nif.registry._lifecycle import judge_lifecycle
from nif.registry._validation import Target
from nif.report import Report, StepResult, StepStatus, Verdict
from nif.settings import Settings
from nif.state import open_blobs
from nif.validate import (
    COMPILE_LIMIT,
    MEDIA_TYPES,
    STARTUP_LIMIT,
    CompiledCache,
    Profile,
    compile_step,
    detect_media,
    private_tmpdir,
    remove_tmpdir,
    run_isolated,
    sha256,
    step_limit,
    validate,
    worker_settings,
)
from nif.workers import WorkerProcess

log = logging.getLogger("nif.registry")

PR_SET_PDEATHSIG = 1
"""prctl(2): the signal a process gets when its parent dies."""

PROFILES_KEPT = 64
"""Built profiles a worker keeps (least recently used go first; their compiled steps stay in the
process-wide cache until it evicts them too)."""


@dataclasses.dataclass(frozen=True)
class Task:
    """One message for a worker: its bytes, its name in the report and what to check it with."""

    content: bytes
    source: str
    target: Target
    keep_svrl: bool = False
    keep_kosit_report: bool = False
    """Keep the KoSIT report (not the SVRL) for the answer: only when the client asked for it."""
    today: datetime.date | None = None
    """The day the version's lifecycle is judged on; None: today (UTC) when it is checked."""


def serve(conn: Connection, settings: Settings) -> None:
    """A worker's life: warm up, say ready, then answer tasks until the pipe closes."""
    _die_with_parent()
    from nif.validate import saxon_processor

    saxon_processor()
    blobs = open_blobs(settings, "artefacts")
    profiles = CompiledCache(size=PROFILES_KEPT)
    tasks = built = 0

    def build(target: Target) -> Profile:
        nonlocal built
        built += 1
        return _prepare(target, blobs, settings)

    conn.send(("ready", None))
    while True:
        try:
            task: Task = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(("took", None))
        try:
            profile = profiles.get(task.target.key, functools.partial(build, task.target))
        except ArtefactError as exc:  # not kept: a missing blob may be restored
            conn.send(("compiled", None))
            report = error_report(
                task.content,
                source=task.source,
                stage="profile",
                error=str(exc),
                settings=settings,
                ref=task.target.ref,
            )
        else:
            conn.send(("compiled", None))
            report = validate(
                task.content,
                profile,
                source=task.source,
                settings=settings,
                context=task.target.ref.context,
            )
        judge_lifecycle(report, task.target.ref, settings, task.today)
        if not task.keep_svrl:
            report.drop_raw_outputs(keep_kosit_report=task.keep_kosit_report)
        tasks += 1
        conn.send(("done", (report, tasks, built)))


def _die_with_parent() -> None:
    """Have the kernel kill this worker when the service dies, even by SIGKILL and even in the
    middle of a check (Linux; a watching thread could not run while Saxon holds the GIL). The
    signal follows the thread that spawned the worker: the pool spawns from threads that live
    as long as it. An idle worker also ends when its pipe closes."""
    parent = multiprocessing.parent_process()
    with contextlib.suppress(OSError, AttributeError):  # no prctl: not Linux
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None and os.getppid() != parent.pid:  # it died before prctl
        os._exit(1)


def _prepare(target: Target, blobs: Blobs, settings: Settings) -> Profile:
    """The target's profile with every step compiled (a step that fails to compile reports
    itself when the message is checked); `ArtefactError` when it cannot be built."""
    profile = target.profile(blobs)
    for spec in profile.steps:
        try:
            compile_step(spec, settings)
        except Exception:  # the step reports it when the message is checked
            log.debug("step %s does not compile", spec.kind, exc_info=True)
    return profile


# --- the client side ---------------------------------------------------------------------


def check_limit(settings: Settings, steps: int) -> float:
    """Seconds a task may run once its validators are compiled: every step (one per artefact)
    and the parse at `step_timeout`, plus the margin for the report to cross the pipe."""
    return settings.validation.step_timeout * steps + step_limit(settings)


@dataclasses.dataclass
class WorkerStats:
    """What one worker slot has done, for tests and operators."""

    pid: int | None
    tasks: int = 0
    profiles_built: int = 0
    restarts: int = 0
    busy: bool = False


class ValidationWorker:
    """One worker process and the pipe to it, used by one thread at a time: `run` hands it a
    task and waits at most the task's time limit; a worker that overruns it or dies is killed
    and replaced, and the task's report has verdict error.

    The service's pool keeps several; `nif certify run` uses one as a context manager, started
    on entry and killed on exit, and passes `validate` to `run_suite`::

        with ValidationWorker(settings) as worker:
            run = run_suite(..., validator=worker.validate)
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.stats = WorkerStats(pid=None)
        self._stopping = False
        self._process: WorkerProcess | None = None
        self._tmpdir: str | None = None

    def __enter__(self) -> ValidationWorker:
        self.spawn()
        try:
            self.wait_ready()
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()

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
                f"(step_timeout {self._settings.validation.step_timeout:g} s per step); "
                "the worker was stopped and the result discarded"
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
        return report

    def validate(self, target: Target, content: bytes, source: str) -> Report:
        """`run` with `run_suite`'s validator signature: `content` checked as `target`."""
        return self.run(Task(content, source, target))

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
