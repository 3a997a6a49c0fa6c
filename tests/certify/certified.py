"""Runs and certificates of the demo registry for the certificate tests: a real certification
run of the demo evidence of civreg-birth 2.0.0 (it passes), and a certificate issued from it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from nif.certify import Purpose, Run, find_suite, read_evidence, run_suite
from nif.certify._certificates import issue
from nif.certify._keys import SigningKey, load_or_create
from nif.certify._model import Certificate
from nif.registry import Registry
from tests.conftest import ROOT

EVIDENCE = ROOT / "registry" / "evidence" / "civreg" / "civreg-birth" / "2.0.0"
BUNDLE = ROOT / "registry" / "interfaces" / "civreg-birth"
SUITES = ROOT / "conformance"


def passing_run(registry: Registry, purpose: Purpose = Purpose.CERTIFICATION) -> Run:
    suite = find_suite("civreg-birth", "2.0.0")
    return run_suite(
        registry,
        suite,
        agency="civreg",
        evidence=read_evidence(EVIDENCE, registry.settings),
        actor="certifier",
        purpose=purpose,
    )


def key_of(registry: Registry) -> SigningKey:
    return load_or_create(registry.settings.home)


def certified(
    registry: Registry, *, now: dt.datetime | None = None, valid_days: int | None = None
) -> Certificate:
    """A certificate issued from a fresh passing run."""
    run = passing_run(registry)
    return issue(registry, run, key_of(registry), actor="certifier", now=now, valid_days=valid_days)


def changed_schema(registry: Registry, tmp: Path) -> None:
    """Re-submit civreg-birth with its 2.0.0 XSD changed (a comment added): one artefact
    checksum of the version is replaced."""
    bundle = tmp / "changed" / "civreg-birth"
    shutil.copytree(BUNDLE, bundle)
    xsd = bundle / "schemas" / "2.0.0" / "birth.xsd"
    text = xsd.read_text("utf-8")
    assert "</xs:schema>" in text
    xsd.write_text(text.replace("</xs:schema>", "<!-- changed -->\n</xs:schema>"), "utf-8")
    registry.submit(bundle, actor="publisher")


def changed_suites(tmp: Path) -> Path:
    """A copy of nif's suites whose civreg-birth 2.0.0 manifest has an edited case title."""
    root = tmp / "suites"
    shutil.copytree(SUITES, root)
    manifest = root / "civreg-birth" / "2.0.0" / "manifest.ttl"
    text = manifest.read_text("utf-8")
    title = text.index('dct:title "') + len('dct:title "')
    manifest.write_text(text[:title] + "Edited: " + text[title:], "utf-8")
    return root
