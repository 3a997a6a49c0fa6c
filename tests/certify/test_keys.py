"""The competence centre's key pair: made once per NIF_HOME, kept private, published as PEM/JWK."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from nif.certify._keys import PublicKey, SigningKey, load, load_or_create
from nif.errors import InputError
from nif.home import Home


def test_created_on_first_use_with_mode_0600_then_loaded(tmp_path: Path) -> None:
    home = tmp_path / "home"
    key = load_or_create(home)
    path = Home(home).signing_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    assert load_or_create(home).key_id == key.key_id
    assert [p.name for p in home.iterdir()] == [path.name]  # no temporary file left behind


def _key_id(home: str) -> str:
    return load_or_create(Path(home)).key_id


@pytest.mark.slow
def test_processes_starting_at_once_share_one_key(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        ids = pool.map(_key_id, [str(tmp_path)] * 8)
    assert len(set(ids)) == 1
    assert ids[0] == load(Home(tmp_path).signing_key).key_id


def test_key_id_is_16_hex_digits_of_the_raw_public_key() -> None:
    key = SigningKey.generate()
    assert len(key.key_id) == 16
    int(key.key_id, 16)
    assert key.key_id != SigningKey.generate().key_id


def test_repr_never_shows_the_private_key(tmp_path: Path) -> None:
    key = load_or_create(tmp_path)
    secret = Home(tmp_path).signing_key.read_text().splitlines()[1]
    assert secret not in repr(key) and key.key_id in repr(key)
    assert secret not in key.public.pem() and secret not in str(key.public.jwk())


def test_public_key_round_trips_through_pem_and_jwk() -> None:
    public = SigningKey.generate().public
    jwk = public.jwk()
    assert (jwk["kty"], jwk["crv"], jwk["kid"]) == ("OKP", "Ed25519", public.key_id)
    assert "=" not in jwk["x"] and "d" not in jwk
    assert PublicKey.from_jwk(jwk).raw == public.raw
    assert public.pem().startswith("-----BEGIN PUBLIC KEY-----")
    assert PublicKey.from_pem(public.pem()).key_id == public.key_id


@pytest.mark.parametrize(
    "jwk",
    [{"kty": "RSA", "n": "x"}, {"kty": "OKP", "crv": "Ed25519", "x": "c2hvcnQ"}, {"kty": "OKP"}],
)
def test_bad_jwk_is_refused(jwk: dict[str, str]) -> None:
    with pytest.raises(InputError, match="not an Ed25519 JWK"):
        PublicKey.from_jwk(jwk)


def test_corrupt_key_file_is_a_clear_error_without_its_content(tmp_path: Path) -> None:
    Home(tmp_path).signing_key.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0IGdhcmJhZ2U=\n")
    with pytest.raises(InputError, match="not an unencrypted PEM") as info:
        load_or_create(tmp_path)
    assert "c2VjcmV0IGdhcmJhZ2U" not in str(info.value)


def test_key_of_another_algorithm_is_refused(tmp_path: Path) -> None:
    pem = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    Home(tmp_path).signing_key.write_bytes(pem)
    with pytest.raises(InputError, match="not an Ed25519 key"):
        load_or_create(tmp_path)


def test_unreadable_key_path_is_a_clear_error(tmp_path: Path) -> None:
    Home(tmp_path).signing_key.mkdir()  # readable by anyone, root included, but not a file
    with pytest.raises(InputError, match="cannot read the certificate key"):
        load_or_create(tmp_path)
