"""Where the PostgreSQL state is and how to reach it, said without its password.

Every PostgreSQL module of the state connects through a `Target`: the URL's parts, the
password from `state_password` (or the URL), and the one way failures become a `StateError`
that names the server and what to check, with any trace of the password scrubbed out.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, NoReturn
from urllib.parse import quote

import psycopg
from psycopg import conninfo

from nif.errors import StateError
from nif.settings import Settings

_SCHEMES = ("postgresql://", "postgres://")


@dataclasses.dataclass(frozen=True)
class Target:
    """One PostgreSQL database: connection keywords (`kwargs`, password included: never
    print them) and `where` (`postgresql://user@host:port/db`, for messages)."""

    kwargs: dict[str, Any] = dataclasses.field(repr=False)
    where: str
    password: str = dataclasses.field(default="", repr=False)
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Target:
        url = settings.state.url
        if not url.startswith(_SCHEMES):
            raise StateError("the state setting is not a PostgreSQL URL (postgresql://...)")
        try:
            parts = conninfo.conninfo_to_dict(url)
        except psycopg.Error as exc:
            password = _url_password(url)
            raise StateError(
                f"the state URL is not a valid PostgreSQL URL: {_scrub(str(exc), password)}"
            ) from None
        given = settings.state.password.get_secret_value()
        password = given or str(parts.get("password") or "")
        if password:
            parts["password"] = password
        timeout = settings.state.connect_timeout
        # libpq counts whole seconds and treats under 2 as 2; 0 would mean "wait forever".
        parts["connect_timeout"] = max(2, math.ceil(timeout)) if timeout > 0 else 0
        parts.setdefault("application_name", "nif")
        host = parts.get("host") or "localhost"
        where = f"postgresql://{parts.get('user') or ''}@{host}:{parts.get('port') or 5432}"
        where = f"{where}/{parts.get('dbname') or ''}".replace("://@", "://")
        return cls(parts, where, password, timeout or 10.0)

    def scrub(self, text: str) -> str:
        """`text` with the password (if it slipped in) replaced by `***`."""
        return _scrub(text, self.password)

    def connect(self, *, autocommit: bool = False) -> psycopg.Connection[Any]:
        """A connection of its own (not pooled); `StateError` when it cannot be made."""
        try:
            return psycopg.connect(**self.kwargs, autocommit=autocommit)
        except psycopg.Error as exc:
            self.fail(exc)

    def fail(self, exc: BaseException, doing: str = "") -> NoReturn:
        """Raise the `StateError` for `exc`: which server, what went wrong, what to check."""
        raise self.error(exc, doing) from None

    def error(self, exc: BaseException, doing: str = "") -> StateError:
        reason = self.scrub(str(exc).strip()) or type(exc).__name__
        what = f" while {doing}" if doing else ""
        return StateError(
            f"the state database {self.where} failed{what}: {reason} (check that PostgreSQL "
            "runs there and accepts this user, and the state, state_password and "
            "state_connect_timeout settings)"
        )


def _url_password(url: str) -> str:
    """The password in a URL that `conninfo` could not parse, to scrub it from the error."""
    authority = url.split("://", 1)[1].split("/", 1)[0]
    credentials = authority.rsplit("@", 1)[0] if "@" in authority else ""
    return credentials.split(":", 1)[1] if ":" in credentials else ""


def _scrub(text: str, password: str) -> str:
    if not password:
        return text
    return text.replace(password, "***").replace(quote(password, safe=""), "***")
