"""Bearer-token authentication as FastAPI dependencies. Reads need no token; writes do.

The token travels only in the `Authorization` header (never a query parameter, so it cannot
end up in access logs), and no error message repeats it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from nif.auth import Principal, Role
from nif.errors import AuthenticationError, ForbiddenError
from nif.web._services import ServicesDep

bearer = HTTPBearer(auto_error=False, description="A nif API token: nif_<id>_<secret>")


def optional_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    svc: ServicesDep,
) -> Principal | None:
    """The caller's principal, or None when no token was sent; a bad token is always refused."""
    if credentials is None:
        return None
    return svc.tokens.authenticate(credentials.credentials)


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def principal(who: OptionalPrincipal) -> Principal:
    """The caller's principal; 401 without a token."""
    if who is None:
        raise AuthenticationError("this operation needs a bearer token (Authorization: Bearer …)")
    return who


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that admits only principals with one of `roles` (admin always)."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role is Role.ADMIN or who.role in roles:
            return who
        allowed = ", ".join(str(r) for r in (*roles, Role.ADMIN))
        raise ForbiddenError(f"a {who.role} token may not do this; it needs the role {allowed}")

    return check
