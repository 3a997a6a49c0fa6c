"""A message validated against a named version whose root element is another registered
version's is told so (`NIF-OTHER-VERSION`), in the shared flow and by the `nif` command."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from nif.errors import DetectionError
from nif.registry import Registry
from nif.registry._validation import Chooser, named_types
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import cli_runner
from tests.registry.conftest import DEMO

EXAMPLES = DEMO / "interfaces" / "civreg-birth" / "examples"
NEWBORN_2 = EXAMPLES / "2.0.0" / "BirthNotification" / "valid-newborn.xml"
NEWBORN_1 = EXAMPLES / "1.0.0" / "BirthNotification" / "valid-newborn.xml"
SAID = (
    "this message is civreg-birth 2.0.0 (urn:nif:demo:civreg:birth:2); you validated against "
    "civreg-birth 1.0.0 (urn:nif:demo:civreg:birth:1)"
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("other-version") / "home"
    settings = Settings(home=home, actor="demo")
    with Registry(EmbeddedStore(home / "store"), settings) as registry:
        registry.load_folder(DEMO, workers=1, check=False)
    yield home


@contextlib.contextmanager
def chooser(home: Path, interface: str) -> Iterator[Chooser]:
    with EmbeddedStore(home / "store") as store:
        yield Chooser(store, Settings(home=home), named_types(store, interface))


def test_a_message_of_another_version_gets_a_finding_saying_which(home: Path) -> None:
    with chooser(home, "civreg-birth@1.0.0") as picked:
        note = picked.other_version(NEWBORN_2.read_bytes())
        assert note is not None
        assert note.rule_id == "NIF-OTHER-VERSION" and note.step == "detect"
        assert note.message.startswith(SAID)
        assert "civreg-birth@2.0.0" in note.message  # what to validate against instead
        assert (note.location.line, note.location.xpath) == (2, "/BirthNotification")
        # the version's own messages, and detection among all, get none
        assert picked.other_version(NEWBORN_1.read_bytes()) is None
        assert picked.other_version(b'{"type": "x"}') is None


def test_a_detection_failure_among_a_version_says_it_too(home: Path) -> None:
    with chooser(home, "busreg-company@2.0.0") as picked:
        with pytest.raises(DetectionError) as failed:
            picked.choose(NEWBORN_2.read_bytes())
        message = str(failed.value)
        assert message.startswith("this message is civreg-birth 2.0.0")
        assert "you validated against busreg-company 2.0.0" in message
        assert "no registered message type of busreg-company@2.0.0 matches" in message


def test_the_nif_command_reports_it_first(home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "NIF_HOME": str(home)}
    env.pop("NIF_STORE", None)
    nif = cli_runner(tmp_path, env, 300)
    args = ("validate", "--interface", "civreg-birth@1.0.0")
    done = nif(*args, "--format", "json", str(NEWBORN_2), ok=None)
    assert done.returncode != 0, done.stderr
    report = json.loads(done.stdout)
    first = report["findings"][0]
    assert (first["rule_id"], first["step"]) == ("NIF-OTHER-VERSION", "detect")
    assert first["message"].startswith(SAID)
    assert [s["name"] for s in report["steps"][:2]] == ["parse", "detect"]
    assert any(f["rule_id"] == "SCHEMAV_CVC_ELT_1" for f in report["findings"])
    text = nif(*args, str(NEWBORN_2), ok=None).stdout
    assert SAID in text
    own = json.loads(nif(*args, "--format", "json", str(NEWBORN_1), ok=None).stdout)
    assert all(f["rule_id"] != "NIF-OTHER-VERSION" for f in own["findings"])
