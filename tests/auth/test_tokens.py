"""API tokens: kept as salted hashes, shown once, revocable, and the role and agency rules."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from nif.auth import TOKENS_SCHEMA, Principal, Role, TokenStore
from nif.errors import AuthenticationError, ForbiddenError, NotFoundError, UsageError
from nif.state import EmbeddedState, State


@pytest.fixture
def tokens(state: State) -> TokenStore:
    return TokenStore(state)


def _kept(tokens: TokenStore) -> list[bytes]:
    """Where a secret would land if it were stored: the database and its write-ahead log
    (embedded), the table's rows (PostgreSQL)."""
    if isinstance(tokens.state, EmbeddedState):
        return [p.read_bytes() for p in sorted(tokens.state.home.glob("secrets.sqlite*"))]
    rows = tokens.state.database(TOKENS_SCHEMA).query("SELECT * FROM tokens")
    return [repr(rows).encode(), b"".join(bytes(v) for r in rows for v in r[4:6])]


def test_a_token_authenticates_as_its_principal(tokens: TokenStore) -> None:
    token, info = tokens.create("civreg CI", "publisher", "civreg")
    assert token.startswith(f"nif_{info.token_id}_")
    who = tokens.authenticate(token)
    assert who == Principal(info.token_id, "civreg CI", Role.PUBLISHER, "civreg")
    assert who.actor == f"token:{info.token_id} (civreg CI)"
    assert token.split("_", 2)[2] not in who.actor
    assert tokens.authenticate(f"  {token}\n") == who
    spaced, _ = tokens.create(" civreg CI ", "publisher", " civreg ")
    assert (tokens.authenticate(spaced).name, tokens.authenticate(spaced).agency) == (
        "civreg CI",
        "civreg",
    )


def test_the_secret_is_stored_only_as_a_salted_hash(tokens: TokenStore) -> None:
    first, _ = tokens.create("one", "admin")
    second, _ = tokens.create("two", "admin")
    assert first != second
    for token in (first, second):
        secret = token.split("_", 2)[2].encode()
        for kept in _kept(tokens):
            assert secret not in kept
    if isinstance(tokens.state, EmbeddedState):
        files = sorted(tokens.state.home.glob("secrets.sqlite*"))
        assert [stat.S_IMODE(path.stat().st_mode) for path in files] == [0o600] * 3


def test_a_token_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "secrets.sqlite"
    store = TokenStore(path)  # a path: the embedded state of its folder, closed with the store
    token, info = store.create("operator", "admin")
    store.close()
    again = TokenStore(path)
    try:
        assert again.authenticate(token).token_id == info.token_id
    finally:
        again.close()


def test_revoked_token_is_refused_and_says_so(tokens: TokenStore) -> None:
    token, info = tokens.create("old CI", "publisher", "tax")
    revoked = tokens.revoke(info.token_id)
    assert revoked.revoked is not None
    assert tokens.revoke(info.token_id).revoked == revoked.revoked
    with pytest.raises(AuthenticationError, match="revoked") as caught:
        tokens.authenticate(token)
    assert token.split("_", 2)[2] not in str(caught.value)
    assert [t.token_id for t in tokens.list()] == []
    assert [t.token_id for t in tokens.list(include_revoked=True)] == [info.token_id]


def test_revoking_an_unknown_id_is_not_found(tokens: TokenStore) -> None:
    with pytest.raises(NotFoundError, match="0123456789abcdef"):
        tokens.revoke("0123456789abcdef")


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "nif_",
        "Bearer nif_0123456789abcdef_" + "A" * 43,
        "nif_0123456789ABCDEF_" + "A" * 43,
        "nif_0123456789abcdef_" + "A" * 42,
        "nif_0123456789abcdef_" + "A" * 42 + "!",
        "x" * 100_000,
    ],
    ids=["empty", "prefix", "with-scheme", "uppercase-id", "short", "bad-char", "huge"],
)
def test_malformed_tokens_are_refused_without_echo(tokens: TokenStore, presented: str) -> None:
    with pytest.raises(AuthenticationError, match="malformed") as caught:
        tokens.authenticate(presented)
    assert str(caught.value) == "the bearer token is malformed (expected nif_<id>_<secret>)"


def test_unknown_id_and_wrong_secret_read_the_same(tokens: TokenStore) -> None:
    token, info = tokens.create("ci", "certifier")
    secret = token.split("_", 2)[2]
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    messages = set()
    for presented in (f"nif_{info.token_id}_{wrong}", f"nif_{'0' * 16}_{secret}"):
        with pytest.raises(AuthenticationError) as caught:
            tokens.authenticate(presented)
        messages.add(str(caught.value))
    assert messages == {"the bearer token is not valid"}


@pytest.mark.parametrize(
    ("name", "role", "agency", "words"),
    [
        ("ci", "publisher", None, "needs --agency"),
        ("ci", "publisher", "  ", "needs --agency"),
        ("ci", "admin", "civreg", "not bound to an agency"),
        ("ci", "certifier", "civreg", "not bound to an agency"),
        ("ci", "owner", None, "no role 'owner'"),
        ("  ", "admin", None, "needs a name"),
    ],
)
def test_role_and_agency_rules(
    tokens: TokenStore, name: str, role: str, agency: str | None, words: str
) -> None:
    with pytest.raises(UsageError, match=words):
        tokens.create(name, role, agency)
    assert tokens.list(include_revoked=True) == []


def test_publisher_scope_by_role() -> None:
    assert Principal("a", "n", Role.PUBLISHER, "civreg").publisher_scope() == "civreg"
    assert Principal("a", "n", Role.ADMIN).publisher_scope() is None
    with pytest.raises(ForbiddenError, match="certifier"):
        Principal("a", "n", Role.CERTIFIER).publisher_scope()


def test_list_shows_no_secret(tokens: TokenStore) -> None:
    token, info = tokens.create("civreg CI", "publisher", "civreg")
    listed = [t.to_dict() for t in tokens.list()]
    assert listed == [
        {
            "id": info.token_id,
            "name": "civreg CI",
            "role": "publisher",
            "agency": "civreg",
            "created": info.created,
            "revoked": None,
        }
    ]
    assert token.split("_", 2)[2] not in repr(listed)


def test_a_path_must_name_a_secrets_database(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"secrets\.sqlite"):
        TokenStore(tmp_path / "tokens.db")


def test_tokens_are_listed_in_the_order_they_were_made(tokens: TokenStore) -> None:
    made = [tokens.create(f"ci {n}", "admin")[1].token_id for n in range(5)]
    assert [t.token_id for t in tokens.list()] == made
