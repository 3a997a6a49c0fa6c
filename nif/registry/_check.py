"""Checking many records at once: chunks of records with their context, over a process pool.

Whole-registry pyshacl slows down with the size of the graph; a chunk of records plus the
context they need is small, so chunks are fast, and independent chunks use every core.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from rdflib import URIRef

from nif.registry._records import add_ntriples
from nif.registry._shacl import ShaclReport, check_in_place, with_vocabularies
from nif.settings import Settings

Progress = Callable[[int, int], None]
"""Called with (records done, records in all) as chunks finish."""

Checked = Callable[["Chunk", ShaclReport], None]
"""Called with each chunk and its report as it finishes (the incremental check keeps them)."""

CHUNK = 40


@dataclass(frozen=True)
class Chunk:
    """Records (graph IRI, N-Triples) and the N-Triples of the context they are judged with."""

    records: list[tuple[str, bytes]]
    context: bytes


def check_chunk(chunk: Chunk, settings: Settings) -> ShaclReport:
    data = with_vocabularies(settings)
    focus: list[URIRef] = []
    for _, content in chunk.records:
        focus.extend(s for s in add_ntriples(data, content) if isinstance(s, URIRef))
    if chunk.context.strip():
        add_ntriples(data, chunk.context)
    return check_in_place(data, focus, settings)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def check_chunks(
    chunks: Iterable[Chunk],
    total: int,
    settings: Settings,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    checked: Checked | None = None,
) -> ShaclReport:
    """Check every chunk; with more than one worker, in spawned processes (the store stays here)."""
    workers = workers or default_workers()
    done = 0
    reports: list[ShaclReport] = []

    def finished(chunk: Chunk, report: ShaclReport) -> None:
        nonlocal done
        report.checked = len(chunk.records)
        reports.append(report)
        if checked:
            checked(chunk, report)
        done += len(chunk.records)
        if progress:
            progress(done, total)

    if workers == 1:
        for chunk in chunks:
            finished(chunk, check_chunk(chunk, settings))
        return ShaclReport.merge(reports)
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(workers, mp_context=context) as pool:
        for chunk, report in _bounded(pool, chunks, settings, 2 * workers):
            finished(chunk, report)
    return ShaclReport.merge(reports)


def _bounded(
    pool: cf.ProcessPoolExecutor, chunks: Iterable[Chunk], settings: Settings, limit: int
) -> Iterator[tuple[Chunk, ShaclReport]]:
    """Keep at most `limit` chunks in flight, so a large registry is never all in memory."""
    pending: dict[cf.Future[ShaclReport], Chunk] = {}
    for chunk in chunks:
        pending[pool.submit(check_chunk, chunk, settings)] = chunk
        if len(pending) >= limit:
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                yield pending.pop(future), future.result()
    for future in cf.as_completed(pending):
        yield pending[future], future.result()
