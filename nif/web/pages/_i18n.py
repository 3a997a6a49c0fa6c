"""The three UI languages: message catalogues and choosing a request's language.

Each language is one TOML file under `locales/` with the same (dotted) keys; they are read once.
A request's language is `?lang=`, else the `nif_lang` cookie the switcher sets, else the best
`Accept-Language` match by q-value, else English.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from fastapi import Request

from nif.web._negotiation import preferred

LANGUAGES = ("en", "de", "fr")
DEFAULT = "en"
COOKIE = "nif_lang"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """Every message of `lang`, by dotted key."""
    text = resources.files("nif.web.pages").joinpath(f"locales/{lang}.toml").read_text("utf-8")
    return _flatten(tomllib.loads(text))


class Translator:
    """`t("key", name=value)`: the message of `key` in one language, with `{name}` filled in.

    A key missing from the language falls back to English, then to the key itself, so a page
    never fails over a message (the tests check that every key exists in every language).
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._messages = catalogue(lang)

    def has(self, key: str) -> bool:
        """Whether `key` is a message (for labels of values that may have none)."""
        return key in catalogue(DEFAULT)

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages.get(key) or catalogue(DEFAULT).get(key, key)
        return text.format(**values) if values else text


def negotiate(header: str | None) -> str | None:
    """The supported language `Accept-Language` prefers most; `*` means the default."""
    for tag in (value.split("-")[0] for value in preferred(header or "") if value):
        if tag in LANGUAGES:
            return tag
        if tag == "*":
            return DEFAULT
    return None


def requested(request: Request) -> str | None:
    """A supported language named by `?lang=`, which the page then remembers in a cookie."""
    lang = request.query_params.get("lang", "").lower()
    return lang if lang in LANGUAGES else None


def language(request: Request) -> str:
    """The request's language: `?lang=`, the cookie, `Accept-Language`, English."""
    cookie = request.cookies.get(COOKIE, "").lower()
    return (
        requested(request)
        or (cookie if cookie in LANGUAGES else None)
        or negotiate(request.headers.get("accept-language"))
        or DEFAULT
    )
