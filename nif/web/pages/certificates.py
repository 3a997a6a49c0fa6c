"""The certificate pages: a certificate (HTML and PDF), the badge, and the certificates the
interface and agency pages show.

A certificate page states every fact an integrator needs to trust it without nif: holder,
interface version, issuer, dates, state with its reasons, the signature check over the stored
graph, the pinned hashes and the run's case outcomes (read back from the run graph, as anyone
can with SPARQL). The interface and agency pages reach their certificates through the template
globals registered at the end of this module, so the catalogue routes stay as they are.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from rdflib import Literal, URIRef

from nif import catalogue, errors
from nif.certify import (
    Certificate,
    CertificateCheck,
    CertificateState,
    Revocation,
    Standing,
    available,
    badge_for,
    badge_svg,
    badge_text,
    find_certificates,
    listed_certificates,
    standing,
    verify_stored_certificate,
)
from nif.registry import EARL, sparql_prefixes
from nif.store import Store
from nif.web import _negotiation
from nif.web._services import ServicesDep
from nif.web.api import stored_certificate
from nif.web.pages import _i18n, _pdf
from nif.web.pages._render import env, page, translator

router = APIRouter(include_in_schema=False)

KEY_URL = "/.well-known/nif-certificate-key"
RDF_URL = "/api/certificates/{id}?format=turtle"
BADGE_HEADERS = {"Cache-Control": "max-age=300", "X-Content-Type-Options": "nosniff"}


def state_key(state: CertificateState) -> str:
    """The locale key of a state (`certificate.state.needs_recertification` ...)."""
    return f"certificate.state.{state.name.lower()}"


@dataclasses.dataclass(frozen=True)
class CaseRow:
    """One case of the run a certificate was issued from, as the run graph states it."""

    case: str
    title: str
    mandatory: bool | None
    outcome: str
    summary: str


@dataclasses.dataclass(frozen=True)
class Held:
    """A certificate with what it is worth today, for the interface and agency lists."""

    certificate: Certificate
    agency_name: str
    state: CertificateState
    reasons: tuple[str, ...]
    badge: str


@dataclasses.dataclass(frozen=True)
class View:
    """Everything the certificate page and its PDF state."""

    certificate: Certificate
    agency_name: str
    interface_title: str
    state: CertificateState
    reasons: tuple[str, ...]
    notes: tuple[str, ...]
    check: CertificateCheck
    cases: tuple[CaseRow, ...]
    badge: str
    badge_url: str
    page_url: str

    @property
    def revocation(self) -> Revocation | None:
        return self.certificate.revocation

    @property
    def state_key_text(self) -> str:
        return state_key(self.state)

    @property
    def signature_key(self) -> str:
        ok = self.check.signature.ok
        return f"certificate.signature_{'valid' if ok else 'invalid'}"


def _agency_name(store: Store, identifier: str, lang: str) -> str:
    try:
        return catalogue.agency(store, identifier, lang=lang, limit=1).name
    except errors.NotFoundError:
        return identifier


def _interface_title(store: Store, identifier: str, lang: str) -> str:
    try:
        return catalogue.interface(store, identifier, lang=lang).title
    except errors.NotFoundError:
        return identifier


def run_cases(store: Store, run_iri: str, lang: str) -> tuple[CaseRow, ...]:
    """The outcome of each case of the run, from its graph; titles and mandatory flags from the
    suite graph (the case IRIs the assertions test)."""
    run = URIRef(run_iri).n3()
    rows = store.select(
        sparql_prefixes()
        + f"PREFIX earl: <{EARL}>\n"
        + f"""SELECT ?assertion ?id ?title ?mandatory ?outcome ?summary WHERE {{
  GRAPH {run} {{
    ?assertion a earl:Assertion ; earl:test ?case ; earl:result ?result .
    ?result earl:outcome ?outcome .
    OPTIONAL {{ ?result dct:description ?summary }}
  }}
  OPTIONAL {{ ?case dct:identifier ?id }}
  OPTIONAL {{ ?case dct:title ?title }}
  OPTIONAL {{ ?case nif:mandatory ?mandatory }}
}}"""
    )
    cases: dict[str, dict[str, Any]] = {}
    for row in rows:
        assertion = str(row["assertion"])
        case = cases.setdefault(
            assertion,
            {
                "case": str(row.get("id") or assertion.rsplit("#", 1)[-1]),
                "titles": {},
                "mandatory": None,
                "outcome": str(row["outcome"]).rsplit("#", 1)[-1],
                "summary": str(row.get("summary") or ""),
            },
        )
        title = row.get("title")
        if isinstance(title, Literal):
            case["titles"][title.language or ""] = str(title)
        mandatory = row.get("mandatory")
        if isinstance(mandatory, Literal):
            case["mandatory"] = bool(mandatory.toPython())
    return tuple(
        CaseRow(
            case=c["case"],
            title=c["titles"].get(lang)
            or c["titles"].get("en")
            or next(iter(c["titles"].values()), c["case"]),
            mandatory=c["mandatory"],
            outcome=c["outcome"],
            summary=c["summary"],
        )
        for c in sorted(cases.values(), key=lambda c: (c["mandatory"] is not True, c["case"]))
    )


def badge_path(agency: str, interface: str, version: str) -> str:
    return f"/badge/{agency}/{interface}/{version}"


def view(request: Request, svc: ServicesDep, cert_id: str) -> View:
    """The facts of certificate `cert_id`; `NotFoundError` when there is none."""
    store, settings = svc.registry.store, svc.settings
    lang = translator(request).lang
    cert = stored_certificate(svc, cert_id)
    now = standing(store, settings, cert)
    check = verify_stored_certificate(store, settings, cert_id, [svc.key.public])
    base = str(request.base_url).rstrip("/")
    return View(
        certificate=cert,
        agency_name=_agency_name(store, cert.agency, lang),
        interface_title=_interface_title(store, cert.interface, lang),
        state=now.state,
        reasons=tuple(now.reasons),
        notes=now.notes,
        check=check,
        cases=run_cases(store, cert.run_iri, lang),
        badge=badge_svg(now.state, cert.version, lang),
        badge_url=base + badge_path(cert.agency, cert.interface, cert.version),
        page_url=f"{base}/certificates/{cert.id}",
    )


def snippets(v: View, alt: str) -> dict[str, str]:
    """The badge as Markdown and as HTML, linking to the certificate page."""
    quoted = alt.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return {
        "markdown": f"[![{alt}]({v.badge_url})]({v.page_url})",
        "html": f'<a href="{v.page_url}"><img src="{v.badge_url}" alt="{quoted}"></a>',
    }


@router.get("/certificates", response_class=HTMLResponse)
def certificates_page(
    request: Request,
    svc: ServicesDep,
    agency: str = "",
    interface: str = "",
    state: str = "",
) -> HTMLResponse:
    """Every certificate issued, newest first, with its state today (revoked, expired and
    signature-invalid ones too, as their badges say), filtered by holder, interface or state."""
    t = translator(request)
    store = svc.registry.store
    states = [s for s in CertificateState if s is not CertificateState.NONE]
    chosen = next((s for s in states if s.name.lower() == state), None)
    if state and chosen is None:
        known = ", ".join(s.name.lower() for s in states)
        raise errors.InputError(f"no certificate state {state[:40]!r} (states: {known})")
    found = listed_certificates(
        store, svc.settings, agency=agency or None, interface=interface or None
    )
    held = [h for h in _held(svc, found, t.lang) if chosen is None or h.state is chosen]
    every = find_certificates(store, svc.settings) if agency or interface else [c for c, _ in found]
    return page(
        request,
        "certificates.html",
        title=t("certificates.title"),
        held=held,
        agencies=catalogue.agencies(store, lang=t.lang),
        interfaces=sorted({c.interface for c in every}),
        states=states,
        agency=agency,
        interface=interface,
        state=state,
    )


@router.get("/certificates/{cert_id}.pdf")
def certificate_pdf(request: Request, svc: ServicesDep, cert_id: str) -> Response:
    """The certificate as a PDF: the same facts as its page, in the request's language."""
    found = view(request, svc, cert_id)
    content = _pdf.render(found, translator(request))
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{found.certificate.id}.pdf"'},
    )


@router.get("/certificates/{cert_id}", response_class=HTMLResponse)
def certificate_page(request: Request, svc: ServicesDep, cert_id: str) -> HTMLResponse:
    found = view(request, svc, cert_id)
    t = translator(request)
    cert = found.certificate
    alt = f"NIF: {badge_text(found.state, t.lang)} {cert.version}"
    return page(
        request,
        "certificate.html",
        title=t("certificate.title", agency=found.agency_name, interface=cert.interface),
        v=found,
        cert=cert,
        state_key=state_key(found.state),
        snippets=snippets(found, alt),
        rdf_url=RDF_URL.format(id=cert.id),
        key_url=KEY_URL,
    )


def _check_exists(store: Store, agency: str, interface: str, version: str) -> None:
    catalogue.agency(store, agency, limit=1)
    found = catalogue.interface(store, interface)
    if version not in {v.version for v in found.versions}:
        raise errors.NotFoundError(f"interface {interface!r} has no version {version!r}")


@router.get("/badge/{agency}/{interface}/{version}")
def badge(
    request: Request, svc: ServicesDep, agency: str, interface: str, version: str
) -> Response:
    """The SVG badge of `agency`'s certification for `interface`@`version` (`none` without a
    certificate); 404 when the agency or the interface version does not exist. In English, or
    in the language `?lang=de|fr` names (not by `Accept-Language`: an embedded badge reads the
    same for every visitor of the page that embeds it)."""
    store = svc.registry.store
    _check_exists(store, agency, interface, version)
    state, _ = badge_for(store, svc.settings, agency, interface, version)
    svg = badge_svg(state, version, _i18n.requested(request) or _i18n.DEFAULT)
    etag = '"' + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:32] + '"'
    headers = {**BADGE_HEADERS, "ETag": etag}
    if _negotiation.not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)


# what the interface and agency pages show


def _held(svc: Any, listed: list[tuple[Certificate, Standing]], lang: str) -> list[Held]:
    names = {a.identifier: a.name for a in catalogue.agencies(svc.registry.store, lang=lang)}
    held = []
    for cert, now in listed:
        badge = badge_svg(now.state, cert.version, lang)
        name = names.get(cert.agency, cert.agency)
        held.append(Held(cert, name, now.state, tuple(now.reasons), badge))
    return held


def interface_certificates(request: Request, interface: str) -> dict[str, list[Held]]:
    """The certificates of each version of `interface`, by version."""
    svc = request.app.state.services
    found = listed_certificates(svc.registry.store, svc.settings, interface=interface)
    by_version: dict[str, list[Held]] = {}
    for held in _held(svc, found, translator(request).lang):
        by_version.setdefault(held.certificate.version, []).append(held)
    return by_version


def agency_certificates(request: Request, agency: str) -> list[Held]:
    """The certificates `agency` holds."""
    svc = request.app.state.services
    found = listed_certificates(svc.registry.store, svc.settings, agency=agency)
    return _held(svc, found, translator(request).lang)


def has_suite(interface: str, version: str) -> bool:
    return (interface, version) in available()


env.globals.update(
    interface_certificates=interface_certificates,
    agency_certificates=agency_certificates,
    has_suite=has_suite,
    state_key=state_key,
    badge_path=badge_path,
)
