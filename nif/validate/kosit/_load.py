"""Reading a KoSIT configuration (a folder or a zip holding `scenarios.xml`) as one closed set.

The set is `scenarios.xml` and every resource it names, closed over XSD imports and includes
and XSLT includes and imports. Nothing may come from outside the configuration: a location
that leaves the folder (or the zip), an absolute path elsewhere or a URL is refused. A zip is
read in memory through `nif.archives` (zip-slip, size and count guards); its entries get URIs
as if the zip were a folder (`file:///.../config.zip/resources/x.xsd`).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from urllib.parse import quote, unquote, urldefrag, urlparse
from urllib.request import url2pathname

from lxml import etree

from nif.archives import read_zip
from nif.errors import InputError, ResolutionError
from nif.validate._artefacts import Artefact, ArtefactSet, Fetcher, collect
from nif.validate._xml import parse_artefact
from nif.validate._xsd import xsd_references
from nif.validate.kosit._scenarios import locations, s
from nif.validate.schematron import schematron_references

SCENARIOS_FILE = "scenarios.xml"
MAX_CONFIG_BYTES = 512 * 1024 * 1024
MAX_CONFIG_FILES = 20_000
_XS = "http://www.w3.org/2001/XMLSchema"
_XSL = "http://www.w3.org/1999/XSL/Transform"
_SCH = "http://purl.oclc.org/dsdl/schematron"


def kosit_references(artefact: Artefact) -> list[str]:
    """What one part of a configuration references: resource locations of `scenarios.xml`,
    imports and includes of an XSD, includes and imports of an XSLT or a Schematron rule set;
    nothing for other files."""
    if not artefact.content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return []
    root = parse_artefact(artefact)
    if root.tag == s("scenarios"):
        return locations(root)
    if root.tag == f"{{{_XS}}}schema":
        return xsd_references(artefact)
    if etree.QName(root).namespace in (_XSL, _SCH):
        return schematron_references(artefact)
    return []


def _outside(uri: str) -> ResolutionError:
    return ResolutionError(f"{uri}: refused, it is outside the configuration")


def _folder_fetcher(root: Path) -> Fetcher:
    def fetch(uri: str) -> bytes:
        parsed = urlparse(uri)
        if parsed.scheme != "file" or parsed.netloc:
            raise _outside(uri)
        path = Path(url2pathname(parsed.path))
        try:
            resolved = path.resolve()
        except OSError as exc:
            raise ResolutionError(f"{uri}: cannot read: {exc}") from None
        if not resolved.is_relative_to(root):
            raise _outside(uri)
        try:
            return resolved.read_bytes()
        except OSError as exc:
            raise ResolutionError(f"{uri}: cannot read: {exc.strerror or exc}") from None

    return fetch


def _zip_fetcher(files: dict[str, bytes]) -> Fetcher:
    def fetch(uri: str) -> bytes:
        content = files.get(unquote(urldefrag(uri).url))
        if content is None:
            raise _outside(uri)
        return content

    return fetch


def _scenarios_entry(paths: list[str], where: str) -> str:
    """`scenarios.xml` at the top of the zip, or in its one top folder."""
    if SCENARIOS_FILE in paths:
        return SCENARIOS_FILE
    nested = [p for p in paths if p.count("/") == 1 and p.endswith("/" + SCENARIOS_FILE)]
    if len(nested) == 1:
        return nested[0]
    raise InputError(f"{where}: no {SCENARIOS_FILE} at the top of the zip")


def _load_zip(path: Path, content: bytes) -> ArtefactSet:
    files = read_zip(
        content,
        max_bytes=MAX_CONFIG_BYTES,
        max_files=MAX_CONFIG_FILES,
        what=f"the configuration {path}",
    )
    base = path.resolve().as_uri()
    by_uri = {unquote(f"{base}/{name}"): data for name, data in files}
    main = _scenarios_entry([name for name, _ in files], str(path))
    uri = f"{base}/{quote(main)}"
    return collect(Artefact(uri, by_uri[unquote(uri)]), kosit_references, _zip_fetcher(by_uri))


def load_kosit(path: str | Path) -> ArtefactSet:
    """The configuration at `path`: a folder or a zip with `scenarios.xml`, or that file."""
    path = Path(path)
    if path.is_dir():
        scenarios = path / SCENARIOS_FILE
    elif path.is_file() and zipfile.is_zipfile(path):
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if zipfile.is_zipfile(io.BytesIO(content)):
            return _load_zip(path, content)
        raise InputError(f"{path}: not a readable zip")
    else:
        scenarios = path
    if not scenarios.is_file():
        raise InputError(
            f"{path}: no {SCENARIOS_FILE} there (a KoSIT configuration is a folder or a zip "
            "holding one)"
        )
    root = scenarios.resolve().parent
    return collect(Artefact.from_path(scenarios), kosit_references, _folder_fetcher(root))
