"""An answer sent as a store writes it: whole when it is one chunk, else streamed.

The first two chunks are read before the status goes out, so that a short answer and every
error before its second chunk get their own status (422, 429, 503...). Once streaming has begun
a limit passed mid-answer can no longer change the status: the connection is closed without
the chunked body's end, which clients report as an incomplete answer (httpx:
RemoteProtocolError, curl: exit code 18), never as a short answer that looks whole.
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


async def chunked_response(
    chunks: Generator[bytes, None, None], *, media_type: str, headers: dict[str, str]
) -> Response:
    """The answer `chunks` writes; each chunk is read in a thread (a store's write blocks)."""
    try:
        first, more = await run_in_threadpool(_start, chunks)
    except BaseException:
        _close(chunks)
        raise
    if more is None:
        return Response(first, media_type=media_type, headers=headers)
    return StreamingResponse(_rest([first, more], chunks), media_type=media_type, headers=headers)


def _start(chunks: Generator[bytes, None, None]) -> tuple[bytes, bytes | None]:
    """The answer's first chunk and its second (None: the first is the whole answer)."""
    return next(chunks, b""), next(chunks, None)


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
