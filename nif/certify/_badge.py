"""An SVG badge that shows an agency's certification state for an interface version.

Drawn here (flat, shields-like: "NIF" on the left, the state on the right) so the service needs
no third-party assets. Built with lxml, so every text is escaped; readable by screen readers
(`role="img"`, `<title>`, `aria-label`); white text on colours with a contrast of at least 4.5:1.
"""

from __future__ import annotations

import enum

from lxml import etree

SVG = "http://www.w3.org/2000/svg"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HEIGHT = 20
PADDING = 6
FONT_SIZE = 11
TEXT_COLOUR = "#ffffff"
LABEL_COLOUR = "#3d3d3d"


class BadgeState(enum.StrEnum):
    CERTIFIED = "certified"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NEEDS_RECERTIFICATION = "needs re-certification"
    SIGNATURE_INVALID = "signature invalid"
    """Its signature does not verify with the registry's key: nothing it states counts."""
    NONE = "none"


BADGE_TEXTS = {
    BadgeState.CERTIFIED: "certified",
    BadgeState.EXPIRED: "expired",
    BadgeState.REVOKED: "revoked",
    BadgeState.NEEDS_RECERTIFICATION: "needs re-certification",
    BadgeState.SIGNATURE_INVALID: "signature invalid",
    BadgeState.NONE: "not certified",
}
"""The English text of each state (the default: a badge embedded elsewhere is in English)."""
TRANSLATED_TEXTS = {
    "de": {
        BadgeState.CERTIFIED: "zertifiziert",
        BadgeState.EXPIRED: "abgelaufen",
        BadgeState.REVOKED: "widerrufen",
        BadgeState.NEEDS_RECERTIFICATION: "neu zu zertifizieren",
        BadgeState.SIGNATURE_INVALID: "Signatur ungültig",
        BadgeState.NONE: "nicht zertifiziert",
    },
    "fr": {
        BadgeState.CERTIFIED: "certifié",
        BadgeState.EXPIRED: "expiré",
        BadgeState.REVOKED: "révoqué",
        BadgeState.NEEDS_RECERTIFICATION: "à recertifier",
        BadgeState.SIGNATURE_INVALID: "signature invalide",
        BadgeState.NONE: "non certifié",
    },
}
"""The German and French texts, for badges on the pages in those languages."""
COLOURS = {
    BadgeState.CERTIFIED: "#17713a",
    BadgeState.EXPIRED: "#6941c6",
    BadgeState.REVOKED: "#b3261e",
    BadgeState.NEEDS_RECERTIFICATION: "#9a4d00",
    BadgeState.SIGNATURE_INVALID: "#1f1f1f",
    BadgeState.NONE: "#616161",
}

_NARROW = set("fijlrtI.,:;'|!()[] ")
_WIDE = set("mwMW@%")


def text_width(text: str) -> float:
    """An estimate of `text`'s width in Verdana at 11px; `textLength` makes it exact."""
    return sum(
        3.6 if c in _NARROW else 9.6 if c in _WIDE else 7.5 if c.isupper() else 6.6 for c in text
    )


def badge_text(state: BadgeState, lang: str = "en") -> str:
    """The text of `state` in `lang` (English for a language without a translation)."""
    return TRANSLATED_TEXTS.get(lang, BADGE_TEXTS)[state]


def badge_svg(state: BadgeState, version: str | None = None, lang: str = "en") -> str:
    """The badge as an SVG document (UTF-8 text, no XML declaration, fit to inline in HTML),
    its text in `lang` (marked with `xml:lang`, for screen readers)."""
    version = "".join(c for c in version or "" if c.isprintable())  # XML takes no controls
    text = badge_text(state, lang)
    value = f"{text} {version}" if version else text
    label = "NIF"
    left = round(text_width(label)) + 2 * PADDING
    right = round(text_width(value)) + 2 * PADDING
    width = left + right
    svg = etree.Element(
        f"{{{SVG}}}svg",
        nsmap={None: SVG},
        width=str(width),
        height=str(HEIGHT),
        viewBox=f"0 0 {width} {HEIGHT}",
        role="img",
    )
    svg.set(
        "{http://www.w3.org/XML/1998/namespace}lang", lang if lang in TRANSLATED_TEXTS else "en"
    )
    svg.set("aria-label", f"{label}: {value}")
    etree.SubElement(svg, f"{{{SVG}}}title").text = f"{label}: {value}"
    shapes = etree.SubElement(svg, f"{{{SVG}}}g", {"shape-rendering": "geometricPrecision"})
    for x, w, fill in (
        (0, width, COLOURS[state]),
        (0, left, LABEL_COLOUR),
        (left - 3, 3, LABEL_COLOUR),  # squares the label's right corners
    ):
        rx = "0" if x else "3"
        attrs = {"x": str(x), "width": str(w), "height": str(HEIGHT), "rx": rx, "fill": fill}
        etree.SubElement(shapes, f"{{{SVG}}}rect", attrs)
    texts = etree.SubElement(
        svg,
        f"{{{SVG}}}g",
        {
            "fill": TEXT_COLOUR,
            "text-anchor": "middle",
            "font-family": "Verdana,DejaVu Sans,Geneva,sans-serif",
            "font-size": str(FONT_SIZE),
        },
    )
    for centre, span, text in ((left / 2, left, label), (left + right / 2, right, value)):
        attrs = {
            "x": f"{centre:g}",
            "y": "14",
            "textLength": str(span - 2 * PADDING),
            "lengthAdjust": "spacingAndGlyphs",
        }
        etree.SubElement(texts, f"{{{SVG}}}text", attrs).text = text
    drawn: str = etree.tostring(svg, encoding="unicode")
    return drawn
