"""The OpenAPI description of the validation routes: the error bodies, a report example and
the request bodies (raw or multipart), kept apart from the handlers they describe."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from nif.web._errors import error_body


class ErrorBody(BaseModel):
    """Every refusal: a stable code and a message saying what is wrong and where."""

    status: int
    error: str
    message: str
    details: Any = None


def _error(status: int, code: str, message: str, description: str) -> dict[str, Any]:
    return {
        "model": ErrorBody,
        "description": description,
        "content": {"application/json": {"example": error_body(status, code, message)}},
    }


REPORT_EXAMPLE = {
    "report_format": "1",
    "created": "2026-03-01T09:30:00Z",
    "nif_version": "0.1.0",
    "source": "valid-newborn.xml",
    "sha256": "3f0c…",
    "size": 812,
    "media_type": "application/xml",
    "profile": "civreg-birth@2.0.0/BirthNotification",
    "context": {
        "interface": "civreg-birth",
        "version": "2.0.0",
        "message_type": "BirthNotification",
        "status": "Completed",
    },
    "verdict": "invalid",
    "counts": {"fatal": 0, "error": 1, "warning": 0, "info": 0},
    "truncated": False,
    "steps": [
        {
            "name": "schematron",
            "kind": "schematron",
            "engine": "Saxon-HE via saxonche",
            "engine_version": "13.1.1",
            "status": "failed",
            "artefacts": [{"uri": "https://…/birth.sch", "sha256": "9a1b…"}],
            "millis": 3.2,
        }
    ],
    "findings": [
        {
            "severity": "error",
            "step": "schematron",
            "rule_id": "BR-03",
            "message": "The mother must be born before the child.",
            "location": {"line": 14, "column": 5, "xpath": "/BirthNotification/Mother"},
        }
    ],
}

ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error(
        400,
        "bad_request",
        "a version was given without an interface: name the interface too",
        "Empty body, conflicting or malformed parameters, unknown format",
    ),
    404: _error(
        404,
        "not_found",
        "no interface 'civreg-brith' in the registry; did you mean civreg-birth?",
        "The interface, version or message type named does not exist",
    ),
    406: _error(
        406,
        "not_acceptable",
        "request body: civreg-birth@2.0.0/BirthNotification is not validated by a KoSIT "
        "configuration, so there is no KoSIT report (format kosit); ask for json, junit, text "
        "or html",
        "Accept names no format given, or format kosit for a message type that is not a KoSIT "
        "configuration's",
    ),
    413: _error(
        413,
        "too_large",
        "the upload is 60000000 bytes, over the limit of 52428800 bytes (max_upload_bytes)",
        "The upload is over max_upload_bytes",
    ),
    422: _error(
        422,
        "not_detected",
        "no registered message type matches root element {urn:x}Order",
        "No registered message type matches the message (the candidates are listed); with "
        "format kosit, `no_kosit_report`: no KoSIT report was written (nif's report in details)",
    ),
    429: _error(
        429,
        "too_many_requests",
        "16 validations are running or queued, the limit of this service; retry shortly",
        "Too many validations at once, or too many requests from this client (Retry-After)",
    ),
}

TEXT = {"schema": {"type": "string"}}
BINARY = {"schema": {"type": "string", "format": "binary"}}
_FIELDS = {
    "interface": {"type": "string", "description": "Interface ID or ID@VERSION"},
    "version": {"type": "string", "description": "Interface version"},
    "message_type": {"type": "string", "description": "Message type ID"},
}


def request_body(
    description: str, files: dict[str, Any], raw: dict[str, Any], formats: list[str]
) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            **files,
                            **_FIELDS,
                            "format": {"type": "string", "enum": formats},
                        },
                        "required": list(files),
                    }
                },
                **raw,
            },
        }
    }
