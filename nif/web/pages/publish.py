"""Publishing from the browser: forms for a new interface, a new version (copied from an earlier
one, with uploaded schema, rule and example files), metadata edits, a version's status, and
deprecation with an end date and a successor.

Each form edits the record with `nif.registry`'s authoring functions (the same the
`nif registry new-version` scaffold uses), packs a bundle zip (`_publishing`) and submits it
through `Registry.submit` as `PUT /api/records/{id}` does: the same checks, the same audit, and
for a publisher's token the review rule (a new version or a move to Completed waits as a
proposal when `registry.review` is on). The token travels in the form's password field and is
checked like the API's bearer token: a publisher edits only its own agency's records, an admin
any; certifiers do not write records. A refusal shows the form again with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from rdflib import Graph, URIRef
from starlette.concurrency import run_in_threadpool

from nif import catalogue, errors
from nif.auth import Principal, Role
from nif.registry import (
    ADMS,
    DCAT,
    DCTERMS,
    Metadata,
    NewInterface,
    RecordKind,
    SubmitResult,
    deprecate,
    edit_metadata,
    interface_iri,
    new_interface,
    set_status,
    version_node,
    versions,
)
from nif.web._auth import audited, form_principal
from nif.web._errors import status_of
from nif.web._services import Services, ServicesDep
from nif.web.api import records as records_api
from nif.web.pages import _publishing
from nif.web.pages._publishing import Bundle, Form, texts_or_none
from nif.web.pages._render import page, translator

router = APIRouter(include_in_schema=False)

ACTION = "submit"
"""The audit's word for a form's write: the same as the API's `PUT /api/records/{id}`."""
EDITABLE_STATUSES = ("UnderDevelopment", "Completed", "Withdrawn")


def _texts(graph: Graph, node: URIRef, prop: URIRef) -> dict[str, str]:
    return {
        getattr(value, "language", None) or "en": str(value) for value in graph.objects(node, prop)
    }


def _interface_context(svc: Services, identifier: str, lang: str) -> dict[str, Any]:
    """What the interface's publishing page shows: its versions and current metadata."""
    info = svc.registry.find(identifier)
    if info.kind != RecordKind.INTERFACE:
        raise errors.NotFoundError(f"{identifier!r} is an agency, not an interface")
    graph = svc.registry.read(identifier).graph
    iri = URIRef(info.iri)
    form = {f"title_{k}": v for k, v in _texts(graph, iri, DCTERMS.title).items()}
    form |= {f"description_{k}": v for k, v in _texts(graph, iri, DCTERMS.description).items()}
    form["endpoint"] = str(graph.value(iri, DCAT.endpointURL) or "")
    numbers = versions(graph, iri)
    current = graph.value(iri, DCAT.hasCurrentVersion)
    return {
        "identifier": identifier,
        "name": _in(lang, _texts(graph, iri, DCTERMS.title)) or identifier,
        "versions": numbers,
        "current": str(graph.value(current, DCAT.version) or "") if current else "",
        "defaults": form,
    }


def _in(lang: str, texts: dict[str, str]) -> str | None:
    """The text in `lang`, else English, else any."""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), None)


def _form_page(
    request: Request,
    template: str,
    title_key: str,
    context: dict[str, Any],
    *,
    form: dict[str, str] | None = None,
    status: int = 200,
    error: str | None = None,
    which: str = "",
) -> HTMLResponse:
    t = translator(request)
    return page(
        request,
        template,
        status=status,
        title=t(title_key, name=context.get("name", "")),
        form={**context.get("defaults", {}), **(form or {})},
        error=error,
        which=which,
        form_languages=_publishing.LANGUAGES,
        transports=NewInterface.transports,
        statuses=EDITABLE_STATUSES,
        **{k: v for k, v in context.items() if k != "defaults"},
    )


def _done(request: Request, result: SubmitResult, identifier: str) -> HTMLResponse:
    t = translator(request)
    proposal = result.proposal.to_dict() if result.proposal is not None else None
    return page(
        request,
        "publish_done.html",
        status=202 if proposal else 200,
        title=t("publish.proposed_title" if proposal else "publish.stored_title"),
        identifier=identifier,
        proposal=proposal,
    )


def _submit(svc: Services, who: Principal, scope: str | None, bundle: Bundle) -> SubmitResult:
    """Submit the bundle as the API's PUT does; a publisher's goes through the review rule."""
    review = svc.settings.registry.review and who.role is Role.PUBLISHER
    return svc.registry.submit(
        bundle.zip(),
        name=f"{bundle.identifier}.zip",
        actor=who.actor,
        publisher=scope,
        identifier=bundle.identifier,
        review=review,
    )


async def _handle(
    request: Request,
    svc: Services,
    target: str,
    build: Callable[[Form, Principal, str | None], Bundle],
    refused: Callable[[Form, int, str], HTMLResponse],
) -> HTMLResponse:
    """Read the form, authenticate its token, build the bundle (`build`), submit it and show
    the outcome; any refusal shows the form again (`refused`) with its reason."""
    form = Form({}, {})
    try:
        async with request.form() as data:  # closes the uploads' spooled files
            token = str(data.get("token") or "")
            who = form_principal(svc, token, ACTION, target)
            with audited(svc, who.actor, ACTION, target):
                form = await _publishing.read_form(data)
        scope = await run_in_threadpool(records_api.checked_scope, svc, who, ACTION, target)
        with audited(svc, who.actor, ACTION, target):
            bundle = await run_in_threadpool(build, form, who, scope)
        result = await run_in_threadpool(_submit, svc, who, scope, bundle)
    except errors.NifError as exc:
        form.texts.pop("token", None)
        return await run_in_threadpool(refused, form, status_of(exc)[0], str(exc))
    return await run_in_threadpool(_done, request, result, bundle.identifier)


# a new interface, under its agency


def _agency_context(svc: Services, agency: str, lang: str) -> dict[str, Any]:
    found = catalogue.agency(svc.registry.store, agency, lang=lang, offset=0, limit=1)
    return {"agency": found, "name": found.name, "defaults": {"version": "1.0.0"}}


@router.get("/agencies/{agency}/publish", response_class=HTMLResponse)
def new_interface_form(request: Request, svc: ServicesDep, agency: str) -> HTMLResponse:
    """The form for a new interface of the agency, with its first version."""
    context = _agency_context(svc, agency, translator(request).lang)
    return _form_page(request, "publish_interface.html", "publish.new_interface_title", context)


@router.post("/agencies/{agency}/publish", response_class=HTMLResponse)
async def new_interface_post(request: Request, svc: ServicesDep, agency: str) -> HTMLResponse:
    """Create the interface the form describes (stored, or proposed for review)."""
    lang = translator(request).lang
    context = await run_in_threadpool(_agency_context, svc, agency, lang)

    def build(form: Form, who: Principal, scope: str | None) -> Bundle:
        iri = context["agency"].iri
        if scope is not None and scope != iri:
            raise errors.ForbiddenError(
                f"a publisher token of {who.agency} cannot publish interfaces of {agency}"
            )
        identifier, number = form.get("identifier"), form.get("version") or "1.0.0"
        if _exists(svc, identifier):
            raise errors.InputError(f"{identifier!r} is taken: choose another identifier")
        spec = NewInterface(
            identifier=identifier,
            agency=iri,
            titles=form.per_language("title"),
            descriptions=form.per_language("description"),
            endpoint=form.get("endpoint"),
            transport=form.get("transport") or "rest",
            version=number,
            notes=texts_or_none(form.per_language("notes")) or {"en": "First version."},
        )
        graph, version = new_interface(spec, svc.settings)
        bundle = Bundle(identifier, URIRef(interface_iri(svc.settings, identifier)), graph)
        _publishing.add_version_files(form, bundle, svc.registry, version, number)
        return bundle

    def refused(form: Form, status: int, message: str) -> HTMLResponse:
        return _form_page(
            request,
            "publish_interface.html",
            "publish.new_interface_title",
            context,
            form=form.texts,
            status=status,
            error=message,
        )

    return await _handle(request, svc, f"{agency}/new-interface", build, refused)


def _exists(svc: Services, identifier: str) -> bool:
    try:
        svc.registry.find(identifier)
    except errors.NotFoundError:
        return False
    return True


# an interface's forms


@router.get("/interfaces/{identifier}/publish", response_class=HTMLResponse)
def publish_form(request: Request, svc: ServicesDep, identifier: str) -> HTMLResponse:
    """The interface's publishing forms: a new version, metadata, a version's status, and
    deprecation."""
    context = _interface_context(svc, identifier, translator(request).lang)
    return _form_page(request, "publish.html", "publish.title", context)


def _edit(
    svc: Services, identifier: str, change: Callable[[Form, Bundle], None]
) -> Callable[[Form, Principal, str | None], Bundle]:
    """A build step that applies `change` to a copy of the stored record."""

    def build(form: Form, who: Principal, scope: str | None) -> Bundle:
        record = svc.registry.read(identifier)
        bundle = Bundle(record.identifier, URIRef(record.iri), Graph() + record.graph)
        change(form, bundle)
        return bundle

    return build


def _new_version(svc: Services) -> Callable[[Form, Bundle], None]:
    def change(form: Form, bundle: Bundle) -> None:
        _publishing.new_version(form, bundle, svc.registry)

    return change


def _metadata(form: Form, bundle: Bundle) -> None:
    edit_metadata(
        bundle.graph,
        bundle.iri,
        Metadata(
            titles=form.per_language("title"),
            descriptions=form.per_language("description"),
            endpoint=form.get("endpoint") or None,
        ),
    )


def _status(form: Form, bundle: Bundle) -> None:
    node = version_node(bundle.graph, bundle.iri, form.get("version"))
    notes = {lang: text for lang, text in form.per_language("notes").items() if text}
    if notes:
        edit_metadata(bundle.graph, node, Metadata(notes=notes))
    status = form.get("status")
    if status or form.get("current"):
        status = status or str(bundle.graph.value(node, ADMS.status) or "").rsplit("/", 1)[-1]
        set_status(bundle.graph, node, status, current=bool(form.get("current")))


def _deprecate(form: Form, bundle: Bundle) -> None:
    node = version_node(bundle.graph, bundle.iri, form.get("version"))
    successor = form.get("successor")
    after = version_node(bundle.graph, bundle.iri, successor) if successor else None
    deprecate(bundle.graph, node, form.get("end_date") or None, after)


_FORMS: dict[str, Callable[[Services], Callable[[Form, Bundle], None]]] = {
    "version": _new_version,
    "metadata": lambda svc: _metadata,
    "status": lambda svc: _status,
    "deprecate": lambda svc: _deprecate,
}


@router.post("/interfaces/{identifier}/publish/{which}", response_class=HTMLResponse)
async def publish_post(
    request: Request, svc: ServicesDep, identifier: str, which: str
) -> HTMLResponse:
    """Submit one of the interface's forms (`version`, `metadata`, `status`, `deprecate`)."""
    if which not in _FORMS:
        raise errors.NotFoundError(f"no publishing form {which!r}")
    lang = translator(request).lang
    context = await run_in_threadpool(_interface_context, svc, identifier, lang)

    def refused(form: Form, status: int, message: str) -> HTMLResponse:
        return _form_page(
            request,
            "publish.html",
            "publish.title",
            context,
            form=form.texts,
            status=status,
            error=message,
            which=which,
        )

    build = _edit(svc, identifier, _FORMS[which](svc))
    return await _handle(request, svc, identifier, build, refused)
