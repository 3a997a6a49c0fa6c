"""The change feed of replicas on one PostgreSQL: a shared generation and LISTEN/NOTIFY.

`publish` moves the one-row counter `nif_changes` on and sends `NOTIFY nif_changes` in the
same transaction, so the notice leaves only with the committed write. A daemon thread per
process holds its own autocommit connection that LISTENs and calls the listeners when another
process published. Notices sent while that connection was down are lost: after reconnecting it
calls the listeners once, since something may have changed. `sync` reads the counter (one
indexed row) for a caller that must not rely on a notice having arrived yet.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable
from typing import Any

import psycopg

from nif.state._base import ChangeFeed
from nif.state._pg_connect import Target

log = logging.getLogger("nif.state")

CHANNEL = "nif_changes"
_POLL = 1.0
"""Seconds the listener waits for a notice before it looks whether it should stop."""
_RETRY = 1.0
"""Seconds between attempts to reconnect the listener."""

Run = Callable[[str, tuple[object, ...]], list[tuple[Any, ...]]]
"""Runs one statement in a pooled transaction of its own (the state's `query`)."""


class PostgresChanges(ChangeFeed):
    """The feed of one process (or of one `PostgresState`: each has its own identity)."""

    def __init__(self, target: Target, run: Run) -> None:
        self._target = target
        self._run = run
        self.identity = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._wake = f"nif_wake_{self.identity.replace('-', '_')}"
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._seen = self._generation()
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None

    def publish(self) -> None:
        rows = self._run(
            "UPDATE nif_changes SET generation = generation + 1 WHERE id = 1 "
            "RETURNING generation, pg_notify(?, ? || ':' || generation)",
            (CHANNEL, self.identity),
        )
        generation = int(rows[0][0])
        with self._lock:
            missed = generation != self._seen + 1  # another process wrote since we looked
            self._seen = max(self._seen, generation)
        if missed:
            self._call()

    def subscribe(self, listener: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(listener)
            start = self._thread is None
            if start:
                self._thread = threading.Thread(
                    target=self._listen, name="nif-state-changes", daemon=True
                )
                self._thread.start()
        if start and not self._listening.wait(self._target.timeout + 1):
            log.warning("the change feed of %s is not listening yet", self._target.where)

    def sync(self) -> bool:
        generation = self._generation()
        with self._lock:
            moved = generation > self._seen
            self._seen = max(self._seen, generation)
        if moved:
            self._call()
        return moved

    def close(self) -> None:
        """Stop the listener thread: a notice on its own channel wakes it at once (else it
        notices within `_POLL` seconds)."""
        self._stop.set()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        if self._listening.is_set():
            try:
                self._run("SELECT pg_notify(?, '')", (self._wake,))
            except Exception:
                log.debug("could not wake the change listener", exc_info=True)
        thread.join(timeout=_POLL * 5)

    def _generation(self) -> int:
        rows = self._run("SELECT generation FROM nif_changes WHERE id = ?", (1,))
        return int(rows[0][0]) if rows else 0

    def _call(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("a change listener failed")

    def _listen(self) -> None:
        """The thread: LISTEN, call listeners on others' notices, reconnect when cut off."""
        reconnected = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(**self._target.kwargs, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    conn.execute(f"LISTEN {self._wake}".encode())
                    self._listening.set()
                    if reconnected:  # notices may have been lost while we were away
                        self._catch_up()
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=_POLL):
                            if notice.channel == CHANNEL:
                                self._heard(notice.payload)
                            elif self._stop.is_set():
                                return
            except psycopg.Error as exc:
                if self._stop.is_set():
                    return
                log.warning(
                    "the change feed lost %s, reconnecting: %s",
                    self._target.where,
                    self._target.scrub(str(exc).strip()),
                )
                reconnected = True
                self._stop.wait(_RETRY)

    def _heard(self, payload: str) -> None:
        sender, _, generation = payload.rpartition(":")
        if sender == self.identity:
            return
        with self._lock:
            if generation.isdigit():
                if int(generation) <= self._seen:
                    return  # `sync` or `publish` saw this move already and told the listeners
                self._seen = int(generation)
        self._call()

    def _catch_up(self) -> None:
        try:
            generation = self._generation()
        except Exception:
            generation = None
        with self._lock:
            if generation is not None:
                self._seen = max(self._seen, generation)
        self._call()
