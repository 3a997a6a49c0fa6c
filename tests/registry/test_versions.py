"""The registry's one version ordering, which lookups, errors and the catalogue share."""

from __future__ import annotations

import random

from nif.registry import version_key


def test_numbers_compare_as_numbers() -> None:
    assert version_key("1.10.0") > version_key("1.9.0")
    assert version_key("10.0") > version_key("9.9.9")
    assert version_key("2.0.0") == version_key("2.0.0")


def test_strings_that_are_not_pep_440_still_sort() -> None:
    """Text parts compare as text, after any number in the same place; a longer version
    sorts after its prefix (so 1.0.0-rc.1 comes after 1.0.0: today's order, not semver's)."""
    expected = [
        "1.0.0",
        "1.0.0+build.5",
        "1.0.0-rc.1",
        "1.0.0-rc.2",
        "1.0.0-rc.10",
        "1.0.x",
        "1.2",
        "beta",
        "v1",
    ]
    shuffled = random.Random(7).sample(expected, len(expected))
    assert sorted(shuffled, key=version_key) == expected


def test_unicode_digits_do_not_break_the_ordering() -> None:
    assert sorted(["1.²", "1.2"], key=version_key) == ["1.2", "1.²"]
