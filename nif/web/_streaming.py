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
from collections.abc import AsyncGenerator, AsyncIterator, Generator

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
    chunks: AsyncGenerator[bytes, None] | Generator[bytes, None, None],
    *,
    media_type: str,
    headers: dict[str, str],
) -> Response:
    """The answer `chunks` writes: waited for in the event loop, or each chunk of a blocking
    generator (a remote store's) read in a thread."""
    answer = chunks if isinstance(chunks, AsyncGenerator) else _in_threads(chunks)
    held: list[bytes] = []
    size = 0
    try:
        while size <= HOLD_BYTES:
            chunk = await anext(answer, None)
            if chunk is None:
                return Response(b"".join(held), media_type=media_type, headers=headers)
            held.append(chunk)
            size += len(chunk)
    except BaseException:
        await answer.aclose()
        raise
    return StreamingResponse(_rest(held, answer), media_type=media_type, headers=headers)


async def _rest(read: list[bytes], answer: AsyncGenerator[bytes, None]) -> AsyncIterator[bytes]:
    """The chunks read, then the rest as the store writes them; a limit passed mid-answer
    raises, which cuts the connection."""
    try:
        for chunk in read:
            yield chunk
        async for later in answer:
            yield later
    except NifError as exc:
        log.warning("a SPARQL answer was cut off after its status was sent: %s", exc)
        raise
    finally:
        await answer.aclose()


async def _in_threads(chunks: Generator[bytes, None, None]) -> AsyncGenerator[bytes, None]:
    """The chunks of a blocking generator, each read in a thread; closed in one too."""
    try:
        while (chunk := await run_in_threadpool(_next, chunks)) is not None:
            yield chunk
    finally:
        await run_in_threadpool(_close, chunks)


def _next(chunks: Generator[bytes, None, None]) -> bytes | None:
    return next(chunks, None)


def _close(chunks: Generator[bytes, None, None]) -> None:
    """Stop the query (its worker is killed mid-answer) and free its slot; one still being
    read in another thread is closed when that read ends and it is dropped."""
    with contextlib.suppress(ValueError):  # "generator already executing"
        chunks.close()
