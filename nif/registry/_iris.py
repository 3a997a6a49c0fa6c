"""The IRIs nif mints under `base_iri`, and the space they live in, which no record may use.

nif alone writes certificates and their revocations, certification runs (and the tool that
made them), published conformance suites, the files of bundles, the catalogue and the
compatibility assessments of interface versions. A record that
named a node there could replace or forge them (a store replaces a record's graph by its IRI),
so this module is their one home: certification and pinning mint their IRIs here, and the
submission gate refuses every record that uses the space (`reserved`).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from nif.settings import Settings

RESERVED = (
    "catalogue",
    "certificate",
    "certification",
    "compatibility",
    "conformance",
    "files",
)
"""The first path segments under `base_iri` that only nif writes."""

NIF_ONLY_TYPES = ("https://w3id.org/nif/ns#CompatibilityAssessment",)
"""The classes of nodes only nif writes: a record may not type a node with them."""

_SEGMENT_END = re.compile(r"[/?#;]")

IDENTIFIER = re.compile(r"[a-z0-9][a-z0-9.-]*")
"""A record identifier nif can mint IRIs and bundle file URLs from (`civreg-birth`)."""


def certificate_iri(settings: Settings, cert_id: str) -> str:
    """A certificate and its signed named graph: `{base}certificate/{id}`."""
    return f"{settings.registry.base_iri}certificate/{cert_id}"


def revocation_iri(settings: Settings, cert_id: str) -> str:
    """The named graph of a certificate's revocation: `{base}certificate/{id}/revocation`."""
    return f"{certificate_iri(settings, cert_id)}/revocation"


def run_iri(settings: Settings, run_id: str) -> str:
    """A certification run and its named graph: `{base}certification/run/{id}`."""
    return f"{settings.registry.base_iri}certification/run/{run_id}"


def tool_iri(settings: Settings, version: str) -> str:
    """nif as the tool of a run: `{base}certification/tool/nif/{version}`."""
    return f"{settings.registry.base_iri}certification/tool/nif/{version}"


def suite_base(settings: Settings, interface: str, version: str) -> str:
    """The base of a suite's IRIs (its manifest, cases, files): `{base}conformance/{id}/{v}/`."""
    return f"{settings.registry.base_iri}conformance/{interface}/{version}/"


def files_base(settings: Settings, record_id: str) -> str:
    """Where a record's bundle files are served: `{base}files/{record id}/`."""
    return f"{settings.registry.base_iri}files/{record_id}/"


def interface_iri(settings: Settings, identifier: str) -> str:
    """An interface record authored by nif (forms, scaffolds): `{base}interface/{id}`; its
    versions, message types and artefacts hang below it (`_authoring`)."""
    return f"{settings.registry.base_iri}interface/{identifier}"


def catalogue_iri(settings: Settings) -> str:
    """The registry as a `dcat:Catalog`, and the named graph nif keeps it in: `{base}catalogue`."""
    return f"{settings.registry.base_iri}catalogue"


def assessment_iri(settings: Settings, interface: str, version: str) -> str:
    """A version's compatibility assessment and its named graph:
    `{base}compatibility/{interface id}/{version}` (each part percent-encoded)."""
    return (
        f"{settings.registry.base_iri}compatibility/"
        f"{quote(interface, safe='')}/{quote(version, safe='')}"
    )


def assessment_base(settings: Settings, interface: str) -> str:
    """Where an interface's assessments live: every graph under it is one of them."""
    return f"{settings.registry.base_iri}compatibility/{quote(interface, safe='')}/"


def reserved(iri: str, settings: Settings) -> bool:
    """Whether `iri` lies in the space only nif writes (see `RESERVED`).

    Compared without case and percent-encoding, so a spelling that a reader might take for the
    same address (`Certificate/`, `certific%61te/`) is refused too.
    """
    base = unquote(settings.registry.base_iri).casefold()
    text = unquote(iri).casefold()
    if not base or not text.startswith(base):
        return False
    return _SEGMENT_END.split(text[len(base) :], maxsplit=1)[0] in RESERVED


def reserved_space(settings: Settings) -> str:
    """The reserved space in words, for refusals."""
    return ", ".join(f"{settings.registry.base_iri}{segment}/" for segment in RESERVED)
