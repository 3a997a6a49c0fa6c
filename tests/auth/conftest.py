"""The token tests run on every state back end (the `state` fixture of `tests.state`)."""

from tests.state.conftest import make_state, state, state_settings

__all__ = ["make_state", "state", "state_settings"]
