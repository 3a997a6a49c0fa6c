"""Atom 1.0 feeds (RFC 4287) of an interface and of an agency, beside their pages.

`/interfaces/{id}/feed.atom` and `/agencies/{id}/feed.atom` are public like the pages (GET and
HEAD), so any feed reader subscribes without a token. What a feed says is the catalogue's read
model (`catalogue.interface_feed`, `agency_feed`); this module only writes it as Atom, in
English (`xml:lang="en"`, like nif's own messages), with an ETag so readers that poll get a 304
until the feed changes. Text from records is written by lxml, which escapes it; the characters
XML cannot carry at all are dropped.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from lxml import etree

from nif import __version__, catalogue
from nif.web import _negotiation
from nif.web._services import ServicesDep

router = APIRouter(include_in_schema=False)

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
KINDS = "https://w3id.org/nif/concept/feed-entry/"
"""The scheme of the entries' categories: published, status, end-date, removed, withdrawn,
breaking."""
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@router.api_route("/interfaces/{identifier}/feed.atom", methods=["GET", "HEAD"])
def interface_feed(request: Request, svc: ServicesDep, identifier: str) -> Response:
    """New versions, status changes, end dates and breaking changes of one interface."""
    feed = catalogue.interface_feed(svc.registry, identifier)
    return _answer(request, feed, f"/interfaces/{quote(identifier, safe='')}")


@router.api_route("/agencies/{identifier}/feed.atom", methods=["GET", "HEAD"])
def agency_feed(request: Request, svc: ServicesDep, identifier: str) -> Response:
    """The agency's interfaces' entries, and the changes that affect the versions it consumes."""
    feed = catalogue.agency_feed(svc.registry, identifier)
    return _answer(request, feed, f"/agencies/{quote(identifier, safe='')}")


def _answer(request: Request, feed: catalogue.Feed, page: str) -> Response:
    """The feed, or 304 when the reader's copy (its ETag) is still current.

    `Last-Modified` is the newest entry's time, but a feed also changes without a new entry (a
    consumer declared, a title edited): only the ETag, a hash of the body, says it did not, so
    `If-Modified-Since` alone never gets a 304."""
    base = str(request.base_url).rstrip("/")
    body = atom(feed, base, page)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    modified = _instant(feed.updated)
    headers = {
        "ETag": etag,
        "Last-Modified": email.utils.format_datetime(modified, usegmt=True),
        "Cache-Control": "no-cache",
    }
    if _negotiation.not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def atom(feed: catalogue.Feed, base: str, page: str) -> bytes:
    """`feed` as an Atom document; `base` is the service's URL, `page` the HTML page's path."""
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    root.set(_XML_LANG, "en")
    _text(root, "id", feed.id)
    _text(root, "title", f"{feed.title} ({feed.identifier}): changes")
    _text(root, "updated", feed.updated)
    author = etree.SubElement(root, f"{{{ATOM}}}author")
    _text(author, "name", feed.author)
    _link(root, "self", f"{base}{page}/feed.atom", "application/atom+xml")
    _link(root, "alternate", f"{base}{page}", "text/html")
    generator = _text(root, "generator", "nif")
    generator.set("version", __version__)
    for entry in feed.entries:
        item = etree.SubElement(root, f"{{{ATOM}}}entry")
        _text(item, "id", entry.id)
        _text(item, "title", entry.title)
        _text(item, "updated", entry.updated)
        anchor = f"#{quote(entry.anchor, safe='-.+')}" if entry.anchor else ""
        href = f"{base}/interfaces/{quote(entry.interface, safe='')}{anchor}"
        _link(item, "alternate", href, "text/html")
        category = etree.SubElement(item, f"{{{ATOM}}}category")
        category.set("term", entry.kind)
        category.set("scheme", KINDS)
        if entry.summary:
            _text(item, "summary", entry.summary)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def _text(parent: etree._Element, name: str, value: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = _NOT_XML.sub("", value)
    return element


def _link(parent: etree._Element, rel: str, href: str, media_type: str) -> None:
    link = etree.SubElement(parent, f"{{{ATOM}}}link")
    link.set("rel", rel)
    link.set("href", href)
    link.set("type", media_type)


def _instant(text: str) -> dt.datetime:
    """A feed's RFC 3339 `updated`, to the second (what HTTP dates carry)."""
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when.replace(microsecond=0)
