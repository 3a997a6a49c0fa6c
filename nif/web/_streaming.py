"""An answer sent as a store writes it: whole up to `HOLD_BYTES`, streamed beyond.

Up to `HOLD_BYTES` of an answer are read before its status goes out, so that an answer of that
size, and every error before it (422 for a result over the row limit, 429, 503...), gets its own
status and message. Once streaming has begun a limit passed mid-answer can no longer change the
status: the connection is closed without the chunked body's end, which clients report as an
incomplete answer (httpx: RemoteProtocolError, curl: exit code 18), never as a short answer that
looks whole.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Generator

from fastapi import Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from nif.errors import NifError

log = logging.getLogger("nif.web")

HOLD_BYTES = 4 * 1024 * 1024
"""Bytes of an answer held before it is streamed: with the default `sparql_max_rows`, most
answers over the row limit pass it before this and get their 422; at most this much is held
per running query."""


async def chunked_response(
    chunks: Generator[bytes, None, None], *, media_type: str, headers: dict[str, str]
) -> Response:
    """The answer `chunks` writes; each chunk is read in a thread (a store's write blocks)."""
    try:
        held, whole = await run_in_threadpool(_start, chunks, HOLD_BYTES)
    except BaseException:
        _close(chunks)
        raise
    if whole:
        return Response(b"".join(held), media_type=media_type, headers=headers)
    return StreamingResponse(_rest(held, chunks), media_type=media_type, headers=headers)


def _start(chunks: Generator[bytes, None, None], hold: int) -> tuple[list[bytes], bool]:
    """The chunks read before the status goes out (more than `hold` bytes, or all), and
    whether they are the whole answer."""
    held: list[bytes] = []
    size = 0
    for chunk in chunks:
        held.append(chunk)
        size += len(chunk)
        if size > hold:
            return held, False
    return held, True


def _next(chunks: Generator[bytes, None, None]) -> bytes | None:
    return next(chunks, None)


async def _rest(read: list[bytes], chunks: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    """The chunks read, then the rest as the store writes them; a limit passed mid-answer
    raises, which cuts the connection."""
    try:
        for chunk in read:
            yield chunk
        while (later := await run_in_threadpool(_next, chunks)) is not None:
            yield later
    except NifError as exc:
        log.warning("a SPARQL answer was cut off after its status was sent: %s", exc)
        raise
    finally:
        await run_in_threadpool(_close, chunks)


def _close(chunks: Generator[bytes, None, None]) -> None:
    """Stop the query (its worker is killed mid-answer) and free its slot; one still being
    read in another thread is closed when that read ends and it is dropped."""
    with contextlib.suppress(ValueError):  # "generator already executing"
        chunks.close()
