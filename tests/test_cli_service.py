"""`nif token ...` and `nif serve --help` as a user runs them (one process per command)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nif.auth import Role, TokenStore
from tests.conftest import Run, cli_runner


@pytest.fixture
def nif(tmp_path: Path) -> Run:
    env = {**os.environ, "NIF_HOME": str(tmp_path / "home")}
    env.pop("NIF_CONFIG", None)
    return cli_runner(tmp_path, env, 120)


def _secret(token: str) -> str:
    return token.split("_", 2)[2]


def test_create_prints_the_token_once_on_stdout(nif: Run, tmp_path: Path) -> None:
    done = nif(
        "token", "create", "--name", "civreg CI", "--role", "publisher", "--agency", "civreg"
    )
    token = done.stdout.strip()
    assert done.stdout.count("\n") == 1
    assert "shown only this once" in done.stderr
    assert _secret(token) not in done.stderr
    tokens = TokenStore(tmp_path / "home" / "secrets.sqlite")
    try:
        who = tokens.authenticate(token)
    finally:
        tokens.close()
    assert (who.name, who.role, who.agency) == ("civreg CI", Role.PUBLISHER, "civreg")
    assert who.token_id in done.stderr


def test_create_as_json(nif: Run) -> None:
    body = json.loads(nif("token", "create", "--name", "ops", "--role", "admin", "--json").stdout)
    assert body["role"] == "admin" and body["agency"] is None and body["revoked"] is None
    assert body["token"].startswith(f"nif_{body['id']}_")


def test_list_never_shows_secrets(nif: Run) -> None:
    first = nif(
        "token", "create", "--name", "civreg CI", "--role", "publisher", "--agency", "civreg"
    )
    second = nif("token", "create", "--name", "centre", "--role", "certifier")
    tokens = [first.stdout.strip(), second.stdout.strip()]
    text = nif("token", "list").stdout
    listed = json.loads(nif("token", "list", "--json").stdout)
    assert [t["name"] for t in listed] == ["civreg CI", "centre"]
    assert [t["role"] for t in listed] == ["publisher", "certifier"]
    assert all(t.split("_")[1] in text for t in tokens)
    for token in tokens:
        assert _secret(token) not in text
        assert _secret(token) not in json.dumps(listed)


def test_revoke_then_list(nif: Run) -> None:
    token = nif("token", "create", "--name", "old", "--role", "admin").stdout.strip()
    token_id = token.split("_")[1]
    done = nif("token", "revoke", token_id)
    assert f"token {token_id} (old) revoked" in done.stdout
    assert json.loads(nif("token", "list", "--json").stdout) == []
    listed = json.loads(nif("token", "list", "--all", "--json").stdout)
    assert listed[0]["id"] == token_id and listed[0]["revoked"]
    assert "revoked" in nif("token", "list", "--all").stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["token", "revoke", "0123456789abcdef"], "no token with id '0123456789abcdef'"),
        (["token", "create", "--name", "ci", "--role", "publisher"], "needs --agency"),
        (["token", "create", "--name", "ci", "--role", "admin", "--agency", "tax"], "not bound"),
        (["token", "create", "--name", "ci", "--role", "owner"], "'owner' is not one of"),
        (["token", "create", "--role", "admin"], "--name"),
    ],
    ids=["unknown-id", "publisher-without-agency", "admin-with-agency", "bad-role", "no-name"],
)
def test_token_errors_exit_2_with_one_line(nif: Run, args: list[str], words: str) -> None:
    done = nif(*args, ok=2)
    assert words in done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr


def test_serve_help(nif: Run) -> None:
    done = nif("serve", "--help")
    for option in ("--host", "--port", "--store", "--home", "--config", "--load-demo"):
        assert option in done.stdout
    assert nif("serve", "--port", "99999", ok=2).stderr.startswith("nif: error")
