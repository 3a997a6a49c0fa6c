"""`Client`: the calls of `nif validate`, `nif registry`, `nif sparql` and `nif certify` made
to a running nif service over its HTTP API, returning nif's own types and raising nif's errors.

An agency's CI uses it as it would the CLI, without a registry of its own:

    with Client("https://nif.example", token=os.environ["NIF_TOKEN"]) as nif:
        report = nif.validate(Path("out/birth.xml"), interface="civreg-birth")
        assert report.verdict == "valid", render_text([report])
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from nif.client._bundles import record_body, write_bundle
from nif.client._http import MAX_RESPONSE_BYTES, Connection
from nif.client._results import (
    CertificateSummary,
    CertificateVerdict,
    Pulled,
    RecordDocument,
    RecordSummary,
    RunOutcome,
    Submitted,
    Version,
)
from nif.errors import InputError, ServiceError
from nif.report import Report

Message = bytes | Path | str
"""A message: its bytes, or the path of its file."""
RECORD_FORMATS = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "json-ld": "application/ld+json",
    "rdf-xml": "application/rdf+xml",
}
CERTIFICATE_TYPES = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".json": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".nt": "application/n-triples",
}


def _path(name: str) -> str:
    """One URL path segment (an identifier may hold any character)."""
    return quote(name, safe="")


def _message(message: Message, source: str | None) -> tuple[str, bytes]:
    if isinstance(message, bytes):
        return source or "message", message
    path = Path(message)
    try:
        return source or str(path), path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


class Client:
    """A nif service at `base_url`; `token` is sent as a bearer token to it only (never to a
    redirect's target: redirects are not followed). Use as a context manager, or `close()`."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self._http = Connection(base_url, token, timeout, transport, max_response_bytes)

    @property
    def server(self) -> str:
        """The service's URL as messages show it (without credentials)."""
        return self._http.server

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # validation

    def validate(
        self,
        message: Message,
        interface: str | None = None,
        version: str | None = None,
        message_type: str | None = None,
        *,
        source: str | None = None,
    ) -> Report:
        """The report of one message, against `interface` (`version`, `message_type`) or the
        message type detected from it. `source` names it in the report (default: its path)."""
        body = self.validate_as("json", message, interface, version, message_type, source=source)
        data = self._http.parse(body)
        if not isinstance(data, dict):
            raise ServiceError(f"the server at {self.server} answered no report")
        try:
            return Report.from_dict(data)
        except ValueError:
            raise ServiceError(f"the server at {self.server} answered no valid report") from None

    def validate_as(
        self,
        fmt: str,
        message: Message,
        interface: str | None = None,
        version: str | None = None,
        message_type: str | None = None,
        *,
        source: str | None = None,
    ) -> bytes:
        """The report of one message as the service renders it: json, junit, text, html, or
        kosit (a KoSIT configuration's own report)."""
        name, content = _message(message, source)
        params = {"interface": interface, "version": version, "message_type": message_type}
        params = {k: v for k, v in params.items() if v}
        _, body = self._http.request(
            "POST",
            "/api/validate",
            params={**params, "format": fmt},
            files={"file": (name, content, "application/octet-stream")},
        )
        return body

    # the registry

    def records(self) -> list[RecordSummary]:
        """The current records, sorted by kind then identifier."""
        data = self._http.json("GET", "/api/records")
        return [RecordSummary.from_dict(r) for r in _list(data, "records")]

    def record(self, identifier: str, fmt: str = "turtle") -> RecordDocument:
        """A current record as RDF (turtle, ntriples, json-ld, rdf-xml) with its ETag."""
        media = RECORD_FORMATS[fmt]
        response, body = self._http.request(
            "GET", f"/api/records/{_path(identifier)}", headers={"Accept": media}
        )
        return RecordDocument(
            identifier,
            body,
            response.headers.get("content-type", media),
            response.headers.get("etag"),
        )

    def bundle(self, identifier: str) -> bytes:
        """A current record and its files as a bundle zip."""
        return self._http.request("GET", f"/api/records/{_path(identifier)}/bundle")[1]

    def pull(self, identifier: str, out: Path = Path("."), force: bool = False) -> Pulled:
        """Write a current record and its files as the bundle folder `out/identifier`
        (replacing a folder that is not empty only with `force`)."""
        target = out / identifier
        kind, count = write_bundle(self.bundle(identifier), target, force)
        return Pulled(target, kind, count)

    def submit(
        self,
        target: Path | bytes,
        *,
        identifier: str | None = None,
        media_type: str = "text/turtle",
        rdf_format: str | None = None,
        if_match: str | None = None,
    ) -> Submitted:
        """Submit a record file, bundle folder or zip (or bytes of `media_type` naming
        `identifier`); `if_match` (an ETag from `record()`) makes it fail with
        `PreconditionFailedError` if the record changed since."""
        if isinstance(target, bytes):
            if identifier is None:
                raise InputError("submitting bytes needs the record's identifier")
            content, media = target, media_type
        else:
            content, media, found = record_body(Path(target), rdf_format)
            identifier = identifier or found
        headers = {"Content-Type": media}
        if if_match:
            headers["If-Match"] = if_match
        data = self._http.json(
            "PUT", f"/api/records/{_path(identifier)}", content=content, headers=headers
        )
        return Submitted.from_dict(_object(data))

    def withdraw(self, identifier: str, if_match: str | None = None) -> Version:
        """Withdraw a record (its history stays); `if_match` as for `submit`."""
        headers = {"If-Match": if_match} if if_match else {}
        data = self._http.json("DELETE", f"/api/records/{_path(identifier)}", headers=headers)
        return Version.from_dict(_object(data))

    def history(self, identifier: str) -> list[Version]:
        """A record's versions, oldest first."""
        data = self._http.json("GET", f"/api/records/{_path(identifier)}/history")
        return [Version.from_dict(v) for v in _list(data, "versions")]

    def version_content(self, identifier: str, number: int) -> bytes:
        """The N-Triples version `number` of a record stored (1 = the first; empty for a
        withdrawal)."""
        return self._http.request("GET", f"/api/records/{_path(identifier)}/history/{number}")[1]

    def sparql(self, query: str, fmt: str = "json") -> bytes:
        """A read-only SPARQL query's results in `fmt` (json, xml, csv, tsv; turtle,
        ntriples, jsonld, rdfxml for CONSTRUCT and DESCRIBE), as the service writes them."""
        return self._http.request(
            "POST",
            "/sparql",
            params={"format": fmt},
            content=query.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query"},
        )[1]

    # certification

    def certify_run(
        self,
        agency: str,
        interface: str,
        version: str | None = None,
        *,
        evidence: Path | bytes | None = None,
        endpoint: str | None = None,
        headers: tuple[str, ...] = (),
    ) -> RunOutcome:
        """Run the interface version's suite against `agency`'s evidence (a folder, zip or
        zip bytes) or endpoint; the service keeps the run."""
        form: dict[str, Any] = {"agency": agency, "interface": interface}
        if version:
            form["version"] = version
        if endpoint:
            form["endpoint"] = endpoint
            form["header"] = list(headers)
        files = {}
        if evidence is not None:
            files["evidence"] = ("evidence.zip", _zipped(evidence), "application/zip")
        data = self._http.json(
            "POST",
            "/api/certification/runs",
            data=form,
            files=files or None,
        )
        return RunOutcome.from_dict(_object(data))

    def verify(self, certificate: str | Path) -> CertificateVerdict:
        """Verify a stored certificate (its id) or a certificate file with the service's key."""
        if isinstance(certificate, Path):
            media = CERTIFICATE_TYPES.get(certificate.suffix.lower(), "text/turtle")
            _, content = _message(certificate, None)
            data = self._http.json(
                "POST",
                "/api/certificates/verify",
                content=content,
                headers={"Content-Type": media},
            )
        else:
            data = self._http.json("GET", f"/api/certificates/{_path(certificate)}/verify")
        return CertificateVerdict.from_dict(_object(data))

    def certificates(
        self, agency: str | None = None, interface: str | None = None, version: str | None = None
    ) -> list[CertificateSummary]:
        """The certificates, newest first, with their state today."""
        params = {"agency": agency, "interface": interface, "version": version}
        data = self._http.json(
            "GET", "/api/certificates", params={k: v for k, v in params.items() if v}
        )
        return [CertificateSummary.from_dict(c) for c in _list(data, "certificates")]


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ServiceError("the server's answer is not a JSON object")
    return data


def _list(data: Any, key: str) -> list[dict[str, Any]]:
    items = _object(data).get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ServiceError(f"the server's answer has no list of {key}")
    return items


def _zipped(evidence: Path | bytes) -> bytes:
    """Evidence as the zip the service takes: bytes and zip files as they are, a folder zipped."""
    if isinstance(evidence, bytes):
        return evidence
    if evidence.is_file():
        return evidence.read_bytes()
    if not evidence.is_dir():
        raise InputError(f"{evidence}: no such file or folder")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in evidence.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(evidence).as_posix())
    return out.getvalue()
