"""The competence centre's Ed25519 key pair, which signs certificates.

The private key is the state's secret `certificate-key` (embedded: `NIF_HOME/certificate-key.pem`,
PKCS#8 PEM, mode 0600), created on first use. It is never logged or shown: only the public key
(PEM, or a JWK for `/.well-known/nif-certificate-key`) and its key id leave this module.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import time
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from nif.errors import InputError
from nif.home import Home
from nif.settings import Settings
from nif.state import EmbeddedState, State, is_postgres, open_state


@dataclasses.dataclass(frozen=True)
class PublicKey:
    """A public key that verifies certificates, named by its key id."""

    key: Ed25519PublicKey

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        """The first 16 hex digits of the sha256 of the raw key: short, stable, content-derived."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def jwk(self) -> dict[str, Any]:
        """The key as a JSON Web Key (RFC 8037), with its key id as `kid`."""
        x = base64.urlsafe_b64encode(self.raw).rstrip(b"=").decode("ascii")
        return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": self.key_id, "use": "sig"}

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any]) -> PublicKey:
        if (
            jwk.get("kty") != "OKP"
            or jwk.get("crv") != "Ed25519"
            or not isinstance(jwk.get("x"), str)
        ):
            raise InputError("not an Ed25519 JWK: it needs kty OKP, crv Ed25519 and x")
        try:
            raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
            return cls(Ed25519PublicKey.from_public_bytes(raw))
        except ValueError as exc:
            raise InputError(f"not an Ed25519 JWK: x is not a 32-byte key ({exc})") from None

    @classmethod
    def from_pem(cls, pem: str | bytes) -> PublicKey:
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm):
            raise InputError("not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InputError("the PEM public key is not an Ed25519 key")
        return cls(key)


@dataclasses.dataclass(frozen=True, repr=False)
class SigningKey:
    """The private key that signs certificates. Its repr never shows the key."""

    private: Ed25519PrivateKey

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.private.public_key())

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())


CERTIFICATE_KEY = "certificate-key"
"""The name the state keeps the signing key under (`NIF_HOME/certificate-key.pem` embedded)."""

_KEPT_SECONDS = 300.0
"""How long a process trusts the PostgreSQL state's public key it read (a key is replaced only
by `registry import --full --replace`)."""


def load_or_create(source: State | Settings | Path) -> SigningKey:
    """The key pair of a state (made on first use, kept by whichever process asks first: every
    process and replica gets the one key). Settings or a NIF_HOME path open their state for
    the call (the CLI's one-off commands)."""
    if isinstance(source, State):
        data = source.secret(CERTIFICATE_KEY, new_pem)
        return parse(data, _where(source))
    with open_state(source) if isinstance(source, Settings) else EmbeddedState(source) as state:
        return load_or_create(state)


def _where(state: State) -> str:
    if isinstance(state, EmbeddedState):
        return str(Home(state.home).signing_key)
    return f"the certificate key in {state.describe()}"


def load(path: Path) -> SigningKey:
    """The private key in `path`; an `InputError` (never showing the file) if it is unusable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the certificate key ({exc.strerror})") from None
    return parse(data, str(path))


def parse(data: bytes, where: str) -> SigningKey:
    """The private key PEM `data` (from `where`); an `InputError` never showing it."""
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise InputError(
            f"{where}: not an unencrypted PEM (PKCS#8) private key; restore it from a backup, "
            "or move it away to create a new key (certificates signed with the old key will "
            "then no longer verify)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{where}: the certificate key is not an Ed25519 key")
    return SigningKey(key)


def new_pem() -> bytes:
    """A new Ed25519 private key, PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def registry_keys(settings: Settings) -> tuple[PublicKey, ...]:
    """The public keys this registry trusts for its certificates and revocations: its own
    key's. On the embedded state, none before a key was made (reading never makes one), and
    remembered while the key file is unchanged; on PostgreSQL, read once a while (every
    replica made or read the key at start). Every certificate listed is checked with them."""
    if is_postgres(settings.state.url):
        return _postgres_keys(settings)
    path = settings.folder.signing_key
    try:
        stat = path.stat()
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the certificate key ({exc.strerror})") from None
    stamp = (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    known = _PUBLIC.get(stamp[0])
    if known is not None and known[0] == stamp:
        return known[1]
    keys = (load(path).public,)
    if len(_PUBLIC) > 64:
        _PUBLIC.clear()
    _PUBLIC[stamp[0]] = (stamp, keys)
    return keys


def _postgres_keys(settings: Settings) -> tuple[PublicKey, ...]:
    url = settings.state.url
    known = _REMOTE.get(url)
    if known is not None and time.monotonic() - known[0] < _KEPT_SECONDS:
        return known[1]
    keys = (load_or_create(settings).public,)
    if len(_REMOTE) > 64:
        _REMOTE.clear()
    _REMOTE[url] = (time.monotonic(), keys)
    return keys


_PUBLIC: dict[str, tuple[tuple[str, int, int, int], tuple[PublicKey, ...]]] = {}
_REMOTE: dict[str, tuple[float, tuple[PublicKey, ...]]] = {}
