"""What a validation request carries: its messages, and the parameters choosing their type.

A client may send the message as the raw body (curl, scripts) or as multipart fields (HTML
forms), and the parameters in the query or as form fields; the routes see one shape either
way. A batch may also be one zip archive, raw or as its only file.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from nif.errors import InputError, UploadTooLargeError, UsageError
from nif.web._zip import MAX_BATCH_FILES, looks_zip, unzip


@contextlib.asynccontextmanager
async def request_form(request: Request) -> AsyncIterator[FormData | None]:
    """The multipart form (None for a raw body), its spooled files closed when the route is
    done with it, answered or refused. A context manager rather than a route dependency:
    FastAPI's generator dependencies cost a raw-body validation 10% of the service's CPU."""
    try:
        yield await read_form(request)
    finally:
        await request.close()


def is_multipart(request: Request) -> bool:
    """Whether the body is a multipart form (else the message itself)."""
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


async def read_form(request: Request) -> FormData | None:
    """The multipart form, or None for a raw body (closed by `request_form`)."""
    if not is_multipart(request):
        return None
    try:
        return await request.form(max_files=MAX_BATCH_FILES, max_fields=100)
    except UploadTooLargeError:
        raise
    except Exception as exc:  # python-multipart and starlette raise several kinds
        raise InputError(f"the multipart body cannot be read: {exc}") from None


def merged(
    form: FormData | None, **query: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """interface, version, message_type and format from the query and the form; the same
    parameter given twice with different values is a conflict (400)."""
    values: dict[str, str | None] = {}
    for name, value in query.items():
        given = form.get(name) if form is not None else None
        if isinstance(given, UploadFile):
            raise UsageError(f"form field {name} must be text, not a file")
        if given == "":
            given = None
        if value is not None and given is not None and value != given:
            raise UsageError(
                f"{name} is given twice: {value!r} in the query, {given!r} in the form"
            )
        chosen = value if value is not None else given
        values[name] = chosen.strip() if isinstance(chosen, str) and chosen.strip() else None
    return values["interface"], values["version"], values["message_type"], values["format"]


async def one_message(request: Request, form: FormData | None) -> tuple[str, bytes]:
    """(source, content) of a single-message request: the form's `file`, else the body."""
    if form is None:
        return "request body", await request.body()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InputError("the multipart body has no file field 'file' holding the message")
    content = await upload.read()
    return upload.filename or "file", content


async def batch_messages(
    request: Request, form: FormData | None, max_bytes: int
) -> list[tuple[str, bytes]]:
    """(source, content) for each message of a batch request, in order."""
    if form is None:
        content = await request.body()
        if not content:
            raise InputError("the request body is empty: send a zip, or files as multipart")
        if not looks_zip(content, request.headers.get("content-type")):
            raise InputError(
                "a batch is several files (multipart field 'files') or one zip archive; "
                "the body is neither"
            )
        return await run_in_threadpool(unzip, content, max_bytes)
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if len(uploads) != len(form.getlist("files")):
        raise InputError("multipart field 'files' must hold files, not text")
    if not uploads:
        raise InputError("the multipart body has no file field 'files' holding the messages")
    messages = [(u.filename or f"file {i + 1}", await u.read()) for i, u in enumerate(uploads)]
    if len(messages) == 1 and looks_zip(messages[0][1], uploads[0].content_type):
        return await run_in_threadpool(unzip, messages[0][1], max_bytes)
    return messages
