"""Talking to a nif service: one request, its answer read within a size limit, and a refusal
turned back into the nif error the service raised.

The service answers every refusal as `{"status", "error", "message"[, "details"]}` with a stable
`error` code (`nif.web._errors`); mapping the code back gives the client the same exception, and
so the CLI the same message and exit code, as running locally. Whatever else comes back (a proxy's
HTML page, garbage, a body past the limit, a redirect) is a `ServiceError` naming the server
without its credentials and never the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from nif import errors

MAX_RESPONSE_BYTES = 256 * 1024 * 1024
"""The most of one answer read (reports, records, bundles): a server sending more is refused."""


def shown_url(url: str) -> str:
    """`url` without user and password: what messages may name."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def base_url(url: str) -> str:
    """A service URL checked: http(s), a host, no query; without a trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise errors.UsageError(
            f"--server {shown_url(url)!r}: expected the service's http:// or https:// URL"
        )
    if parts.query or parts.fragment:
        raise errors.UsageError(f"--server {shown_url(url)!r}: the URL may not have a query")
    return url.strip().rstrip("/")


def _problem(body: bytes) -> tuple[str, str, Any] | None:
    """(code, message, details) of nif's error body, or None for anything else."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    code, message = data.get("error"), data.get("message")
    if not isinstance(code, str) or not isinstance(message, str):
        return None
    return code, message, data.get("details")


def _retry_after(response: httpx.Response) -> int:
    try:
        return max(1, int(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1


def _listed(details: Any, key: str) -> list[Any]:
    if isinstance(details, dict) and isinstance(details.get(key), list):
        return list(details[key])
    return []


_SIMPLE: dict[str, type[errors.NifError]] = {
    "unauthenticated": errors.AuthenticationError,
    "forbidden": errors.ForbiddenError,
    "too_large": errors.UploadTooLargeError,
    "query_timeout": errors.QueryTimeoutError,
    "result_too_large": errors.ResultTooLargeError,
    "store_unavailable": errors.StoreError,
    "state_unavailable": errors.StateError,
    "record_syntax": errors.RecordSyntaxError,
    "not_found": errors.NotFoundError,
    "not_detected": errors.DetectionError,
    "not_certifiable": errors.CertificationError,
    "review_conflict": errors.ReviewError,
    "conflict": errors.RegistryError,
    "artefact": errors.ArtefactError,
    "bad_input": errors.InputError,
    "bad_request": errors.UsageError,
}
"""The service's error codes (`nif.web._errors._STATUS`) back to the errors that made them."""

_BY_STATUS: dict[int, type[errors.NifError]] = {
    401: errors.AuthenticationError,
    403: errors.ForbiddenError,
    404: errors.NotFoundError,
    409: errors.RegistryError,
    413: errors.UploadTooLargeError,
}


def refusal(response: httpx.Response, body: bytes, server: str) -> errors.NifError:
    """The nif error a refused request stands for (the service's own message)."""
    problem = _problem(body)
    status = response.status_code
    if problem is None:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        return errors.ServiceError(
            f"the server at {server} answered {status} with {kind}, not a nif error body: "
            "is --server the nif service's URL?"
        )
    code, message, details = problem
    if code == "rejected":
        return errors.RejectedError(message, details if isinstance(details, list) else [])
    if code == "artefacts_refused":
        return errors.SubmissionCheckError(message, _listed(details, "failures"))
    if code == "incompatible":
        return errors.IncompatibleVersionError(message, _listed(details, "comparisons"))
    if code == "too_many_requests":
        return errors.TooManyRequestsError(message, _retry_after(response))
    if status == 401:
        message += " (give a token with --token or NIF_TOKEN)"
    if code == "precondition_failed" or status == 412:
        return errors.PreconditionFailedError(message, response.headers.get("etag"))
    kind = _SIMPLE.get(code) or _BY_STATUS.get(status) or errors.ServiceError
    return kind(message)


class Connection:
    """An httpx client for one service: the token sent only to it, no redirects followed,
    answers read up to `max_bytes`."""

    def __init__(
        self,
        url: str,
        token: str | None,
        timeout: float,
        transport: httpx.BaseTransport | None,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.url = base_url(url)
        self.server = shown_url(self.url)
        self.max_bytes = max_bytes
        self._secrets = [s for s in (token, urlsplit(self.url).password) if s]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,  # a redirect could carry the token to another host
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        ok: Callable[[int], bool] = lambda status: 200 <= status < 300,
        **kwargs: Any,
    ) -> tuple[httpx.Response, bytes]:
        """The answer and its body; a refusal raised as its nif error."""
        try:
            with self._http.stream(method, path, **kwargs) as response:
                body = self._read(response)
        except httpx.TimeoutException:
            raise errors.ServiceError(
                f"the server at {self.server} did not answer in time"
            ) from None
        except httpx.HTTPError as exc:
            raise errors.ServiceError(
                f"cannot reach the server at {self.server}: {self._hidden(str(exc)) or 'failed'}"
            ) from None
        if 300 <= response.status_code < 400:
            where = shown_url(response.headers.get("location", "elsewhere"))
            raise errors.ServiceError(
                f"the server at {self.server} redirects to {where}: not followed (the token "
                "goes to the service only); give --server as the service's own URL"
            )
        if not ok(response.status_code):
            raise refusal(response, body, self.server)
        return response, body

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The answer's JSON body."""
        _, body = self.request(method, path, **kwargs)
        return self.parse(body)

    def parse(self, body: bytes) -> Any:
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise errors.ServiceError(
                f"the server at {self.server} answered with something that is not JSON"
            ) from None

    def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large()
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> errors.ServiceError:
        return errors.ServiceError(
            f"the server at {self.server} answered with more than {self.max_bytes:,} bytes: "
            "not read"
        )

    def _hidden(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def fields(data: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The `names` of a JSON object, a missing one an error about the server's answer."""
    missing = [n for n in names if n not in data]
    if missing:
        raise errors.ServiceError(f"the server's answer lacks {', '.join(missing)}")
    return {n: data[n] for n in names}
