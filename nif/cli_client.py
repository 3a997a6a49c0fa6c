"""Client mode of the `nif` commands: with `--server URL` (or NIF_SERVER) a command asks the
running service through `nif.client.Client` instead of opening the registry, and prints what
comes back with the same code as locally, so output and exit codes are the same.

Only the fetching differs: each command branches on `server` where it would open the registry,
and what the service answers is turned back into the objects the local path prints (reports,
record versions, SHACL reports, runs, certificate checks).
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import signal
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from nif.client import Client, Submitted, shown_url
from nif.errors import NifError, RejectedError, ServiceError, StoreError, UsageError

if TYPE_CHECKING:
    from nif.certify import Certificate, CertificateCheck, Run, Standing
    from nif.registry import RecordInfo, RecordVersion, ShaclReport
    from nif.report import Report

R = TypeVar("R")

SERVER = click.option(
    "--server",
    metavar="URL",
    envvar="NIF_SERVER",
    help="Ask the nif service at URL instead of opening the registry here (default: "
    "NIF_SERVER); output and exit codes as locally.",
)
TOKEN = click.option(
    "--token",
    metavar="TOKEN",
    envvar="NIF_TOKEN",
    help="The bearer token sent to --server (default: NIF_TOKEN); never printed.",
)


def client_options(command: Callable[..., R]) -> Callable[..., R]:
    """--server and --token, given to `command` as `server` (None when not set or empty) and
    `token`."""

    @functools.wraps(command)
    def with_server(*args: Any, server: str | None, token: str | None, **kwargs: Any) -> R:
        return command(*args, server=server or None, token=token or None, **kwargs)

    return SERVER(TOKEN(with_server))


def connect(server: str, token: str | None) -> Client:
    """The client of `server` (a clear usage error for a URL that is not a service's)."""
    return Client(server, token=token)


def refuse_local_options(allowed: Sequence[str]) -> None:
    """Options the service decides for itself (its limits, its registry, the token's actor)
    given with --server: a usage error naming them, rather than ignored."""
    ctx = click.get_current_context()
    given = [
        f"--{name.replace('_', '-')}"
        for name in ctx.params
        if name not in allowed
        and name not in ("server", "token", "config", "home")
        and ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)
    ]
    if given:
        raise UsageError(
            f"{', '.join(sorted(given))}: not with --server (the service applies its own "
            "settings, registry and the token's name)"
        )


# nif validate


def validate_remotely(
    server: str,
    token: str | None,
    paths: Sequence[Path],
    emit: Callable[[list[Report], str | None], int],
) -> int:
    """`nif validate` through the service: each message's JSON report, printed by `emit`
    (the local printer) with, for --format kosit, the service's KoSIT report."""
    from nif.registry import split_interface

    refuse_local_options(("messages", "fmt", "output", "interface", "message_type"))
    params = click.get_current_context().params
    fmt, interface, message_type = params["fmt"], params["interface"], params["message_type"]
    if fmt == "svrl":
        raise UsageError("--format svrl is not available with --server: the service keeps no SVRL")
    name, version = split_interface(interface) if interface else (None, None)
    reports, kosit = [], None
    with connect(server, token) as client:
        for path in paths:
            report = client.validate(path, name, version, message_type, source=str(path))
            reports.append(report)
            if fmt == "kosit":
                kosit = _kosit_report(client, path, name, version, message_type)
    return emit(reports, kosit)


def _kosit_report(
    client: Client, path: Path, name: str | None, version: str | None, message_type: str | None
) -> str | None:
    """The KoSIT report the service wrote; None when it wrote none (the local printer says
    why, from the report)."""
    try:
        text = client.validate_as("kosit", path, name, version, message_type, source=str(path))
    except ServiceError:
        return None
    decoded = text.decode("utf-8")
    return decoded if decoded.endswith("\n") else decoded + "\n"


# nif registry


def records(server: str, token: str | None) -> list[RecordInfo]:
    from nif.registry import RecordInfo

    with connect(server, token) as client:
        return [RecordInfo(r.iri, r.kind, r.identifier) for r in client.records()]


def versions(server: str, token: str | None, identifier: str) -> list[RecordVersion]:
    from nif.registry import RecordVersion

    with connect(server, token) as client:
        return [RecordVersion(**v.to_dict()) for v in client.history(identifier)]  # type: ignore[arg-type]


def version_content(server: str, token: str | None, identifier: str, number: int) -> bytes:
    with connect(server, token) as client:
        return client.version_content(identifier, number)


def pull(
    server: str, token: str | None, identifier: str, out: Path, force: bool
) -> tuple[Path, str, int]:
    """A record written as the bundle folder OUT/ID: where, its kind, how many files."""
    with connect(server, token) as client:
        pulled = client.pull(identifier, out, force)
    return pulled.target, pulled.kind, pulled.files


def query(server: str, token: str | None, text: str, fmt: str) -> bytes:
    with connect(server, token) as client:
        return client.sparql(text, fmt)


def shacl_report(results: Sequence[Any], conforms: bool) -> ShaclReport:
    """The SHACL results the service sent as a report the local printer prints (its
    sh:ValidationReport graph stays on the service: `--report turtle` prints none)."""
    from rdflib import Graph

    from nif.registry import ShaclReport, ShaclResult

    found = [ShaclResult(**r) for r in results if isinstance(r, dict)]
    return ShaclReport(conforms, sorted(found), Graph())


def submit(
    server: str, token: str | None, target: Path, rdf_format: str | None
) -> tuple[list[RecordVersion], ShaclReport]:
    """A submission through the service: the versions stored and the SHACL warnings; a
    refusal raised with its results as a `ShaclReport`."""
    from nif.registry import RecordVersion

    with connect(server, token) as client:
        try:
            result: Submitted = client.submit(target, rdf_format=rdf_format)
        except RejectedError as exc:
            raise RejectedError(str(exc), shacl_report(exc.report or [], False)) from None  # type: ignore[arg-type]
    stored = [RecordVersion(**v.to_dict()) for v in result.records]  # type: ignore[arg-type]
    return stored, shacl_report(result.results, True)


def withdraw(server: str, token: str | None, identifier: str) -> RecordVersion:
    from nif.registry import RecordVersion

    with connect(server, token) as client:
        return RecordVersion(**client.withdraw(identifier).to_dict())  # type: ignore[arg-type]


# nif certify


def run(
    server: str,
    token: str | None,
    agency: str,
    interface: str,
    evidence: Path | None,
    endpoint: str | None,
    headers: tuple[str, ...],
) -> Run:
    """A conformance run through the service (it keeps the run)."""
    from nif.certify import Run

    with connect(server, token) as client:
        outcome = client.certify_run(
            agency, interface, evidence=evidence, endpoint=endpoint, headers=headers
        )
    with _read(server, "run"):
        return Run.from_dict(outcome.data)


def check(server: str, token: str | None, certificate: str) -> CertificateCheck:
    """A certificate (id, or a file) verified by the service with its key."""
    path = Path(certificate)
    with connect(server, token) as client:
        verdict = client.verify(path if path.is_file() else certificate)
    with _read(server, "certificate check"):
        return _check(verdict.certificate, verdict.data)


def _check(iri: str, data: dict[str, Any]) -> CertificateCheck:
    from nif.certify import CertificateCheck, CertificateState, SignatureStatus, Verification

    signature = data.get("signature") or {}
    details = data.get("details")
    return CertificateCheck(
        iri=iri,
        signature=Verification(
            SignatureStatus(str(signature.get("status"))),
            str(signature.get("message", "")),
            signature.get("key_id"),
        ),
        state=CertificateState(str(data.get("state"))),
        problems=tuple(data.get("problems") or ()),
        issued_here=data.get("issued_here"),
        certificate=_certificate(details) if isinstance(details, dict) else None,
        hashes_current=data.get("hashes_current"),
        unchecked=tuple(data.get("unchecked") or ()),
    )


def certificates(
    server: str,
    token: str | None,
    agency: str | None,
    interface: str | None,
    version: str | None,
) -> list[tuple[Certificate, Standing]]:
    """The certificates and their state today, as the service judges them."""
    from nif.certify import CertificateState, Standing

    with connect(server, token) as client:
        found = client.certificates(agency, interface, version)
    with _read(server, "certificate list"):
        return [
            (
                _certificate(c.data),
                Standing(
                    CertificateState(c.state),
                    tuple(c.data.get("reasons") or ()),
                    tuple(c.data.get("changes") or ()),
                    tuple(c.data.get("notes") or ()),
                ),
            )
            for c in found
        ]


def _certificate(data: dict[str, Any]) -> Certificate:
    from nif.certify import Certificate, Revocation, SignatureStatus, Verification

    fields = {k: v for k, v in data.items() if k in Certificate.__dataclass_fields__}
    signature = fields["signature"]
    fields["signature"] = Verification(
        SignatureStatus(signature["status"]), signature["message"], signature.get("key_id")
    )
    fields["artefacts"] = tuple(fields["artefacts"])
    revocation = fields.get("revocation")
    fields["revocation"] = Revocation(**revocation) if isinstance(revocation, dict) else None
    return Certificate(**fields)


@contextlib.contextmanager
def _read(server: str, what: str) -> Iterator[None]:
    """A service answer that does not have the shape nif's has: a `ServiceError`."""
    try:
        yield
    except (KeyError, ValueError, TypeError, AttributeError):
        raise ServiceError(f"the server at {shown_url(server)} answered no valid {what}") from None


SERVICE_FILE = "service.json"
"""NIF_HOME/service.json: the URL of the `nif serve` running on this home, while it runs."""


@contextlib.contextmanager
def announced(home: Path, host: str, port: int) -> Iterator[None]:
    """NIF_HOME/service.json names the service's URL while it runs, so a command that finds
    the store locked can say where the service is."""
    local = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    shown = f"[{local}]" if ":" in local else local
    path = home / SERVICE_FILE
    try:
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"url": f"http://{shown}:{port}"}) + "\n", "utf-8")
    except OSError:
        yield  # a read-only home: the service runs all the same, unannounced
        return
    previous = _exit_on_sigterm()
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm() -> Any:
    """SIGTERM raises SystemExit(143) instead of ending the process at once, so the file is
    removed: uvicorn stops gracefully on it, then raises it again with the handler before."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    try:
        return signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: nothing to restore
        return None


_IN_USE = re.compile(r"the store at (.+?) is in use by another process")


def with_hint(error: NifError) -> str:
    """An error's message, naming the running service's URL when the store is locked by a
    `nif serve` on the same home (its NIF_HOME/service.json)."""
    message = str(error)
    found = _IN_USE.search(message)
    if not isinstance(error, StoreError) or found is None:
        return message
    try:
        url = json.loads((Path(found.group(1)).parent / SERVICE_FILE).read_text("utf-8"))["url"]
    except (OSError, ValueError, KeyError, TypeError):
        return message
    return f"{message}; the service on it is at {url}: e.g. `--server {url}`"
