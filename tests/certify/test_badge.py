"""The SVG badge: each state's text and colour, accessible, escaped, readable (contrast)."""

from __future__ import annotations

import pytest
from lxml import etree

from nif.certify._badge import COLOURS, LABEL_COLOUR, TEXT_COLOUR, BadgeState, badge_svg

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode("utf-8"), etree.XMLParser(resolve_entities=False))


def _texts(root: etree._Element) -> list[str]:
    return [t.text for t in root.iterfind(".//svg:text", NS)]


@pytest.mark.parametrize(
    ("state", "text"),
    [
        (BadgeState.CERTIFIED, "certified 2.1.0"),
        (BadgeState.EXPIRED, "expired 2.1.0"),
        (BadgeState.REVOKED, "revoked 2.1.0"),
        (BadgeState.NEEDS_RECERTIFICATION, "needs re-certification 2.1.0"),
        (BadgeState.NONE, "not certified 2.1.0"),
    ],
)
def test_each_state_shows_its_text_and_colour(state: BadgeState, text: str) -> None:
    root = _parse(badge_svg(state, "2.1.0"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert _texts(root) == ["NIF", text]
    assert root.get("role") == "img"
    assert root.get("aria-label") == f"NIF: {text}"
    assert root.findtext("svg:title", namespaces=NS) == f"NIF: {text}"
    assert root[0].tag == "{http://www.w3.org/2000/svg}title"  # first, as screen readers expect
    fills = [r.get("fill") for r in root.iterfind(".//svg:rect", NS)]
    assert fills[0] == COLOURS[state] and LABEL_COLOUR in fills


def test_states_have_distinct_colours() -> None:
    assert len(set(COLOURS.values())) == len(BadgeState)


def test_without_a_version_only_the_state_is_shown() -> None:
    assert _texts(_parse(badge_svg(BadgeState.CERTIFIED))) == ["NIF", "certified"]


def test_longer_texts_make_wider_badges_that_hold_them() -> None:
    short = _parse(badge_svg(BadgeState.REVOKED, "1"))
    long = _parse(badge_svg(BadgeState.NEEDS_RECERTIFICATION, "10.20.30-rc.1"))
    assert int(long.get("width")) > int(short.get("width")) + 100
    for root in (short, long):
        width = int(root.get("width"))
        assert root.get("viewBox") == f"0 0 {width} 20"
        for text in root.iterfind(".//svg:text", NS):
            half = float(text.get("textLength")) / 2
            assert float(text.get("x")) - half > 0 and float(text.get("x")) + half < width


def test_version_text_is_escaped() -> None:
    version = '2.0 <script>alert("x")</script> & </svg>'
    svg = badge_svg(BadgeState.CERTIFIED, version)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp;" in svg
    root = _parse(svg)
    assert _texts(root)[1] == f"certified {version}"
    assert root.get("aria-label") == f"NIF: certified {version}"
    assert not root.findall(".//script") and not root.findall(".//svg:script", NS)


def test_control_characters_are_dropped_not_fatal() -> None:
    root = _parse(badge_svg(BadgeState.EXPIRED, "1.0\x00\x1b"))
    assert _texts(root)[1] == "expired 1.0"


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula() -> None:
    assert _contrast("#ffffff", "#000000") == pytest.approx(21)
    assert _contrast("#ffffff", "#777777") < 4.5  # a grey that would fail


@pytest.mark.parametrize("state", list(BadgeState))
def test_text_contrast_is_at_least_4_5(state: BadgeState) -> None:
    root = _parse(badge_svg(state, "1.0.0"))
    text_fill = root.find(".//svg:g[@fill]", NS).get("fill")
    assert text_fill == TEXT_COLOUR
    for background in (COLOURS[state], LABEL_COLOUR):
        assert _contrast(text_fill, background) >= 4.5, (state, background)
