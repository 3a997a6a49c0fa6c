"""Settings: defaults, then nif.toml, then NIF_* variables, then command-line flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from nif.errors import UsageError
from nif.settings import Settings


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
