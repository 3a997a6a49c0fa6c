"""The live service fixtures of the web tests, for the client's tests."""

from tests.web.conftest import demo_home, make_server

__all__ = ["demo_home", "make_server"]
