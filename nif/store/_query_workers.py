"""Queries people send, run in worker processes that are killed at the time limit.

Oxigraph cannot interrupt one step of a query (a sort, an aggregate, a cartesian product that
finds nothing for long), and a thread cannot be stopped: a runaway query would keep its core and
its slot after its 503. So the service runs each query in a worker process over a read-only
snapshot of the embedded store, and kills the worker when the query overruns: its slot is free
at once and a fresh worker starts in its place.

A snapshot is a RocksDB checkpoint of the store (hard links, a few milliseconds; about 0.1 s
after a write, which it flushes), taken when a query comes after a write, so queries see every
write that finished before them. A worker opens it read-only and keeps it open for the queries
that follow; a snapshot no worker uses any more is deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import threading
from collections.abc import AsyncGenerator, Generator, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from nif import errors
from nif.errors import NifError, StoreError, TooManyRequestsError
from nif.store._base import QueryLimits, ResultFormat, check_format
from nif.workers import WorkerProcess

log = logging.getLogger("nif.store")

GRACE = 0.25
"""Seconds past a query's time limit before its worker is killed: a worker stops a query that
yields rows at the limit by itself (a clean 503), so only one stuck in a step is killed."""
STARTUP_LIMIT = 60.0
"""Seconds a new worker may take to start (import Oxigraph) before it is given up."""
_ERRORS = {
    cls.__name__: cls
    for cls in (
        errors.UsageError,
        errors.StoreError,
        errors.QueryTimeoutError,
        errors.ResultTooLargeError,
    )
}
"""The errors a worker reports by name, raised again in the service as they were."""


def serve(conn: Connection) -> None:
    """A worker's loop: (snapshot, query, format, timeout, max_rows) in, then ("chunk", bytes)
    for each full chunk of the answer and ("ok", bytes) for its rest, or ("error", class name,
    message), until the pipe closes. The query was checked by the parent (`query_form`)."""
    from nif.store._embedded import EmbeddedStore

    opened: tuple[str, EmbeddedStore] | None = None
    conn.send(("ready",))

    def send(chunk: bytes) -> None:
        conn.send(("chunk", chunk))

    while True:
        try:
            snapshot, query, fmt, timeout, max_rows = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if opened is None or opened[0] != snapshot:
                opened = None  # the previous snapshot is closed before the next is opened
                opened = (snapshot, EmbeddedStore.read_only(snapshot))
            limits = QueryLimits(timeout, max_rows)
            answer: tuple[Any, ...] = (
                "ok",
                opened[1].query_stream(query, ResultFormat(fmt), limits, send),
            )
        except (EOFError, OSError):  # the parent stopped reading: it kills this worker
            return
        except NifError as exc:
            answer = ("error", type(exc).__name__, str(exc))
        except Exception as exc:  # reported, not raised: the worker serves the next query
            answer = ("error", "StoreError", f"the query failed: {type(exc).__name__}: {exc}")
        try:
            conn.send(answer)
        except (EOFError, OSError):
            return


def _folder(location: str) -> Path:
    """Where the snapshots of the store at `location` go: beside it (hard links need the same
    file system), hidden."""
    return Path(location).with_name(f".{Path(location).name}-queries")


class _Worker:
    """One worker process and its pipe; used by one query at a time."""

    def __init__(self) -> None:
        self._process: WorkerProcess | None = None
        self._ready = False
        self.snapshot: str | None = None
        """The snapshot the worker has open (None: none, or not known)."""
        self._answering = False
        """Whether the worker is in the middle of a query's answer."""

    def start(self) -> None:
        self._process = WorkerProcess(serve, name="nif-sparql")
        self._ready, self.snapshot = False, None

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process = None
        self.snapshot, self._answering = None, False

    def stream(
        self, snapshot: str, query: str, fmt: ResultFormat, limits: QueryLimits
    ) -> Iterator[bytes]:
        """The query's answer in chunks, waiting on the pipe in this thread (see `_exchange`)."""
        steps = self._exchange(snapshot, query, fmt, limits)
        try:
            step = next(steps)
            while True:
                if isinstance(step, _Wait):
                    step = steps.send(self._conn().poll(step.seconds))
                else:
                    yield step
                    step = next(steps)
        except StopIteration:
            return
        finally:
            steps.close()

    async def astream(
        self, snapshot: str, query: str, fmt: ResultFormat, limits: QueryLimits
    ) -> AsyncGenerator[bytes, None]:
        """As `stream`, waiting on the pipe in the event loop (no thread per wait)."""
        steps = self._exchange(snapshot, query, fmt, limits)
        try:
            step = next(steps)
            while True:
                if isinstance(step, _Wait):
                    step = steps.send(await _readable(self._conn(), step.seconds))
                else:
                    yield step
                    step = next(steps)
        except StopIteration:
            return
        finally:
            steps.close()

    def _conn(self) -> Connection:
        assert self._process is not None
        return self._process.conn

    def _exchange(
        self, snapshot: str, query: str, fmt: ResultFormat, limits: QueryLimits
    ) -> Generator[bytes | _Wait, bool, None]:
        """The query's answer in chunks, or its error; past the time limit (and `GRACE`) the
        worker is killed and a fresh one started, and the query fails with
        `QueryTimeoutError`. Closed before its end, the worker is killed (it is mid-query).

        Yields a `_Wait` where it needs the pipe readable, and is sent back whether it became
        so in time: the one mechanism, waited on in a thread (`stream`) or in the event loop
        (`astream`)."""
        if self._process is None or not self._process.alive:
            self.kill()
            self.start()
            self.snapshot = snapshot
        assert self._process is not None
        conn = self._process.conn
        try:
            if not self._ready:
                if not (yield _Wait(STARTUP_LIMIT)) or conn.recv() != ("ready",):
                    raise OSError(f"no answer within {STARTUP_LIMIT:g} s")
                self._ready = True
                limits = limits.restarted()  # a worker's start is not the query's time
            left = limits.remaining()
            left = None if left is None else max(left, 0.001)
            conn.send((snapshot, query, str(fmt), left, limits.max_rows))
            self._answering = True
            while True:
                wait = None if limits.timeout is None else (limits.remaining() or 0.0) + GRACE
                if not (yield _Wait(wait)):
                    self._overran()
                    raise limits.timed_out()
                answer: tuple[Any, ...] = conn.recv()
                if answer[0] != "chunk":
                    break
                yield answer[1]
            self._answering = False
        except (EOFError, OSError) as exc:
            code = self._process.exit_code() if self._process is not None else None
            self.kill()
            raise StoreError(
                f"the query worker stopped unexpectedly ({type(exc).__name__}"
                + (f", exit code {code}" if code is not None else "")
                + "); try again"
            ) from None
        finally:
            if self._answering:  # its reader stopped mid-answer: the query is still running
                self.kill()
        if answer[0] == "ok":
            if answer[1]:
                yield answer[1]
            return
        _, name, message = answer
        if name == "QueryTimeoutError":  # it said what was left of the limit, not the limit
            raise limits.timed_out()
        raise _ERRORS.get(name, StoreError)(message)

    def _overran(self) -> None:
        """The query's time is up: the worker is killed, a fresh one started for the next."""
        self.kill()
        with contextlib.suppress(OSError):  # else the next query starts one
            self.start()  # ready for the next query while this one is answered


class _Wait:
    """What `_Worker._exchange` needs: the pipe readable within `seconds` (None: no limit)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds


async def _readable(conn: Connection, seconds: float | None) -> bool:
    """Whether `conn` has something to read (or has closed) within `seconds`, waited for in the
    event loop."""
    if conn.poll():
        return True
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    fd = conn.fileno()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await asyncio.wait_for(ready, seconds)
    except TimeoutError:
        return conn.poll()
    finally:
        loop.remove_reader(fd)
        os.set_blocking(fd, True)  # uvloop made it non-blocking; the pipe is read whole
    return True


class QueryWorkers:
    """At most `size` queries at once, each in a worker process of its own (started when first
    needed), over a snapshot of `store`; more are refused with `TooManyRequestsError`."""

    def __init__(self, store: Any, size: int) -> None:
        if size < 1:
            raise errors.UsageError(f"sparql_max_concurrent must be at least 1, not {size}")
        self.size = size
        self._store = store
        self._idle = [_Worker() for _ in range(size)]
        self._busy: list[_Worker] = []
        self._lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._snapshots = _folder(store.location)
        self._current: tuple[int, str] | None = None
        self._taken: set[str] = set()
        """The snapshots taken and not deleted yet."""
        self._closed = False

    @property
    def busy(self) -> int:
        """Queries running now."""
        return len(self._busy)

    def run(self, query: str, fmt: ResultFormat, limits: QueryLimits | None = None) -> bytes:
        """As `Store.query_raw`, in a worker: the query stops at its deadline even inside a step."""
        return b"".join(self.stream(query, fmt, limits))

    def stream(
        self, query: str, fmt: ResultFormat, limits: QueryLimits | None = None
    ) -> Generator[bytes, None, None]:
        """As `run`, the answer in chunks as the worker writes them (the first chunk holds a
        small answer whole). A limit passed after the first chunk raises between chunks: what
        came before is not the whole answer. The worker's slot is held until the iterator ends
        or is closed."""
        limits = self._check(query, fmt, limits)
        worker = self._take()
        try:
            yield from worker.stream(self._snapshot(worker), query, fmt, limits)
        finally:
            self._give_back(worker)

    async def astream(
        self, query: str, fmt: ResultFormat, limits: QueryLimits | None = None
    ) -> AsyncGenerator[bytes, None]:
        """As `stream`, waited for in the event loop: no thread per request (a snapshot after
        a write is still taken in one)."""
        limits = self._check(query, fmt, limits)
        worker = self._take()
        try:
            snapshot = self._current_snapshot(worker)
            if snapshot is None:
                snapshot = await asyncio.to_thread(self._snapshot, worker)
            async for chunk in worker.astream(snapshot, query, fmt, limits):
                yield chunk
        finally:
            self._give_back(worker)

    @staticmethod
    def _check(query: str, fmt: ResultFormat, limits: QueryLimits | None) -> QueryLimits:
        from nif.store._embedded import query_form  # it imports this module

        check_format(query_form(query), fmt)  # remembered: the service asked it already
        return limits or QueryLimits()

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.remove(worker)
            self._idle.append(worker)
        self._collect()

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed")
            if not self._idle:
                raise TooManyRequestsError(
                    f"{self.size} SPARQL queries are running already (sparql_max_concurrent); "
                    "try again in a few seconds",
                    retry_after=2,
                )
            worker = self._idle.pop()
            self._busy.append(worker)
            return worker

    def _snapshot(self, worker: _Worker) -> str:
        """The snapshot of the store as of now (the last one, or a new one after a write),
        marked as the one `worker` will have open so that it is not deleted meanwhile."""
        with self._snapshot_lock:
            generation = self._store.generation
            if self._current is None or self._current[0] != generation:
                self._snapshots.mkdir(mode=0o700, exist_ok=True)
                target = self._snapshots / f"{generation}-{secrets.token_hex(4)}"
                self._store.checkpoint(target)
                self._current = (generation, str(target))
                self._taken.add(str(target))
            worker.snapshot = self._current[1]
            return self._current[1]

    def _current_snapshot(self, worker: _Worker) -> str | None:
        """As `_snapshot` when the last one is as of now, else None: taking one blocks."""
        with self._snapshot_lock:
            if self._current is None or self._current[0] != self._store.generation:
                return None
            worker.snapshot = self._current[1]
            return self._current[1]

    def _collect(self) -> None:
        """Delete the snapshots no worker has open and no query will open (the folder is
        looked at only when one of the snapshots taken may have become unused)."""
        with self._snapshot_lock, self._lock:
            keep = {w.snapshot for w in self._idle + self._busy}
            if self._current is not None:
                keep.add(self._current[1])
            if self._taken <= keep:
                return
            self._taken &= keep
            if not self._snapshots.is_dir():
                return
            for path in self._snapshots.iterdir():
                if str(path) not in keep:
                    shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        """Stop every worker (a running query is killed) and delete the snapshots."""
        with self._lock:
            self._closed = True
            workers = self._idle + self._busy
        for worker in workers:
            worker.kill()
        with contextlib.suppress(OSError):
            shutil.rmtree(self._snapshots)

    @staticmethod
    def clean(location: str) -> None:
        """Delete snapshots a killed process left beside the store at `location`."""
        with contextlib.suppress(OSError):
            shutil.rmtree(_folder(location))
