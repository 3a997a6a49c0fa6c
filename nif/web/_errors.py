"""Every refusal as one JSON body: `{"status", "error", "message"[, "details"][,
"localized_message"]}`.

`error` is a stable machine-readable code; `message` says what is wrong and where, fit for a
person, in English. When the request's `Accept-Language` prefers German or French,
`localized_message` says what the code means in that language (the specifics stay in
`message`); a browser on a page gets the error page in its language instead. Unexpected
failures are logged with their traceback and answered with a generic 500 that carries no
internal detail.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from nif import errors
from nif.web import pages

log = logging.getLogger("nif.web")

# Most specific first: the first class an exception is an instance of decides.
_STATUS: list[tuple[type[errors.NifError], int, str]] = [
    (errors.AuthenticationError, 401, "unauthenticated"),
    (errors.ForbiddenError, 403, "forbidden"),
    (errors.UploadTooLargeError, 413, "too_large"),
    (errors.TooManyRequestsError, 429, "too_many_requests"),
    (errors.QueryTimeoutError, 503, "query_timeout"),
    (errors.ResultTooLargeError, 422, "result_too_large"),
    (errors.StoreError, 503, "store_unavailable"),
    (errors.StateError, 503, "state_unavailable"),
    (errors.PreconditionFailedError, 412, "precondition_failed"),
    (errors.RecordSyntaxError, 400, "record_syntax"),
    (errors.RejectedError, 422, "rejected"),
    (errors.IncompatibleVersionError, 422, "incompatible"),
    (errors.SubmissionCheckError, 422, "artefacts_refused"),
    (errors.NotFoundError, 404, "not_found"),
    (errors.DetectionError, 422, "not_detected"),
    (errors.CertificationError, 409, "not_certifiable"),
    (errors.ReviewError, 409, "review_conflict"),
    (errors.RegistryError, 409, "conflict"),
    (errors.ArtefactError, 422, "artefact"),
    (errors.InputError, 400, "bad_input"),
    (errors.UsageError, 400, "bad_request"),
    (errors.NifError, 400, "bad_request"),
]

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "bad_request",
    429: "too_many_requests",
}


def error_body(
    status: int, code: str, message: str, details: Any = None, localized: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "error": code, "message": message}
    if details is not None:
        body["details"] = details
    if localized is not None:
        body["localized_message"] = localized
    return body


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
    localized: str | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(status, code, message, details, localized), status, headers=headers
    )


def status_of(exc: errors.NifError) -> tuple[int, str]:
    """The HTTP status and error code a nif error is answered with."""
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return status, code
    return 400, "bad_request"


def _headers(exc: errors.NifError) -> dict[str, str]:
    if isinstance(exc, errors.AuthenticationError):
        return {"WWW-Authenticate": 'Bearer realm="nif"'}
    if isinstance(exc, errors.TooManyRequestsError):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, errors.QueryTimeoutError):
        return {"Retry-After": "10"}
    if isinstance(exc, errors.PreconditionFailedError) and exc.etag:
        return {"ETag": exc.etag}
    return {}


def _details(exc: errors.NifError) -> Any:
    if isinstance(exc, errors.IncompatibleVersionError):
        return {"comparisons": [c.to_json() for c in exc.comparisons]}
    if isinstance(exc, errors.SubmissionCheckError):
        return {"failures": [f.to_dict() for f in exc.failures]}
    if isinstance(exc, errors.PreconditionFailedError):
        return {"etag": exc.etag}
    report = getattr(exc, "report", None)
    if report is not None and hasattr(report, "results"):
        return [r.to_dict() for r in report.results]
    return None


def reply(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The JSON error body (with `localized_message` when asked for), or the HTML error page
    for a browser on a page path."""
    if pages.wants_html(request):
        return pages.error_page(request, status, message, headers, code)
    localized = pages.localized_message(request, code)
    return error_response(status, code, message, details, headers, localized)


async def _nif_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.NifError)
    status, code = status_of(exc)
    return reply(request, status, code, str(exc), _details(exc), _headers(exc))


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append({"where": where, "problem": error.get("msg", "invalid")})
    summary = "; ".join(f"{p['where']}: {p['problem']}" for p in problems)
    return reply(request, 400, "bad_request", f"invalid request: {summary}", problems)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    headers = dict(exc.headers) if exc.headers else None
    return reply(request, exc.status_code, code, str(exc.detail), headers=headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return reply(request, 500, "internal", "internal error; the service log has the details")


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.NifError, _nif_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
