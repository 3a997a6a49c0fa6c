"""The `state` fixture: every back end the conformance tests run on, one fresh state each.

`state_settings` names the back end (`embedded`: files under the test's NIF_HOME;
`postgresql`: a fresh database of the session's server); `make_state` opens another state on
the same back end, as another process or replica would, and `state` is the first one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nif.settings import Settings
from nif.state import State, open_state

BACK_ENDS = ["embedded", pytest.param("postgresql", marks=pytest.mark.slow)]
"""PostgreSQL's tests are slow: they start the session's server (the `postgres` fixture)."""


@pytest.fixture(params=BACK_ENDS)
def state_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "home", actor="tester")
    if request.param == "postgresql":
        postgres = request.getfixturevalue("postgres")
        return postgres.settings_for(settings)  # type: ignore[no-any-return]
    return settings


@pytest.fixture
def make_state(state_settings: Settings) -> Iterator[Callable[[], State]]:
    """Opens a state on the test's back end; each call another (closed after the test)."""
    opened: list[State] = []

    def make() -> State:
        opened.append(open_state(state_settings))
        return opened[-1]

    yield make
    for state in reversed(opened):
        state.close()


@pytest.fixture
def state(make_state: Callable[[], State]) -> State:
    return make_state()
