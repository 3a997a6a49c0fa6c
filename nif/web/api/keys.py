"""`/.well-known/nif-certificate-key`: the public key that verifies the service's certificates.

Anyone holding a certificate file checks its signature offline with this key, so it is public,
cacheable and offered in the forms tools read: PEM (default), a JWK, or a JWK Set. The ETag is
the key id: a client that kept the key revalidates with a 304.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from nif.web import _negotiation
from nif.web._services import ServicesDep

router = APIRouter(tags=["certification"])

PATH = "/.well-known/nif-certificate-key"
MEDIA = {
    "pem": "application/x-pem-file",
    "jwk": "application/jwk+json",
    "jwks": "application/jwk-set+json",
}
"""`?format=` names and the media types they answer with, the first the default."""

CACHE = "public, max-age=3600"


OFFERS = [*((media, name) for name, media in MEDIA.items()), ("application/json", "jwk")]
"""What `Accept` may name: the key's own types, and plain JSON for a JWK."""


@router.get(
    PATH,
    summary="The public key that verifies certificates",
    response_class=Response,
    responses={
        200: {
            "description": "The Ed25519 public key (its key id is the ETag).",
            "content": {
                MEDIA["pem"]: {"schema": {"type": "string"}},
                MEDIA["jwk"]: {"schema": {"type": "object"}},
                MEDIA["jwks"]: {"schema": {"type": "object"}},
            },
        },
        304: {"description": "The key the client has (If-None-Match) is still the key."},
        406: {"description": "None of the accepted media types."},
    },
)
async def certificate_key(
    request: Request,
    svc: ServicesDep,
    fmt: Annotated[
        Literal["pem", "jwk", "jwks"] | None,
        Query(alias="format", description="Overrides Accept: pem, jwk or jwks (a JWK Set)."),
    ] = None,
) -> Response:
    """The competence centre's Ed25519 public key: PEM unless `Accept` or `?format=` asks for a
    JWK (RFC 8037, `kid` = the key id certificates name in `nif:signingKey`) or a JWK Set."""
    name: str = fmt or _negotiation.choose(request.headers.get("accept"), OFFERS, "the key")
    public = svc.key.public
    etag = f'"{public.key_id}"'
    headers = {"Cache-Control": CACHE, "ETag": etag, "Vary": "Accept"}
    if _negotiation.not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if name == "pem":
        content = public.pem()
    elif name == "jwk":
        content = json.dumps(public.jwk())
    else:
        content = json.dumps({"keys": [public.jwk()]})
    return Response(content, media_type=MEDIA[name], headers=headers)
