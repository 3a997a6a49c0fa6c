"""The HTTP side of a remote store: reading answers within a deadline, the credentials in a
URL, and Virtuoso's dialect of SPARQL JSON made standard."""

from __future__ import annotations

import httpx

from nif.errors import UsageError
from nif.store._base import QueryLimits

_XSD = "http://www.w3.org/2001/XMLSchema#"


def read_within(response: httpx.Response, limits: QueryLimits | None) -> httpx.Response:
    """The response read whole; within the deadline of `limits`, chunk by chunk, so an endpoint
    that streams rows past it (the Oxigraph server has no time limit) is cut off there."""
    if limits is None or limits.timeout is None:
        response.read()
        return response
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        limits.check_time()
    skip = ("content-encoding", "content-length", "transfer-encoding")
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in skip]
    return httpx.Response(
        response.status_code, headers=headers, content=bytes(body), request=response.request
    )


def split_credentials(url: str) -> tuple[httpx.URL, str, str]:
    """The URL without its userinfo, and the user and password that were in it."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UsageError(f"not a valid store URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError("a remote store URL must be http(s)://host/...")
    return parsed.copy_with(userinfo=b""), parsed.username, parsed.password


def standardize(value: dict[str, str]) -> None:
    """A term of Virtuoso's SPARQL JSON made standard: its older `typed-literal`, its
    `nodeID://` blank node labels and its booleans written 0 and 1."""
    if value["type"] == "typed-literal":
        value["type"] = "literal"
    if value["type"] == "bnode":
        value["value"] = value["value"].removeprefix("nodeID://")
    if value.get("datatype") == _XSD + "boolean" and value["value"] in ("0", "1"):
        value["value"] = "true" if value["value"] == "1" else "false"
