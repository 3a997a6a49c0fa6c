"""Certificates for the demo registry, so a fresh `nif serve --load-demo` shows certificates.

The demo registry ships evidence an agency's system produced for some suites, under
`registry/evidence/<agency>/<interface>/<version>/` (the evidence folder format of
`read_evidence`). Each folder is run as a certification run in evidence mode, the run is kept in
the run store like any other, and a certificate is issued from it: the demo shows the same
runs, EARL results and signed certificates a certifier would make.

The demo is loaded in two steps (records, then certificates) that a killed service may not
both finish: `NIF_HOME/demo-pending` stays from the first step's start to the second's end, so
the next start finishes what is missing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from nif.certify._certificates import find_certificates, issue
from nif.certify._evidence import read_evidence
from nif.certify._keys import SigningKey
from nif.certify._manifest import find_suite
from nif.certify._model import Certificate, Purpose
from nif.certify._runner import run_suite
from nif.certify._runs import RunStore
from nif.errors import NifError
from nif.registry import Registry
from nif.resources import data_folder

ACTOR = "nif serve (demo certificates)"
LOADER = "nif serve (demo registry)"

log = logging.getLogger("nif.certify")


def start_demo(registry: Registry) -> bool:
    """Load the demo registry into an empty store; True when its certificates are still to be
    issued (now, or since an earlier start that stopped before issuing them)."""
    pending = registry.settings.folder.demo_pending
    empty = not registry.records()
    if not empty and not pending.exists():
        return False
    pending.parent.mkdir(parents=True, exist_ok=True)
    pending.touch()
    if empty:
        root = Path(str(data_folder("registry")))
        log.info("loading the demo registry from %s", root)
        result = registry.load_folder(root, actor=LOADER)
        log.info(
            "demo registry: %d records stored, %d refused", len(result.stored), len(result.rejected)
        )
    return True


def finish_demo(registry: Registry, key: SigningKey) -> list[Certificate]:
    """Issue the demo certificates not issued yet, then mark the demo loaded."""
    issued = issue_demo_certificates(registry, key)
    registry.settings.folder.demo_pending.unlink(missing_ok=True)
    return issued


def demo_evidence(root: Path | None = None) -> list[tuple[str, str, str, Path]]:
    """(agency, interface, version, folder) of every demo evidence folder, sorted."""
    root = root or Path(str(data_folder("registry"))) / "evidence"
    if not root.is_dir():
        return []
    return sorted(
        (folder.parent.parent.name, folder.parent.name, folder.name, folder)
        for folder in root.glob("*/*/*")
        if folder.is_dir()
    )


def issue_demo_certificates(
    registry: Registry, key: SigningKey, root: Path | None = None
) -> list[Certificate]:
    """Run every demo evidence folder's suite for certification and issue its certificate,
    unless the agency already holds one for that interface version.

    A folder whose run does not pass (or whose suite or agency is missing) is logged and
    skipped: the demo still starts, without that certificate.
    """
    settings = registry.settings
    runs = RunStore(registry.state)
    certificates: list[Certificate] = []
    try:
        for agency, interface, version, folder in demo_evidence(root):
            held = find_certificates(
                registry.store, settings, agency=agency, interface=interface, version=version
            )
            if held:
                continue
            try:
                suite = find_suite(interface, version, settings=settings)
                evidence = read_evidence(folder, settings)
                run = run_suite(
                    registry,
                    suite,
                    agency=agency,
                    evidence=evidence,
                    actor=ACTOR,
                    purpose=Purpose.CERTIFICATION,
                )
                runs.save(run, evidence)
                certificates.append(issue(registry, run, key, actor=ACTOR))
            except NifError as exc:
                log.warning("no demo certificate for %s %s@%s: %s", agency, interface, version, exc)
    finally:
        runs.close()
    return certificates
