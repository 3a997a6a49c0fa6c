"""Submission checks run agencies' schemas and examples: a pattern that backtracks without end
is killed at the time limit and refuses the record (fail closed), the next submission gets a
new worker; an example that is an entity bomb is refused by the safe parser, not expanded."""

from __future__ import annotations

import shutil
from pathlib import Path

from nif.errors import SubmissionCheckError
from nif.registry import Registry
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT

DEMO = ROOT / "registry"
BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<BirthNotification xmlns="urn:nif:demo:civreg:birth:2"><Version>&lol4;</Version></BirthNotification>
"""


def copy_birth(tmp_path: Path) -> Path:
    folder = tmp_path / "bundle" / "civreg-birth"
    shutil.copytree(DEMO / "interfaces" / "civreg-birth", folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_a_pattern_that_never_ends_is_killed_and_refuses_the_record(tmp_path: Path) -> None:
    """An XSD 1.1 pattern (xmlschema runs Python's backtracking regular expressions) on a long
    name in an example holds the worker: it is killed at the limit, the record refused."""
    folder = copy_birth(tmp_path)
    schema = folder / "schemas" / "2.0.0" / "birth.xsd"
    edit(
        schema,
        'elementFormDefault="qualified">',
        'elementFormDefault="qualified" '
        'xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1">',
    )
    edit(schema, '<xs:minLength value="1"/>', '<xs:pattern value="([A-Za-z]+)+!"/>')
    example = folder / "examples" / "2.0.0" / "BirthNotification" / "valid-newborn.xml"
    edit(example, "<FamilyName>Lind</FamilyName>", f"<FamilyName>{'L' * 40}</FamilyName>")
    settings = Settings(home=tmp_path / "home", actor="tester", step_timeout=0.2)
    with Registry(EmbeddedStore(settings.folder.store), settings) as registry:
        registry.submit(DEMO / "agencies" / "civreg.ttl")
        try:
            registry.submit(folder)
        except SubmissionCheckError as exc:
            failures = exc.failures
        else:
            raise AssertionError("the record was stored unchecked")
        overran = [f for f in failures if f.kind == "check"]
        assert [f.message_type for f in overran] == ["civreg-birth@2.0.0/BirthNotification"]
        assert "time limit" in overran[0].message
        assert registry.records("interface") == []
        registry.submit(DEMO / "interfaces" / "civreg-address")  # a new worker checks it
        assert registry.read("civreg-address")


def test_an_entity_bomb_example_is_refused_unexpanded(tmp_path: Path) -> None:
    folder = copy_birth(tmp_path)
    example = folder / "examples" / "2.0.0" / "BirthNotification" / "valid-newborn.xml"
    example.write_text(BOMB, "utf-8")
    settings = Settings(home=tmp_path / "home", actor="tester")
    with Registry(EmbeddedStore(settings.folder.store), settings) as registry:
        registry.submit(DEMO / "agencies" / "civreg.ttl")
        try:
            registry.submit(folder)
        except SubmissionCheckError as exc:
            (failure,) = exc.failures
        else:
            raise AssertionError("a bomb declared valid was stored")
    assert (failure.kind, failure.expected, failure.got) == ("example", "valid", "invalid")
    assert "DOCTYPE" in failure.message
