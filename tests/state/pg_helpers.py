"""What the PostgreSQL state tests share: settings on a fresh database, waiting for an event
with a deadline, and a `nif` state opened in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from nif.settings import Settings
from tests.postgres import Postgres

DEADLINE = 30.0
"""Seconds to wait for something that takes milliseconds on an idle machine."""


def pg_settings(postgres: Postgres, home: Path) -> Settings:
    """Settings for a fresh database, the password in `state_password`."""
    return postgres.settings_for(Settings(home=home, actor="tester"))


def wait_for(condition: Callable[[], object], what: str, deadline: float = DEADLINE) -> None:
    """Poll `condition` until it is true; fail saying `what` did not happen in time."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"{what} did not happen within {deadline} s")
        time.sleep(0.01)


def environment(settings: Settings) -> dict[str, str]:
    """The variables that give a `nif` process the same state as `settings`."""
    return {
        **os.environ,
        "NIF_HOME": str(settings.home),
        "NIF_STATE": settings.state.url,
        "NIF_STATE_PASSWORD": settings.state.password.get_secret_value(),
    }


def spawn(settings: Settings, script: str) -> subprocess.Popen[str]:
    """`script` in a Python process of its own; `settings` come from its environment."""
    prelude = "from nif.settings import Settings\nsettings = Settings.load()\n"
    return subprocess.Popen(
        [sys.executable, "-c", prelude + script],
        env=environment(settings),
        cwd=settings.home.parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
