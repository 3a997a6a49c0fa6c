"""Rendering a page: the Jinja2 environment, the language of the request, the switcher links."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from nif import __version__
from nif.web._negotiation import prefers_html
from nif.web.pages import _i18n
from nif.web.pages._dates import date_text, datetime_text
from nif.web.pages._vocabulary import concept_label

ONE_YEAR = 365 * 24 * 3600

LINK_SCHEMES = ("http:", "https:", "mailto:")
"""The only URLs from record data a page makes into links."""


def link_target(url: object) -> str:
    """`url` when a page may link to it (its scheme is http, https or mailto, spelt exactly
    so), else "": a `javascript:` or `data:` homepage from a record is shown, not followed."""
    text = str(url or "")
    return text if text.lower().startswith(LINK_SCHEMES) else ""


env = Environment(
    loader=PackageLoader("nif.web.pages", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["link"] = link_target
env.filters["date"] = date_text
env.filters["datetime"] = datetime_text
env.filters["concept"] = concept_label


def switch_links(request: Request) -> list[tuple[str, str]]:
    """For each language, the current URL with `?lang=` set to it (other parameters kept)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return [
        (lang, f"{quote(request.url.path)}?{urlencode([*kept, ('lang', lang)])}")
        for lang in _i18n.LANGUAGES
    ]


def page(
    request: Request, template: str, *, status: int = 200, title: str, **context: Any
) -> HTMLResponse:
    """Render `template` in the request's language; remember a `?lang=` choice in a cookie."""
    lang = _i18n.language(request)
    t = _i18n.Translator(lang)
    html = env.get_template(template).render(
        request=request,
        lang=lang,
        t=t,
        title=title,
        languages=switch_links(request),
        version=__version__,
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status, headers={"Vary": "Accept-Language, Cookie"})
    chosen = _i18n.requested(request)
    if chosen:
        response.set_cookie(_i18n.COOKIE, chosen, max_age=ONE_YEAR, samesite="lax")
    return response


def translator(request: Request) -> _i18n.Translator:
    return _i18n.Translator(_i18n.language(request))


API_PATHS = ("/api", "/sparql", "/health", "/version", "/openapi.json", "/docs", "/redoc")
"""Paths whose errors are always JSON, whatever the client accepts."""


def is_api(path: str) -> bool:
    """Whether `path` is the API's (or SPARQL's, or its documentation's), not a page's."""
    return any(path == p or path.startswith(p + "/") for p in API_PATHS)


def wants_html(request: Request) -> bool:
    """Whether a refusal should be the HTML error page: a page path, asked for by a browser
    (its Accept prefers text/html to JSON)."""
    if is_api(request.url.path):
        return False
    return prefers_html(request.headers.get("accept", ""))


def explanation(code: str, lang: str) -> str | None:
    """What error `code` means, in `lang` (None for a code the catalogue does not know)."""
    return _i18n.catalogue(lang).get(f"error.code.{code}")


def localized_message(request: Request, code: str) -> str | None:
    """For the API's JSON errors: what `code` means in the German or French the request's
    `Accept-Language` asks for; None for English (the `message` is English) or no match."""
    lang = _i18n.negotiate(request.headers.get("accept-language"))
    if lang is None or lang == _i18n.DEFAULT:
        return None
    return explanation(code, lang)


def error_page(
    request: Request,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    code: str | None = None,
) -> HTMLResponse:
    """The HTML error page: a localised title for the status, what `code` means in the page's
    language, and nif's own (English) message with the details."""
    t = translator(request)
    key = f"error.{status}"
    title = t(key) if key in _i18n.catalogue(_i18n.DEFAULT) else t("error.title")
    response = page(
        request,
        "error.html",
        status=status,
        title=title,
        message=message,
        explanation=explanation(code, t.lang) if code else None,
    )
    if headers:
        response.headers.update(headers)
    return response
