"""Settings: defaults, then nif.toml, then NIF_* variables, then command-line flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from nif.errors import UsageError
from nif.settings import Settings, settings_table
from nif.settings._model import FLAT


def toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nif.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.load(env={}) == Settings()


def test_an_explicit_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        Settings.load(tmp_path / "absent.toml", env={})


def test_toml_overrides_defaults(tmp_path: Path) -> None:
    config = toml(tmp_path, '[nif]\nmax_message_bytes = 1000\nhome = "data"\nstep_timeout = 2.5\n')
    settings = Settings.load(config, env={})
    assert settings.validation.max_message_bytes == 1000
    assert settings.home == Path("data")
    assert settings.validation.step_timeout == 2.5
    assert settings.validation.max_xml_depth == Settings().validation.max_xml_depth


def test_environment_overrides_toml(tmp_path: Path) -> None:
    config = toml(tmp_path, "[nif]\nmax_message_bytes = 1000\nmax_xml_depth = 10\n")
    env = {"NIF_MAX_MESSAGE_BYTES": "2000", "NIF_JSON_FORMAT_ASSERTIONS": "off"}
    settings = Settings.load(config, env=env)
    assert settings.validation.max_message_bytes == 2000
    assert settings.validation.max_xml_depth == 10
    assert settings.validation.json_format_assertions is False


def test_nif_config_names_the_file(tmp_path: Path) -> None:
    config = toml(tmp_path, "[nif]\nmax_xml_depth = 12\n")
    assert Settings.load(env={"NIF_CONFIG": str(config)}).validation.max_xml_depth == 12


def test_nif_toml_in_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml(tmp_path, "[nif]\nmax_xml_depth = 13\n")
    monkeypatch.chdir(tmp_path)
    assert Settings.load(env={}).validation.max_xml_depth == 13


def test_flags_override_everything_and_none_means_unset(tmp_path: Path) -> None:
    config = toml(tmp_path, "[nif]\nstep_timeout = 5\n")
    settings = Settings.load(config, env={"NIF_STEP_TIMEOUT": "7"})
    assert settings.replace(step_timeout=1.5, max_message_bytes=None).validation.step_timeout == 1.5
    assert settings.replace(step_timeout=None).validation.step_timeout == 7.0


@pytest.mark.parametrize(
    ("env", "text", "match"),
    [
        ({"NIF_MAX_MESSAGE_BYTES": "lots"}, "", "max_message_bytes.*int.*'lots'"),
        ({"NIF_JSON_FORMAT_ASSERTIONS": "maybe"}, "", "json_format_assertions.*bool"),
        ({}, "[nif]\nstep_timeout = 'soon'\n", "step_timeout.*float"),
        ({}, "[nif]\ncolour = 'blue'\n", "unknown setting.*colour"),
        ({}, "[nif\n", "not valid TOML"),
    ],
)
def test_bad_values_are_usage_errors(
    tmp_path: Path, env: dict[str, str], text: str, match: str
) -> None:
    config = toml(tmp_path, text)
    with pytest.raises(UsageError, match=match):
        Settings.load(config, env=env)


def test_groups_read_what_the_flat_names_set(tmp_path: Path) -> None:
    config = toml(tmp_path, '[nif]\nstore = "https://db.example/sparql"\nfetch_timeout = 3\n')
    env = {"NIF_STORE_USER": "reader", "NIF_ENDPOINT_ALLOW_HTTP": "yes"}
    settings = Settings.load(config, env=env)
    assert settings.store.url == "https://db.example/sparql"
    assert settings.store.user == "reader"
    assert settings.fetch.timeout == 3.0
    assert settings.endpoint.allow_http is True
    assert Settings(store_user="x", actor="ada").store.user == "x"
    assert Settings(actor="ada").registry.actor == "ada"


def test_a_group_may_be_a_table_of_its_own(tmp_path: Path) -> None:
    config = toml(tmp_path, '[nif]\nstep_timeout = 4\n[nif.store]\nurl = "https://db/sparql"\n')
    settings = Settings.load(config, env={"NIF_STORE_TIMEOUT": "9"})
    assert (settings.store.url, settings.store.timeout) == ("https://db/sparql", 9.0)
    assert settings.validation.step_timeout == 4.0
    bad = toml(tmp_path, "[nif.store]\ncolour = 'blue'\n")
    with pytest.raises(UsageError, match=r"unknown setting.*store\.colour"):
        Settings.load(bad, env={})


def test_an_error_names_where_the_value_was_written(tmp_path: Path) -> None:
    config = toml(tmp_path, "[nif]\nrate_limit = -1\n")
    with pytest.raises(UsageError, match=r"rate_limit \(.*nif.toml \[nif\] rate_limit\)"):
        Settings.load(config, env={})
    with pytest.raises(UsageError, match=r"store_auth \(NIF_STORE_AUTH\) must be basic or digest"):
        Settings.load(config, env={"NIF_STORE_AUTH": "ntlm", "NIF_RATE_LIMIT": "0"})


def test_the_store_password_is_never_shown(tmp_path: Path) -> None:
    settings = Settings.load(toml(tmp_path, ""), env={"NIF_STORE_PASSWORD": "s3cret"})
    assert settings.store.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings)
    assert "s3cret" not in repr(settings.replace(store_user="reader"))
    config = toml(tmp_path, "[nif]\nstore_password = 1234567\n")
    with pytest.raises(UsageError, match="store_password") as caught:
        Settings.load(config, env={})
    assert "1234567" not in str(caught.value)


def test_settings_are_immutable_and_replace_refuses_unknown_names() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.home = Path("elsewhere")  # type: ignore[misc]
    with pytest.raises(UsageError, match="unknown setting colour"):
        settings.replace(colour="blue")
    assert settings.replace() is settings


def test_the_data_folder_layout_is_under_home(tmp_path: Path) -> None:
    folder = Settings(home=tmp_path).folder
    paths = [folder.store, folder.blobs, folder.history, folder.secrets, folder.staging]
    paths += [folder.lock, folder.certification, folder.evidence, folder.signing_key]
    assert all(p.parent == tmp_path for p in paths) and len(set(paths)) == len(paths)
    assert Settings(home=tmp_path).store_location == str(tmp_path / "store")
    assert Settings(home=tmp_path, store="https://db/sparql").store_location == "https://db/sparql"


def test_the_table_lists_every_setting_once() -> None:
    table = settings_table()
    for name in FLAT:
        assert table.count(f"| `NIF_{name.upper()}` |") == 1
    printed = subprocess.run(
        [sys.executable, "-m", "nif.settings", "--table"], capture_output=True, text=True
    )
    assert printed.returncode == 0 and printed.stdout == table


def test_the_documented_table_is_the_generated_one() -> None:
    """docs/reference/settings.md carries `python -m nif.settings --table` between markers."""
    page = (Path(__file__).parents[1] / "docs" / "reference" / "settings.md").read_text("utf-8")
    documented = page.split("<!-- settings:start -->\n", 1)[1].split("<!-- settings:end -->")[0]
    assert documented.strip() == settings_table().strip()
