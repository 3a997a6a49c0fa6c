"""The worker side of the service's validation pool, in a module that imports no web code, so
a spawned worker starts quickly (and again after a kill).

A worker receives `Task`s on a pipe and answers "took" (it has the task), "compiled" (the
profile is built and its steps compiled; the pool's time limit starts) and "done" with the
report. It builds each target's profile once and keeps it; the process-wide compiled cache
keeps the validators.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import logging
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection

from nif.errors import ArtefactError
from nif.registry._blobs import BlobStore
from nif.registry._profiles import error_report
from nif.registry._validation import Target
from nif.settings import Settings
from nif.validate._cache import CompiledCache
from nif.validate._engine import compile_step, validate
from nif.validate._profile import Profile

log = logging.getLogger("nif.web")

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


def serve(conn: Connection, settings: Settings) -> None:
    """A worker's life: warm up, say ready, then answer tasks until the pipe closes."""
    _die_with_parent()
    from nif.validate.schematron._step import saxon

    saxon()
    blobs = BlobStore(settings.home / "blobs")
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
        if not task.keep_svrl:
            for step in report.steps:
                step.svrl = None
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


def _prepare(target: Target, blobs: BlobStore, settings: Settings) -> Profile:
    """The target's profile with every step compiled (a step that fails to compile reports
    itself when the message is checked); `ArtefactError` when it cannot be built."""
    profile = target.profile(blobs)
    for spec in profile.steps:
        try:
            compile_step(spec, settings)
        except Exception:  # the step reports it when the message is checked
            log.debug("step %s does not compile", spec.kind, exc_info=True)
    return profile
