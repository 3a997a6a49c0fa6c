"""`/.well-known/nif-certificate-key` through a real server: the formats, caching, and that
the key it serves verifies the certificates the service issues."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from rdflib import Graph, URIRef

from nif.auth import Role
from nif.certify._keys import PublicKey, load_or_create
from nif.certify._signature import SignatureStatus, verify
from tests.web.certification import issued
from tests.web.conftest import LiveServer

KEY = "/.well-known/nif-certificate-key"


def test_pem_is_the_default_and_is_the_home_s_key(server: LiveServer, client: httpx.Client) -> None:
    answer = client.get(KEY)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-pem-file"
    served = PublicKey.from_pem(answer.text)
    assert served.raw == load_or_create(server.home).public.raw
    assert answer.headers["etag"] == f'"{served.key_id}"'
    assert "public" in answer.headers["cache-control"]
    assert "max-age" in answer.headers["cache-control"]


@pytest.mark.parametrize(
    ("headers", "params"),
    [({"Accept": "application/jwk+json"}, {}), ({}, {"format": "jwk"})],
    ids=["accept", "format"],
)
def test_jwk(client: httpx.Client, headers: dict[str, str], params: dict[str, str]) -> None:
    answer = client.get(KEY, headers=headers, params=params)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/jwk+json"
    jwk = answer.json()
    assert (jwk["kty"], jwk["crv"], jwk["use"]) == ("OKP", "Ed25519", "sig")
    pem = PublicKey.from_pem(client.get(KEY).text)
    assert PublicKey.from_jwk(jwk).raw == pem.raw
    assert jwk["kid"] == pem.key_id


@pytest.mark.parametrize(
    ("headers", "params"),
    [({"Accept": "application/jwk-set+json"}, {}), ({}, {"format": "jwks"})],
    ids=["accept", "format"],
)
def test_jwk_set(client: httpx.Client, headers: dict[str, str], params: dict[str, str]) -> None:
    answer = client.get(KEY, headers=headers, params=params)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/jwk-set+json"
    keys = answer.json()["keys"]
    assert len(keys) == 1
    assert keys[0] == client.get(KEY, params={"format": "jwk"}).json()


def test_accept_preferences_and_refusals(client: httpx.Client) -> None:
    preferred = client.get(
        KEY, headers={"Accept": "application/x-pem-file;q=0.5, application/jwk+json"}
    )
    assert preferred.headers["content-type"] == "application/jwk+json"
    refused = client.get(KEY, headers={"Accept": "application/xml"})
    assert refused.status_code == 406
    assert "application/x-pem-file" in refused.json()["message"]
    unknown = client.get(KEY, params={"format": "der"})
    assert unknown.status_code == 400
    assert "format" in unknown.json()["message"]


def test_a_client_with_the_key_revalidates_with_304(client: httpx.Client) -> None:
    first = client.get(KEY)
    again = client.get(KEY, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    other = client.get(KEY, headers={"If-None-Match": '"0000000000000000"'})
    assert other.status_code == 200


def test_the_served_key_verifies_an_issued_certificate(
    make_server: Callable[..., LiveServer],
) -> None:
    live = make_server()
    with live.client(live.token(Role.CERTIFIER)) as certifier, live.client() as anyone:
        certificate = issued(certifier)
        pem = anyone.get(KEY).text
        jwk = anyone.get(KEY, params={"format": "jwk"}).json()
        content = anyone.get(
            f"/api/certificates/{certificate['id']}", params={"format": "ntriples"}
        ).content
    graph = Graph().parse(data=content, format="nt")
    iri = URIRef(certificate["iri"])
    for key in (PublicKey.from_pem(pem), PublicKey.from_jwk(jwk)):
        result = verify(graph, iri, [key])
        assert result.ok, result.message
        assert result.key_id == key.key_id == certificate["key_id"]
    other = load_or_create(live.home / "elsewhere").public
    assert verify(graph, iri, [other]).status is SignatureStatus.UNKNOWN_KEY
