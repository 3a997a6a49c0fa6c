"""Tokens on a PostgreSQL state, as two replicas share them: made on one, accepted by the other;
revoked on one, refused by both at once. The secret is stored only as a salted hash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from nif.auth import Principal, Role, TokenStore
from nif.errors import AuthenticationError
from nif.settings import Settings
from nif.state import open_state
from tests.postgres import Postgres


@pytest.fixture
def settings(postgres: Postgres, tmp_path: Path) -> Settings:
    return postgres.settings_for(Settings(home=tmp_path / "home"))


@pytest.fixture
def replicas(settings: Settings) -> Iterator[tuple[TokenStore, TokenStore]]:
    with open_state(settings) as a, open_state(settings) as b:
        yield TokenStore(a), TokenStore(b)


def test_a_token_made_on_one_replica_works_on_the_other(
    replicas: tuple[TokenStore, TokenStore],
) -> None:
    a, b = replicas
    token, info = a.create("civreg CI", "publisher", "civreg")
    assert b.authenticate(token) == Principal(info.token_id, "civreg CI", Role.PUBLISHER, "civreg")
    assert [t.token_id for t in b.list()] == [info.token_id]


def test_a_token_revoked_on_one_replica_is_refused_by_both(
    replicas: tuple[TokenStore, TokenStore],
) -> None:
    a, b = replicas
    token, info = a.create("operator", "admin")
    assert b.authenticate(token).role is Role.ADMIN
    b.revoke(info.token_id)
    for replica in (a, b):
        with pytest.raises(AuthenticationError):
            replica.authenticate(token)


def test_only_a_salted_hash_reaches_the_database(
    replicas: tuple[TokenStore, TokenStore], settings: Settings
) -> None:
    token, _ = replicas[0].create("one", "admin")
    secret = token.split("_", 2)[2]
    password = settings.state.password.get_secret_value()
    with psycopg.connect(settings.state.url, password=password) as conn:
        rows = conn.execute("SELECT * FROM tokens").fetchall()
    assert len(rows) == 1
    assert secret not in repr(rows) and secret.encode() not in repr(rows).encode()
