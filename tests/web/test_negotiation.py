"""Content negotiation, the one home every route chooses its answer's format in."""

from __future__ import annotations

import pytest
from starlette.exceptions import HTTPException

from nif.errors import UsageError
from nif.web._negotiation import (
    best,
    body_type,
    choose,
    media_type,
    named,
    negotiate,
    not_modified,
    preferred,
    prefers_html,
)

OFFERS = [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/json", "json")]
NAMES = {"turtle": "turtle", "ntriples": "nt"}


def test_preferred_orders_by_q_and_keeps_the_header_order_for_ties() -> None:
    assert preferred("a/b;q=0.5, c/d, e/f;q=0, g/h;q=x, i/j") == ["c/d", "i/j", "a/b"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "turtle"),
        ("", "turtle"),
        ("*/*", "turtle"),
        ("application/*", "nt"),
        ("application/json", "json"),
        ("text/turtle;q=0.5, application/json", "json"),
        ("text/turtle;q=0.5, */*", "nt"),
        ("text/turtle;q=0, */*;q=0.1", "nt"),
        ("application/n-triples;q=0.4, application/*;q=0.5", "json"),
        ("APPLICATION/JSON", "json"),
        ("image/png", None),
        ("text/turtle;q=0", None),
        ("nonsense", None),
    ],
)
def test_best_rates_each_offer_by_its_most_specific_range(
    accept: str | None, expected: str | None
) -> None:
    assert best(accept, OFFERS) == expected


def test_nothing_acceptable_is_a_406_saying_what_is_offered() -> None:
    with pytest.raises(HTTPException) as refused:
        choose("image/png", OFFERS, "a record")
    assert refused.value.status_code == 406
    for word in ("image/png", "a record", "text/turtle", "application/json", "?format="):
        assert word in str(refused.value.detail)


def test_the_format_parameter_wins_and_an_unknown_one_is_a_400() -> None:
    assert negotiate("application/json", "ntriples", OFFERS, NAMES, "a record") == "nt"
    assert negotiate("application/json", None, OFFERS, NAMES, "a record") == "json"
    assert named(" Turtle ", NAMES, "a record") == "turtle"
    with pytest.raises(UsageError, match="'yaml' is not one of turtle, ntriples"):
        negotiate(None, "yaml", OFFERS, NAMES, "a record")


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("text/html, application/json", True),
        ("application/json, text/html", False),
        ("application/json;q=0.5, text/html", True),
        ("*/*", False),
        ("", False),
        ("application/json", False),
    ],
)
def test_a_browser_gets_html_error_pages_and_a_script_json(accept: str, html: bool) -> None:
    assert prefers_html(accept) is html


def test_media_type_drops_parameters_and_case() -> None:
    assert media_type("Text/Turtle; charset=UTF-8") == "text/turtle"
    assert media_type(None) == ""


@pytest.mark.parametrize(
    ("content_type", "said"),
    [
        ("application/json", "cannot submit a body of type 'application/json'"),
        (None, "cannot submit a body without Content-Type"),
    ],
)
def test_a_body_of_another_type_is_a_415_naming_the_accepted_ones(
    content_type: str | None, said: str
) -> None:
    accepted = {"text/turtle": "turtle", "application/zip": "zip"}
    assert body_type("text/turtle; charset=utf-8", accepted, "submit") == "turtle"
    with pytest.raises(HTTPException) as refused:
        body_type(content_type, accepted, "submit")
    assert refused.value.status_code == 415
    assert said in refused.value.detail
    assert "send one of text/turtle, application/zip" in refused.value.detail


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ('"abcd"', False),
        ('"ab"', False),
        ("*", True),
    ],
)
def test_if_none_match_is_read_alike_everywhere(header: str | None, expected: bool) -> None:
    assert not_modified(header, '"abc"') is expected
