"""Loading a configuration: folder or zip, closed over its references, nothing from outside."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from nif.errors import InputError, ResolutionError
from nif.validate import Artefact, kosit_references, load_kosit
from tests.kosit_config import order_config, order_scenario, order_scenarios


def zip_folder(folder: Path, extra: dict[str, str] | None = None) -> Path:
    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(folder).as_posix())
        for name, text in (extra or {}).items():
            out.writestr(name, text)
    return archive


def relative(uris: list[str], base: str) -> set[str]:
    return {u.removeprefix(base) for u in uris}


@pytest.mark.parametrize("zipped", [False, True])
def test_scenarios_xml_and_every_resource_it_names(tmp_path: Path, zipped: bool) -> None:
    """A zip's entries get URIs as if the zip were a folder."""
    folder = order_config(tmp_path / "cfg")
    path = zip_folder(folder) if zipped else folder
    artefacts = load_kosit(path)
    base = path.resolve().as_uri() + "/"
    assert artefacts.main == base + "scenarios.xml"
    assert relative(list(artefacts.parts), base) == {
        "scenarios.xml",
        "order.xsd",
        "rules.xsl",
        "report.xsl",
    }


def test_the_scenarios_file_names_its_folder(tmp_path: Path) -> None:
    folder = order_config(tmp_path / "cfg")
    assert load_kosit(folder / "scenarios.xml").key == load_kosit(folder).key


def test_a_zip_with_one_top_folder_is_read(tmp_path: Path) -> None:
    folder = order_config(tmp_path / "cfg")
    archive = tmp_path / "nested.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in folder.iterdir():
            out.write(path, f"config-1.0/{path.name}")
    assert load_kosit(archive).main.endswith("nested.zip/config-1.0/scenarios.xml")


def test_imports_and_includes_are_collected(tmp_path: Path) -> None:
    folder = order_config(
        tmp_path / "cfg",
        files={
            "order.xsd": (
                '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
                '<xs:include schemaLocation="types/amount.xsd"/></xs:schema>'
            ),
            "types/amount.xsd": '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>',
            "report.xsl": (
                '<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
                '<xsl:import href="lib/default.xsl"/></xsl:stylesheet>'
            ),
            "lib/default.xsl": (
                '<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>'
            ),
        },
    )
    base = folder.resolve().as_uri() + "/"
    assert {"types/amount.xsd", "lib/default.xsl"} <= relative(list(load_kosit(folder).parts), base)


@pytest.mark.parametrize(
    "location",
    ["../outside.xsd", "/etc/hostname", "https://example.org/order.xsd", "file:///etc/passwd"],
)
def test_a_resource_outside_the_configuration_is_refused(tmp_path: Path, location: str) -> None:
    (tmp_path / "outside.xsd").write_text("<x/>")
    folder = order_config(tmp_path / "cfg", scenarios=order_scenarios(order_scenario(xsd=location)))
    with pytest.raises(ResolutionError, match="outside the configuration"):
        load_kosit(folder)
    with pytest.raises(ResolutionError, match="outside the configuration"):
        load_kosit(zip_folder(folder))


def test_an_xsd_import_outside_the_configuration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.xsd").write_text("<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'/>")
    folder = order_config(
        tmp_path / "cfg",
        files={
            "order.xsd": (
                '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
                '<xs:include schemaLocation="../secret.xsd"/></xs:schema>'
            )
        },
    )
    with pytest.raises(ResolutionError, match=r"secret\.xsd"):
        load_kosit(folder)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.xsd").write_text("<x/>")
    folder = order_config(tmp_path / "cfg")
    (folder / "order.xsd").unlink()
    (folder / "order.xsd").symlink_to(tmp_path / "secret.xsd")
    with pytest.raises(ResolutionError, match="outside the configuration"):
        load_kosit(folder)


def test_zip_slip_refuses_the_zip(tmp_path: Path) -> None:
    archive = zip_folder(order_config(tmp_path / "cfg"), {"../../evil.xsd": "<x/>"})
    with pytest.raises(InputError, match="outside"):
        load_kosit(archive)


def test_a_zip_without_scenarios_xml_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "no configuration here")
    with pytest.raises(InputError, match=r"no scenarios\.xml"):
        load_kosit(archive)


def test_a_folder_without_scenarios_xml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no scenarios\.xml"):
        load_kosit(tmp_path)


def test_references_of_each_kind_of_part() -> None:
    def refs(text: str) -> list[str]:
        return kosit_references(Artefact("file:///c/x.xml", text.encode()))

    assert refs(order_scenarios(order_scenario())) == [
        "order.xsd",
        "rules.xsl",
        "report.xsl",
        "report.xsl",
    ]
    assert refs(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:import namespace="urn:a" schemaLocation="a.xsd"/></xs:schema>'
    ) == ["a.xsd"]
    assert refs(
        '<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:import href="a.xsl"/><xsl:include href="b.xsl"/></xsl:stylesheet>'
    ) == ["a.xsl", "b.xsl"]
    assert refs(
        '<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">'
        '<sch:include href="p.sch"/></sch:schema>'
    ) == ["p.sch"]
    assert refs("<other/>") == []
    assert refs("a,b,c\n") == []
