"""`nif certify ...`: the competence centre's tool to run suites and issue, revoke and verify
certificates, over `nif.certify`.

Exit codes as for `nif validate`: 0 done, 1 a verdict failed (a run did not pass, a certificate
does not verify), 2 a usage or input error (one line on stderr).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from nif import cli_client
from nif.cli_client import client_options, refuse_local_options
from nif.cli_options import OUTPUT, registry_options
from nif.errors import UsageError
from nif.registry import Registry, ValidationWorker, split_interface
from nif.settings import Settings

if TYPE_CHECKING:
    from nif.certify import CertificateCheck, Run, RunStore

EXIT_OK = 0
EXIT_FAILED = 1

JSON = click.option("--json", "as_json", is_flag=True, help="As JSON.")
ACTOR = click.option(
    "--as",
    "--actor",
    "actor",
    metavar="NAME",
    help="Who is certifying (default: NIF_ACTOR or the OS user).",
)


def _run_store(settings: Settings) -> RunStore:
    """The kept runs (imported here: `nif.certify` is not loaded for other commands)."""
    from nif.certify import RunStore

    return RunStore.open(settings)


def _dump(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group()
def certify() -> None:
    """Run conformance suites; issue, revoke, list and verify signed certificates."""


@certify.command("suites")
@JSON
def suites_command(as_json: bool) -> int:
    """The conformance suites nif ships: cases (mandatory) and sha256."""
    from nif.certify import available, find_suite

    found = [find_suite(i, v).summary() for i, v in available()]
    if as_json:
        _dump(found)
        return EXIT_OK
    for r in found:
        name = f"{r['interface']}@{r['version']}"
        click.echo(f"{name:<28}  {r['cases']:>3} cases ({r['mandatory']} mandatory)  {r['sha256']}")
    return EXIT_OK


@certify.command("run")
@click.option("--agency", required=True, help="The agency (identifier) whose system is tested.")
@click.option("--interface", "interface", required=True, metavar="ID[@VERSION]")
@click.option(
    "--evidence",
    type=click.Path(exists=True, path_type=Path),
    help="A folder or .zip of the messages the agency's system produced.",
)
@click.option("--endpoint", metavar="URL", help="The agency's endpoint to send the suite to.")
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="A header sent to the endpoint (repeatable), e.g. for its authentication. Values are "
    "secrets: never shown or stored.",
)
@ACTOR
@JSON
@registry_options
@client_options
def run_command(
    agency: str,
    interface: str,
    evidence: Path | None,
    endpoint: str | None,
    headers: tuple[str, ...],
    actor: str | None,
    as_json: bool,
    settings: Settings,
    server: str | None,
    token: str | None,
) -> int:
    """Run the interface version's suite for certification; the run is kept (see `runs`).

    Each case's outcome is printed as it completes (on stderr with --json); exit 1 when a
    mandatory case did not pass. Messages are checked in a worker process that is killed when
    a step overruns its time limit (setting step_timeout); that case cannot tell.
    """
    from nif.certify import (
        CaseResult,
        Endpoint,
        Purpose,
        find_suite,
        parse_headers,
        read_evidence,
        run_suite,
    )
    from nif.registry import pick_version

    if (evidence is None) == (endpoint is None):
        raise UsageError("give --evidence DIR|ZIP or --endpoint URL, not both and not neither")
    if headers and endpoint is None:
        raise UsageError("--header is for --endpoint only")
    name, version = split_interface(interface)

    def progress(result: CaseResult) -> None:
        flag = "" if result.mandatory else " (optional)"
        line = f"{result.outcome:<12} {result.case}{flag}: {result.summary}"
        click.echo(line, err=as_json)

    if server:  # the service runs and keeps it; its cases are printed once it is done
        refuse_local_options(("agency", "interface", "evidence", "endpoint", "headers", "as_json"))
        run = cli_client.run(server, token, agency, interface, evidence, endpoint, headers)
        for result in run.results:
            progress(result)
        return _finished(run, as_json)
    with Registry.open(settings) as registry, _run_store(settings) as runs:
        version = version or pick_version(registry.store, name, None)[1]
        suite = find_suite(name, version, settings=settings)
        files = read_evidence(evidence, settings) if evidence is not None else None
        target = Endpoint(endpoint, parse_headers(headers), settings) if endpoint else None
        # the messages are checked in a worker process, killed when a step overruns
        # step_timeout (as the service's pool does), so a runaway check cannot hang the run
        with ValidationWorker(settings) as worker:
            run = run_suite(
                registry,
                suite,
                agency=agency,
                evidence=files,
                endpoint=target,
                actor=registry.actor(actor),
                purpose=Purpose.CERTIFICATION,
                progress=progress,
                validator=worker.validate,
            )
        runs.save(run, files)
    return _finished(run, as_json)


def _finished(run: Run, as_json: bool) -> int:
    """A run printed (its JSON, or the summary); its exit code."""
    if as_json:
        _dump(run.to_dict())
    else:
        _summary(run)
    return EXIT_OK if run.passed else EXIT_FAILED


def _summary(run: Run) -> None:
    counts = ", ".join(f"{n} {o}" for o, n in run.counts().items() if n)
    verdict = "passed" if run.passed else "did not pass"
    click.echo(f"run {run.id}: {run.agency} {run.interface}@{run.version} {verdict} ({counts})")
    if run.failed_mandatory:
        click.echo(f"mandatory cases not passed: {', '.join(run.failed_mandatory)}")
    elif run.passed:
        click.echo(f"issue a certificate with: nif certify issue {run.id}")


@certify.command("runs")
@click.option("--agency", help="Only this agency's runs.")
@click.option("--interface", "interface", metavar="ID[@VERSION]", help="Only this interface's.")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
@JSON
@registry_options
def runs_command(
    agency: str | None,
    interface: str | None,
    limit: int,
    as_json: bool,
    settings: Settings,
) -> int:
    """The kept runs, newest first."""
    name, version = split_interface(interface) if interface else (None, None)
    with _run_store(settings) as runs:
        found = runs.list(agency=agency, interface=name, version=version, limit=limit)
    if as_json:
        _dump([r.to_dict() for r in found])
        return EXIT_OK
    for r in found:
        verdict = "passed" if r.passed else "failed"
        what = f"{r.interface}@{r.version}"
        click.echo(
            f"{r.id}  {r.ended}  {r.agency:<10}  {what:<24}  {r.mode:<8}  {r.purpose:<13}  "
            f"{verdict}"
        )
    return EXIT_OK


@certify.command("show")
@click.argument("run_id", metavar="RUN")
@JSON
@registry_options
def show_command(run_id: str, as_json: bool, settings: Settings) -> int:
    """A kept run with every case's outcome and why."""
    with _run_store(settings) as runs:
        run = runs.get(run_id)
    if as_json:
        _dump(run.to_dict())
        return EXIT_OK
    source = run.endpoint if run.endpoint else f"{len(run.evidence)} evidence file(s)"
    click.echo(f"run {run.id} ({run.purpose}, {run.mode}: {source}) by {run.actor}")
    click.echo(f"  {run.started} .. {run.ended}, nif {run.tool_version}")
    click.echo(f"  suite {run.suite_iri} {run.suite_sha256}")
    for result in run.results:
        flag = "" if result.mandatory else " (optional)"
        click.echo(f"{result.outcome:<12} {result.case}{flag}: {result.summary}")
        for detail in result.details:
            click.echo(f"    {detail}")
    _summary(run)
    return EXIT_OK


@certify.command("issue")
@click.argument("run_id", metavar="RUN")
@click.option(
    "--valid-days",
    type=click.IntRange(1),
    help="Days the certificate is valid [default: certificate_validity_days, 730].",
)
@ACTOR
@JSON
@registry_options
def issue_command(
    run_id: str,
    valid_days: int | None,
    actor: str | None,
    as_json: bool,
    settings: Settings,
) -> int:
    """Issue the signed certificate of a kept certification run in which every mandatory case
    passed, judged on the current suite and artefacts."""
    from nif.certify import issue, load_or_create

    with _run_store(settings) as runs:
        run = runs.get(run_id)
    with Registry.open(settings) as registry:
        key = load_or_create(registry.state)
        cert = issue(registry, run, key, actor=registry.actor(actor), valid_days=valid_days)
    if as_json:
        _dump(cert.to_dict())
        return EXIT_OK
    click.echo(f"issued {cert.id} <{cert.iri}>")
    click.echo(f"  {cert.agency} implements {cert.interface}@{cert.version}")
    click.echo(f"  valid until {cert.valid_until}, signed with key {cert.key_id}")
    return EXIT_OK


@certify.command("revoke")
@click.argument("cert_id", metavar="CERT")
@click.option("--reason", required=True, help="Why (shown wherever the certificate is).")
@ACTOR
@registry_options
def revoke_command(
    cert_id: str,
    reason: str,
    actor: str | None,
    settings: Settings,
) -> int:
    """Revoke a certificate."""
    from nif.certify import load_or_create, revoke

    with Registry.open(settings) as registry:
        key = load_or_create(registry.state)
        cert = revoke(registry, cert_id, actor=registry.actor(actor), reason=reason, key=key)
    revocation = cert.revocation
    assert revocation is not None
    click.echo(f"revoked {cert.id} on {revocation.at}: {revocation.reason}")
    return EXIT_OK


@certify.command("export")
@click.argument("cert_id", metavar="CERT")
@click.option(
    "--format",
    "syntax",
    type=click.Choice(["turtle", "json-ld", "ntriples", "rdf-xml"]),
    default="turtle",
    show_default=True,
)
@OUTPUT
@registry_options
def export_command(
    cert_id: str,
    syntax: str,
    output: Path | None,
    settings: Settings,
) -> int:
    """Write a certificate's signed graph (an id or IRI), for anyone to verify elsewhere."""
    from nif.certify import certificate_graph, rdf_document

    with Registry.open(settings) as registry:
        content = rdf_document(certificate_graph(registry.store, settings, cert_id), syntax)
    if output is None:
        click.echo(content, nl=False)  # bytes go to the binary stdout as they are
    else:
        output.write_bytes(content)
    return EXIT_OK


@certify.command("verify")
@click.argument("certificate", metavar="CERT|FILE")
@click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A published public key (PEM) to verify with, instead of this NIF_HOME's. With a "
    "file, the check is offline: no registry is opened or created.",
)
@JSON
@registry_options
@client_options
def verify_command(
    certificate: str,
    key_file: Path | None,
    as_json: bool,
    settings: Settings,
    server: str | None,
    token: str | None,
) -> int:
    """Verify a certificate (an id, or a Turtle/JSON-LD/RDF-XML/N-Triples file): its signature,
    that this registry issued it, and that it is still certified; exit 1 if not.

    A file with --key is checked offline, with nothing but the key: its signature, the pinned
    hashes it signs and its expiry; the registry-side checks it cannot make are listed."""
    from nif.certify import (
        PublicKey,
        load_or_create,
        parse_certificate,
        verify_certificate_file,
        verify_offline,
        verify_stored_certificate,
    )

    path = Path(certificate)
    named = "://" not in certificate and (path.suffix or "/" in certificate)
    if named and not path.is_file():
        raise UsageError(f"{certificate}: no such file (give a certificate id or a file)")
    if server and key_file is None:  # with --key, a file is checked here and offline
        refuse_local_options(("certificate", "as_json"))
        return _checked(cli_client.check(server, token, certificate), as_json)
    if key_file is None:
        key = load_or_create(settings).public
    else:
        key = PublicKey.from_pem(key_file.read_bytes())
        if path.is_file():
            graph = parse_certificate(path.read_bytes(), str(path), settings)
            return _checked(verify_offline(settings, graph, [key]), as_json)
    with Registry.open(settings) as registry:
        if path.is_file():
            check = verify_certificate_file(
                registry.store, settings, path.read_bytes(), str(path), [key]
            )
        else:
            check = verify_stored_certificate(registry.store, settings, certificate, [key])
    return _checked(check, as_json)


def _checked(check: CertificateCheck, as_json: bool) -> int:
    """Print a certificate check; its exit code."""
    if as_json:
        _dump(check.to_dict())
    else:
        click.echo("\n".join(check.lines()))
    return EXIT_OK if check.ok else EXIT_FAILED


@certify.command("list")
@click.option("--agency", help="Only this agency's certificates.")
@click.option("--interface", "interface", metavar="ID[@VERSION]", help="Only this interface's.")
@JSON
@registry_options
@client_options
def list_command(
    agency: str | None,
    interface: str | None,
    as_json: bool,
    settings: Settings,
    server: str | None,
    token: str | None,
) -> int:
    """The certificates in the registry, newest first, with their state today."""
    from nif.certify import listed_certificates

    name, version = split_interface(interface) if interface else (None, None)
    if server:
        refuse_local_options(("agency", "interface", "as_json"))
        found = cli_client.certificates(server, token, agency, name, version)
    else:
        with Registry.open(settings) as registry:
            found = listed_certificates(
                registry.store, settings, agency=agency, interface=name, version=version
            )
    if as_json:
        _dump([{**c.to_dict(), **s.to_dict()} for c, s in found])
        return EXIT_OK
    for cert, state in found:
        what = f"{cert.interface}@{cert.version}"
        click.echo(
            f"{cert.id}  {cert.agency:<10}  {what:<24}  {cert.issued}  {cert.valid_until}  "
            f"{state.state}"
        )
        for reason in (*state.reasons, *state.notes):
            click.echo(f"    {reason}")
    return EXIT_OK


@certify.command("key")
@click.option("--jwk", is_flag=True, help="As a JSON Web Key (RFC 8037) instead of PEM.")
@registry_options
def key_command(jwk: bool, settings: Settings) -> int:
    """The public key that verifies this registry's certificates (made on first use)."""
    from nif.certify import load_or_create

    public = load_or_create(settings).public
    if jwk:
        _dump(public.jwk())
    else:
        click.echo(public.pem(), nl=False)
    return EXIT_OK
