"""Validate many message files with one profile, on every core, keeping input order.

Worker processes start isolated (`nif.validate._isolation`: minimal environment, private
temporary directory). Each receives the profile once (its artefacts' bytes travel once, in the pool
initializer) and then only file paths; compiled validators live in the worker's process-wide
cache, so every worker compiles each step once however many messages it checks.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from nif.errors import InputError
from nif.report import Report
from nif.settings import Settings
from nif.validate._engine import validate
from nif.validate._isolation import isolate, private_tmpdir, remove_tmpdir, worker_settings
from nif.validate._profile import Profile


def available_cpus() -> int:
    """The cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


AUTO_PARALLEL_BYTES = 8 * 1024 * 1024
"""Below this many bytes of messages in all, starting worker processes (each importing nif and
compiling every schema) costs more than it saves, even with the EN16931 rules."""


def _auto_jobs(paths: Sequence[str | Path]) -> int:
    total = 0
    for path in paths:
        with contextlib.suppress(OSError):  # reading it later says what is wrong
            total += os.stat(path).st_size
    return available_cpus() if total >= AUTO_PARALLEL_BYTES else 1


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


def validate_file(
    path: str | Path, profile: Profile, settings: Settings, *, keep_svrl: bool = True
) -> Report:
    """One message file through the profile; the report's `source` is the path as given."""
    content = read_message(path, settings.max_message_bytes)
    report = validate(content, profile, source=str(path), settings=settings)
    if not keep_svrl:
        for step in report.steps:
            step.svrl = None
    return report


_worker: tuple[Profile, Settings, bool] | None = None


def _start_worker(profile: Profile, settings: Settings, keep_svrl: bool, tmp: str) -> None:
    global _worker
    isolate(tempfile.mkdtemp(dir=tmp))
    _worker = (profile, settings, keep_svrl)


def _run_in_worker(paths: list[str]) -> list[Report]:
    assert _worker is not None, "worker started without its profile"
    profile, settings, keep_svrl = _worker
    return [validate_file(path, profile, settings, keep_svrl=keep_svrl) for path in paths]


def _chunks(paths: Sequence[str | Path], jobs: int) -> list[list[str]]:
    """Several files per task, so that small messages do not drown in inter-process traffic,
    yet about 16 tasks per worker, so that the last ones still balance the load."""
    size = max(1, min(32, len(paths) // (jobs * 16)))
    return [[str(p) for p in paths[i : i + size]] for i in range(0, len(paths), size)]


def validate_files(
    paths: Sequence[str | Path],
    profile: Profile,
    *,
    settings: Settings | None = None,
    jobs: int | None = None,
    keep_svrl: bool = True,
    progress: Callable[[], None] | None = None,
) -> list[Report]:
    """Reports for `paths`, in the same order.

    `jobs` worker processes, never more than there are files; with one job everything runs in
    this process. The default, None or 0, is every available core when the messages add up to
    AUTO_PARALLEL_BYTES or more, else this process. `progress` is called once per finished file.
    `keep_svrl=False` drops the raw SVRL before it crosses the process boundary. Raises
    `InputError` when a file cannot be read.
    """
    settings = settings or Settings()
    jobs = min(jobs or _auto_jobs(paths), len(paths))
    if jobs <= 1:
        reports = []
        for path in paths:
            reports.append(validate_file(path, profile, settings, keep_svrl=keep_svrl))
            if progress:
                progress()
        return reports
    # spawn, not fork: a forked Saxon (GraalVM) or a lock held by another thread would hang
    context = multiprocessing.get_context("spawn")
    tmp = private_tmpdir()
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(remove_tmpdir, tmp)  # after the pool's workers have ended
        pool = cleanup.enter_context(
            concurrent.futures.ProcessPoolExecutor(
                max_workers=jobs,
                mp_context=context,
                initializer=_start_worker,
                initargs=(profile, worker_settings(settings), keep_svrl, tmp),
            )
        )
        futures = [pool.submit(_run_in_worker, chunk) for chunk in _chunks(paths, jobs)]
        try:
            for future in concurrent.futures.as_completed(futures):
                for _ in future.result():
                    if progress:
                        progress()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        return [report for future in futures for report in future.result()]
