"""SaxonStylesheet: a stylesheet's run-time error comes back named by its file, line and
element whatever the stylesheet's output method, and a stylesheet that succeeds gives its own
output unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from nif.validate.schematron import SaxonStylesheet, saxon_processor

if TYPE_CHECKING:
    from saxonche import PyXdmNode

HEAD = '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="3.0">\n'


def compiled(tmp_path: Path, body: str) -> tuple[Path, SaxonStylesheet]:
    path = tmp_path / "sheet.xsl"
    path.write_text(HEAD + body + "</xsl:stylesheet>\n")
    root = etree.parse(str(path)).getroot()
    return path, SaxonStylesheet(root, path.as_uri())


def message() -> PyXdmNode:
    return saxon_processor().parse_xml(xml_text="<order><amount>5</amount></order>")


@pytest.mark.parametrize("method", ["xml", "text", "html"])
def test_an_error_is_named_whatever_the_output_method(tmp_path: Path, method: str):
    path, sheet = compiled(
        tmp_path,
        f'<xsl:output method="{method}"/>\n<xsl:template match="/">\n<out>0 1</out>\n'
        "<xsl:value-of select=\"error((), 'amount &lt; 10 &amp; &gt; 0')\"/>\n"
        "</xsl:template>\n",
    )
    with pytest.raises(RuntimeError) as raised:
        sheet.transform(message())
    assert str(raised.value) == (
        f"{path}, line 5, <xsl:value-of select=\"error((), 'amount < 10 & > 0')\">: "
        "FOER0000 amount < 10 & > 0"
    )


def test_a_stylesheet_that_succeeds_gives_its_own_output(tmp_path: Path):
    _, sheet = compiled(
        tmp_path,
        '<xsl:output method="text"/>\n<xsl:template match="/">'
        '<xsl:value-of select="//amount * 2"/> &lt;ok&gt;</xsl:template>\n',
    )
    assert sheet.transform(message()) == "10 <ok>"


def test_a_stylesheet_without_a_template_for_the_document_runs_the_built_in_one(
    tmp_path: Path,
):
    _, sheet = compiled(
        tmp_path, '<xsl:template match="amount">[<xsl:value-of select="."/>]</xsl:template>\n'
    )
    assert sheet.transform(message()).endswith("[5]")
