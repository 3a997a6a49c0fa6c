"""Service limits enforced before any handler runs: upload size and requests per client.

An ASGI middleware rather than a dependency, so that an oversized upload is refused before any
of it is read (Content-Length) or as soon as it crosses the limit (chunked bodies), whatever the
endpoint, and a client over its rate gets a 429 without costing a handler.
"""

from __future__ import annotations

import math
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nif.errors import UploadTooLargeError
from nif.settings import Settings
from nif.web._errors import reply

EXEMPT = frozenset({"/health"})
"""Paths the rate limit never applies to (monitoring must see a busy service as alive)."""

_FORGET_AFTER = 10_000
"""Clients remembered before those whose bucket has refilled are forgotten."""


class RateLimiter:
    """A token bucket per client: `per_minute` requests in a burst, refilled evenly."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}

    def wait(self, client: str, now: float | None = None) -> int:
        """0 when `client` may go ahead (and one token is taken), else seconds to wait."""
        now = time.monotonic() if now is None else now
        tokens, then = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.rate)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            if len(self._buckets) > _FORGET_AFTER:
                self._forget(now)
            return 0
        self._buckets[client] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / self.rate))

    def _forget(self, now: float) -> None:
        full = [
            client
            for client, (tokens, then) in self._buckets.items()
            if tokens + (now - then) * self.rate >= self.capacity
        ]
        for client in full:
            del self._buckets[client]


class LimitsMiddleware:
    """Refuses uploads over `max_upload_bytes` (413) and clients over `rate_limit` (429)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_bytes = settings.service.max_upload_bytes
        self.limiter = (
            RateLimiter(settings.service.rate_limit) if settings.service.rate_limit > 0 else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.limiter is not None and scope["path"] not in EXEMPT:
            client = scope.get("client")
            wait = self.limiter.wait(client[0] if client else "unknown")
            if wait:
                response = reply(
                    Request(scope),
                    429,
                    "too_many_requests",
                    f"too many requests from this client: the limit is {self.limiter.capacity:g} "
                    f"per minute (rate_limit); retry in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
                await response(scope, receive, send)
                return
        await self._limited(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The body as the handler reads it: refused at once when its Content-Length is over
        the limit (not a byte is read), else counted as it streams in and refused past the
        limit. The handler sees `UploadTooLargeError` (so a write can audit its refusal) and the
        answer becomes a 413 whatever it does with it."""
        declared = _content_length(scope)
        state: dict[str, Any] = {"received": 0, "exceeded": False, "started": False}

        async def counted() -> Message:
            if declared is not None and declared > self.max_bytes:
                state["exceeded"] = True
                raise UploadTooLargeError(_message(declared, self.max_bytes))
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_bytes:
                    state["exceeded"] = True
                    raise UploadTooLargeError(_message(None, self.max_bytes))
            return message

        async def guarded(message: Message) -> None:
            if state["exceeded"] and not state["started"]:
                state["started"] = True
                await _too_large(scope, declared, self.max_bytes)(scope, receive, send)
                return
            if state["exceeded"]:
                return  # the rest of a response the 413 replaced
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not state["exceeded"]:
                raise
            if not state["started"]:
                await _too_large(scope, declared, self.max_bytes)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _message(size: int | None, limit: int) -> str:
    if size is None:
        return f"the upload is over the limit of {limit} bytes (max_upload_bytes)"
    return f"the upload is {size} bytes, over the limit of {limit} bytes (max_upload_bytes)"


def _too_large(scope: Scope, declared: int | None, limit: int) -> Response:
    """The 413: the JSON error, or the HTML error page for a browser on a page path."""
    size = declared if declared is not None and declared > limit else None
    return reply(Request(scope), 413, "too_large", _message(size, limit))
