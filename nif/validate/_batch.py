"""Validate many message files with one profile, on worker processes, keeping input order.

Every check runs in a worker process, even for one file, because a step that overruns its time
limit can only be stopped by killing its process: Saxon keeps the GIL and no engine can be
interrupted from inside (an XSD 1.1 pattern such as `(a|aa)+b` backtracks for minutes). The
worker tells this process when each stage starts, so a step past `step_timeout` is killed
within a margin, its message gets a report with verdict `error` naming the step and the limit,
and a new worker takes the files that remain: the same rule as the service's pool.

Worker processes start isolated (`nif.validate._isolation`: minimal environment, private
temporary directory). Each receives the profile once (its artefacts' bytes travel once, when
the process starts) and then file paths, or the `Message`s a caller has read already (so no file
is read twice), several at a time; compiled validators live in the worker's process-wide cache,
so every worker compiles each step once however many messages it checks. Instead of one profile,
a batch may check with a `ProfilePicker`: messages whose profile only their parse tells (a
discriminator below the root) are then parsed once, in the worker, which picks and validates.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Protocol

from nif.errors import InputError
from nif.report import Report, StepResult, StepStatus, Verdict
from nif.settings import Settings
from nif.validate._artefacts import sha256
from nif.validate._engine import MEDIA_TYPES, detect_media, validate
from nif.validate._isolation import private_tmpdir, remove_tmpdir, run_isolated, worker_settings
from nif.validate._json import ParsedJson
from nif.validate._profile import Profile
from nif.validate._xml import ParsedXml
from nif.workers import WorkerProcess


def available_cpus() -> int:
    """The cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


AUTO_PARALLEL_BYTES = 8 * 1024 * 1024
"""Below this many bytes of messages in all, starting more than one worker process (each
importing nif and compiling every schema) costs more than it saves, even with the EN16931
rules."""
COMPILE_LIMIT = 600.0
"""Seconds a validation worker (the CLI's or the service's) may spend compiling a step
(EN16931's Schematron takes a few): registered artefacts are trusted, so this only catches a
hang."""
STARTUP_LIMIT = 120.0
"""Seconds a new validation worker may take to import nif, start Saxon and take its work."""


def read_message(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of a message file; refuses files over the size limit before reading them."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{path}: {size} bytes is more than the limit of {max_bytes} (see --max-bytes)"
            )
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


@dataclasses.dataclass(frozen=True)
class Message:
    """A message file its caller has read already (to detect its type): the bytes travel to
    the worker instead of the file being read again. `source` is the report's."""

    source: str
    content: bytes
    parsed: ParsedJson | None = None
    """A JSON message as detection parsed it with `parse_json`: it crosses to the worker (an
    lxml tree cannot), which checks it without parsing it again."""


Item = str | Message
"""What a batch checks: a file path (read by the worker), or a message read already."""


class ProfilePicker(Protocol):
    """Picks each message's profile from its parse and checks the message with it, where the
    message is parsed (a worker: an lxml tree cannot cross to it), so it is parsed once.

    Picklable: it travels to each worker once, as a profile does. `check` tells `watch`
    ("profile", name) once it has picked, before the steps run, so that a report of a check
    stopped at its time limit names the profile.
    """

    def check(
        self,
        content: bytes,
        *,
        source: str,
        settings: Settings,
        watch: Callable[[str, str], None] | None,
        parsed: ParsedJson | ParsedXml | None,
    ) -> Report: ...


Checks = Profile | ProfilePicker
"""What a batch checks its messages with: one profile, or one picked per message."""


def _auto_jobs(items: Sequence[Item]) -> int:
    total = 0
    for item in items:
        if isinstance(item, Message):
            total += len(item.content)
            continue
        with contextlib.suppress(OSError):  # reading it later says what is wrong
            total += os.stat(item).st_size
    return available_cpus() if total >= AUTO_PARALLEL_BYTES else 1


def validate_file(
    item: str | Path | Message,
    profile: Checks,
    settings: Settings,
    *,
    keep_svrl: bool = True,
    watch: Callable[[str, str], None] | None = None,
) -> Report:
    """One message file through the profile (or the one `profile` picks), in this process; the
    report's `source` is the path as given. `watch` is `validate`'s."""
    parsed = None
    if isinstance(item, Message):
        source, content, parsed = item.source, item.content, item.parsed
    else:
        source, content = str(item), read_message(item, settings.validation.max_message_bytes)
    if isinstance(profile, Profile):
        report = validate(
            content, profile, source=source, settings=settings, watch=watch, parsed=parsed
        )
    else:
        report = profile.check(
            content, source=source, settings=settings, watch=watch, parsed=parsed
        )
    if not keep_svrl:
        report.drop_raw_outputs()
    return report


def _serve(conn: Connection, profile: Checks, settings: Settings, keep_svrl: bool) -> None:
    """A worker's life: check each chunk of files it is sent, telling every stage as it starts,
    until the pipe closes."""

    def watch(stage: str, name: str) -> None:
        conn.send((stage, name))

    while True:
        try:
            chunk: list[Item] = conn.recv()
        except (EOFError, OSError):
            return
        for item in chunk:
            try:
                report = validate_file(item, profile, settings, keep_svrl=keep_svrl, watch=watch)
            except InputError as exc:
                conn.send(("input-error", str(exc)))
                break
            conn.send(("done", report))


def _chunks(count: int, jobs: int) -> list[list[int]]:
    """Several files per task, so that small messages do not drown in inter-process traffic,
    yet about 16 tasks per worker, so that the last ones still balance the load."""
    size = max(1, min(32, count // (jobs * 16)))
    return [list(range(i, min(i + size, count))) for i in range(0, count, size)]


def step_limit(settings: Settings) -> float:
    """Seconds a stage may run before its worker is killed: `step_timeout` plus a margin, so
    that a step that ends just past the limit is reported by the worker itself."""
    return settings.validation.step_timeout + max(1.0, settings.validation.step_timeout / 10)


@dataclasses.dataclass
class _Stage:
    """What a worker is doing and until when it may: `kind` is start, compile or check (the
    parse, from when the worker may take the next file, is the check of step "parse")."""

    kind: str
    name: str
    deadline: float
    started: float = dataclasses.field(default_factory=time.monotonic)


class _Worker:
    """One isolated worker process, the pipe to it, and the files it was sent but not done."""

    def __init__(self, tmp: str, args: tuple[Any, ...]) -> None:
        tmpdir = tempfile.mkdtemp(dir=tmp)
        self.handle = WorkerProcess(
            functools.partial(run_isolated, tmpdir, _serve),
            *args,
            name="nif-validation",
            cleanup=functools.partial(remove_tmpdir, tmpdir),
        )
        self.conn = self.handle.conn
        self.files: collections.deque[int] = collections.deque()
        self.stage = _Stage("start", "", time.monotonic() + STARTUP_LIMIT)
        self.picked: str | None = None
        """The profile a `ProfilePicker` picked for the current file."""

    def take(self, chunk: list[int], items: Sequence[Item], limit: float) -> None:
        """Send files; an idle worker has `limit` seconds to start the first (a new one has
        STARTUP_LIMIT)."""
        if self.stage.kind != "start":
            self.stage = _Stage("check", "parse", time.monotonic() + limit)
        self.files.extend(chunk)
        self.conn.send([items[i] for i in chunk])

    def stop(self) -> None:
        """End an idle worker (its loop ends when the pipe closes), a busy one at once."""
        self.handle.stop(0 if self.files else 5)


class _Batch:
    """Files handed out to at most `jobs` workers, with every stage watched against its limit."""

    def __init__(
        self,
        items: Sequence[Item],
        profile: Checks,
        settings: Settings,
        jobs: int,
        keep_svrl: bool,
        progress: Callable[[], None] | None,
    ) -> None:
        self.items, self.profile, self.settings = items, profile, settings
        self.jobs, self.progress = jobs, progress
        self.args = (profile, worker_settings(settings), keep_svrl)
        self.reports: list[Report | None] = [None] * len(items)
        self.queue = collections.deque(_chunks(len(items), jobs))
        self.workers: list[_Worker] = []

    def run(self) -> list[Report]:
        tmp = private_tmpdir()
        try:
            while self.queue or any(w.files for w in self.workers):
                self._hand_out(tmp)
                busy = [w for w in self.workers if w.files]
                timeout = min(w.stage.deadline for w in busy) - time.monotonic()
                for conn in wait([w.conn for w in busy], max(0.0, timeout)):
                    self._drain(next(w for w in busy if w.conn is conn))
                now = time.monotonic()
                for worker in busy:
                    if worker in self.workers and worker.files and now > worker.stage.deadline:
                        self._overran(worker)
        finally:
            for worker in self.workers:
                worker.stop()
            remove_tmpdir(tmp)
        return [report for report in self.reports if report is not None]

    def _hand_out(self, tmp: str) -> None:
        for worker in self.workers:
            if not worker.files and self.queue:
                worker.take(self.queue.popleft(), self.items, self._limit("check"))
        while self.queue and len(self.workers) < self.jobs:
            worker = _Worker(tmp, self.args)
            self.workers.append(worker)
            worker.take(self.queue.popleft(), self.items, STARTUP_LIMIT)

    def _limit(self, stage: str) -> float:
        return COMPILE_LIMIT if stage == "compile" else step_limit(self.settings)

    def _drain(self, worker: _Worker) -> None:
        """Take every event the worker has sent so far (one wait for many small messages)."""
        while self._receive(worker) and worker.conn.poll():
            pass

    def _receive(self, worker: _Worker) -> bool:
        """One event from the worker; False when it died (and was replaced)."""
        try:
            kind, value = worker.conn.recv()
        except (EOFError, OSError):
            self._died(worker)
            return False
        if kind == "input-error":
            raise InputError(value)
        if kind == "profile":  # picked: the stage goes on
            worker.picked = value
            return True
        if kind == "done":
            worker.picked = None
            self._finish(worker, value)
            kind, value = "check", "parse"
        worker.stage = _Stage(kind, value, time.monotonic() + self._limit(kind))
        return True

    def _finish(self, worker: _Worker, report: Report) -> None:
        self.reports[worker.files.popleft()] = report
        if self.progress:
            self.progress()

    def _overran(self, worker: _Worker) -> None:
        stage, timeout = worker.stage, self.settings.validation.step_timeout
        if stage.kind == "check":
            what = f"step {stage.name} ran past its time limit of {timeout:g} s (step_timeout)"
        elif stage.kind == "compile":
            what = f"compiling the {stage.name} step took more than {COMPILE_LIMIT:g} s"
        else:
            what = f"the validation worker did not start within {STARTUP_LIMIT:g} s"
        limit = self._limit(stage.kind) if stage.kind != "start" else STARTUP_LIMIT
        self._fail(
            worker,
            f"time limit exceeded: {what}; the worker process was killed after {limit:g} s "
            "and the result discarded",
        )

    def _died(self, worker: _Worker) -> None:
        code = worker.handle.exit_code(2)
        self._fail(
            worker,
            "the validation worker stopped unexpectedly"
            + (f" (exit code {code})" if code is not None else "")
            + " while checking this message; no result is available",
        )

    def _fail(self, worker: _Worker, message: str) -> None:
        """Kill the worker, give its current file a report with verdict error, and queue the
        files it had not started for another worker."""
        worker.handle.kill()
        self.workers.remove(worker)
        index = worker.files.popleft()
        stage = worker.stage
        step = stage.name if stage.kind in ("check", "compile") and stage.name else "worker"
        name = self.profile.name if isinstance(self.profile, Profile) else worker.picked
        report = _stopped_report(self.items[index], name, self.settings, step, message)
        report.steps[0].millis = (time.monotonic() - stage.started) * 1000
        self.reports[index] = report
        if self.progress:
            self.progress()
        if worker.files:
            self.queue.appendleft(list(worker.files))


def _stopped_report(
    item: Item, profile: str | None, settings: Settings, step: str, message: str
) -> Report:
    """A report with verdict error for a message whose check was stopped."""
    if isinstance(item, Message):
        source, content = item.source, item.content
    else:
        source, content = item, read_message(item, settings.validation.max_message_bytes)
    media = detect_media(content)
    kind = step.split(":", 1)[0]
    return Report(
        source=source,
        sha256=sha256(content),
        size=len(content),
        media_type=MEDIA_TYPES.get(media or "", "application/octet-stream"),
        verdict=Verdict.ERROR,
        findings=[],
        steps=[StepResult(step, kind, "", "", StepStatus.ERROR, error=message)],
        profile=profile,
    )


def validate_files(
    paths: Sequence[str | Path | Message],
    profile: Checks,
    *,
    settings: Settings | None = None,
    jobs: int | None = None,
    keep_svrl: bool = True,
    progress: Callable[[], None] | None = None,
) -> list[Report]:
    """Reports for `paths`, in the same order, each checked in a worker process.

    `jobs` worker processes, never more than there are files. The default, None or 0, is every
    available core when the messages add up to AUTO_PARALLEL_BYTES or more, else one. A stage
    past its limit (`step_limit`) has its worker killed: that message's report has verdict
    `error` and says which step and limit. `progress` is called once per finished file.
    `keep_svrl=False` drops the raw SVRL and KoSIT report before they cross the process
    boundary. Raises `InputError` when a file cannot be read. A `Message` is not read again:
    its bytes go to the worker. A `ProfilePicker` instead of a profile picks each message's
    profile where the message is parsed.
    """
    if not paths:
        return []
    settings = settings or Settings.defaults()
    items = [p if isinstance(p, Message) else str(p) for p in paths]
    jobs = min(jobs or _auto_jobs(items), len(items))
    batch = _Batch(items, profile, settings, jobs, keep_svrl, progress)
    return batch.run()
