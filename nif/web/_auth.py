"""Authentication, role guards and the audit of write attempts, for the API and the pages.
Reads need no token; writes do, and every write attempt, refused or not, is in the audit log.

The API's token travels only in the `Authorization` header (never a query parameter, so it
cannot end up in access logs); a page's in a password field of its form. No error message or
audit entry repeats it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from nif.auth import Principal, Role
from nif.errors import AuthenticationError, ForbiddenError, NifError
from nif.web._services import Services, ServicesDep

bearer = HTTPBearer(auto_error=False, description="A nif API token: nif_<id>_<secret>")

UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or one that is unknown, malformed or revoked."}
}
"""The OpenAPI answer of a route that needs a token and got none it accepts."""


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


@contextlib.contextmanager
def audited(
    svc: Services,
    actor: str,
    action: str,
    target: str,
    audited_below: tuple[type[Exception], ...] = (),
) -> Iterator[None]:
    """Audit a refusal (a nif error or an HTTP error) or an unexpected error as it passes,
    then let it through; `audited_below` are the errors the code inside audits itself."""
    try:
        yield
    except audited_below:
        raise
    except (NifError, HTTPException) as exc:
        detail = str(exc) if isinstance(exc, NifError) else str(exc.detail)
        svc.registry.history.audit(actor, action, target, "refused", detail)
        raise
    except Exception as exc:
        svc.registry.history.audit_error(actor, action, target, exc)
        raise


def writer(action: str, target_param: str = "") -> Callable[..., Principal]:
    """A dependency: the principal of a write attempt named `action` on the path parameter
    `target_param`; a missing, unknown, malformed or revoked token is audited (naming no
    token) and refused with 401."""

    def authenticated(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        svc: ServicesDep,
    ) -> Principal:
        actor = "anonymous" if credentials is None else "unauthenticated token"
        with audited(svc, actor, action, request.path_params.get(target_param, "")):
            return principal(optional_principal(credentials, svc))

    return authenticated


def form_principal(svc: Services, token: str, action: str, target: str) -> Principal:
    """The principal of the token typed into a page's form, refused and audited as the API's
    bearer token is."""
    token = token.strip()
    with audited(svc, "unauthenticated token" if token else "anonymous", action, target):
        if not token:
            raise AuthenticationError(
                "this form needs your access token (nif_…) in its access token field"
            )
        return svc.tokens.authenticate(token)


def certifier(svc: Services, who: Principal, action: str, target: str) -> None:
    """Admit certifiers and admins; audit and refuse (403) everyone else."""
    with audited(svc, who.actor, action, target):
        if not sees_every_agency(who):
            raise ForbiddenError(
                f"a {who.role} token cannot issue or revoke certificates; "
                "it needs the role certifier or admin"
            )


def sees_every_agency(who: Principal) -> bool:
    """Certifiers and admins see (and certify) every agency's runs; a publisher only its own."""
    return who.role in (Role.CERTIFIER, Role.ADMIN)
