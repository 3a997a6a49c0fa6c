"""A discriminator's value: JSON Pointer values as the registry writes them, XPath 1.0 string
values."""

from __future__ import annotations

import pytest
from lxml import etree

from nif.registry._detect import _json_document
from nif.registry._discriminators import json_pointer_value, xpath_value
from nif.registry._message_types import Discriminator
from nif.settings import Settings


@pytest.mark.parametrize(
    ("document", "pointer", "value"),
    [
        ('{"messageType": "X"}', "/messageType", "X"),
        ('{"a": {"b/c": [1, {"~d": 2.50}]}}', "/a/b~1c/1/~0d", "2.50"),
        ('{"v": 2}', "/v", "2"),
        ('{"v": 1e3}', "/v", "1e3"),
        ('{"v": true, "w": null}', "/v", "true"),
        ('{"v": true, "w": null}', "/w", "null"),
        ('{"v": {"x": 1}}', "/v", None),
        ('{"v": [1]}', "/v/01", None),
        ('{"v": [1]}', "/v/1", None),
        ('{"v": [1]}', "/v/-", None),
        ('{"v": 1}', "v", None),
        ('"top"', "", "top"),
    ],
)
def test_json_pointer_values(document: str, pointer: str, value: str | None) -> None:
    parsed = _json_document(document.encode(), Settings())
    assert json_pointer_value(parsed, pointer) == value


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/b:N/b:V", "2.0"),
        ("b:V", "2.0"),
        ("/b:N/@kind", "annual"),
        ("count(b:V)", "1"),
        ("count(b:V) div 2", "0.5"),
        ("b:V = '2.0'", "true"),
        ("/b:N", "2.0 x"),
        ("b:Missing", None),
        ("/x:N", None),
        ("b:V[", None),
    ],
)
def test_xpath_string_values(path: str, value: str | None) -> None:
    tree = etree.fromstring(b'<N xmlns="urn:b" kind="annual"><V>2.0</V> <W>x</W></N>').getroottree()
    assert xpath_value(tree, Discriminator(path, "", (("b", "urn:b"),))) == value
