"""The data folders shipped with nif (shapes, vocabularies, registry, conformance).

In a wheel they live in `nif/_data/`; in a source checkout they are the top-level folders.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

DATA_FOLDERS = ("shapes", "vocabularies", "registry", "conformance")


def data_folder(name: str) -> Traversable:
    """The packaged folder `name`, whichever way nif was installed."""
    if name not in DATA_FOLDERS:
        raise ValueError(f"unknown data folder {name!r}")
    packaged = resources.files("nif") / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name
