"""Validation workers run rule sets written by others, so they start with nothing to steal.

Each worker process (the service's pool and `nif validate -j N` alike) replaces its environment
with a minimal one (no NIF_* settings, tokens or store credentials) and gets a private
temporary directory (0700) of its own, before any engine is loaded; the settings it receives
carry no store address or credentials (a worker reads pinned blobs and message files only).
This is the last layer under the sandbox check and Saxon's own closures: if a rule set ever
read the environment or wrote a temporary file, it would find nothing and reach nobody.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

from nif.settings import Settings

KEPT = ("PATH", "LANG", "LANGUAGE", "TZ")
"""Variables a worker keeps (and every LC_*): enough for locales and time zones, no secrets."""


def worker_environment(tmpdir: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment of a worker whose private temporary directory is `tmpdir`."""
    source = os.environ if environ is None else environ
    kept = {k: v for k, v in source.items() if k in KEPT or k.startswith("LC_")}
    return {**kept, "HOME": tmpdir, "TMPDIR": tmpdir, "TMP": tmpdir, "TEMP": tmpdir}


def worker_settings(settings: Settings) -> Settings:
    """The settings a worker needs: without the store's address and credentials."""
    return settings.replace(
        store="",
        store_update_url="",
        store_graph_url="",
        store_user="",
        store_password="",
    )


def private_tmpdir(parent: str | None = None) -> str:
    """A new directory only this user can enter, for one worker or one batch of them."""
    return tempfile.mkdtemp(prefix="nif-worker-", dir=parent)


def remove_tmpdir(path: str | None) -> None:
    """Remove a worker's temporary directory once the worker has ended."""
    if path:
        shutil.rmtree(path, ignore_errors=True)


def isolate(tmpdir: str) -> None:
    """Make this (new worker) process's environment the minimal one, with `tmpdir` as its
    temporary directory; called first thing, before Saxon or any rule set is loaded."""
    environment = worker_environment(tmpdir)
    os.environ.clear()
    os.environ.update(environment)
    tempfile.tempdir = tmpdir


def run_isolated(tmpdir: str, target: Callable[..., Any], *args: Any) -> Any:
    """A worker process's entry point: `isolate`, then `target(*args)`."""
    isolate(tmpdir)
    return target(*args)
