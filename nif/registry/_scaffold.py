"""`nif registry new-version`: the next version of an interface, scaffolded in a registry folder.

The version is added to the bundle's `interface.ttl` as a Turtle block appended at its end (the
publisher's comments and layout stay as written), made by `_authoring.next_version`, and the
files of the version it starts from are copied beside it (`schemas/FROM` -> `schemas/NEW`,
`examples/FROM` -> `examples/NEW`). The folder is then a bundle `nif registry submit` or `load`
accepts; the publisher edits the copies and the notes before submitting.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from nif.errors import InputError
from nif.registry._authoring import Texts
from nif.registry._namespaces import DCAT, DCTERMS, NIF, PREFIXES, RDF
from nif.registry._next_version import next_version
from nif.registry._records import guess_format, parse_records
from nif.settings import Settings

RECORD = "interface.ttl"
FOLDERS = ("schemas", "examples")


@dataclasses.dataclass(frozen=True)
class Scaffold:
    """What `scaffold_version` wrote: the record file, the version's IRI, the folders copied."""

    record: Path
    version: str
    copied: list[Path]


def bundle_folder(root: Path, identifier: str) -> Path:
    """The bundle of interface `identifier`: `root/interfaces/ID` in a registry folder, or
    `root` itself when it is that bundle."""
    for folder in (root / "interfaces" / identifier, root):
        if (folder / RECORD).is_file():
            return folder
    raise InputError(
        f"{root}: no {RECORD} for interface {identifier!r} (looked in "
        f"{root / 'interfaces' / identifier} and {root})"
    )


def scaffold_version(
    root: Path,
    identifier: str,
    from_version: str,
    new_version: str,
    settings: Settings,
    notes: Texts | None = None,
) -> Scaffold:
    """Add `new_version` of interface `identifier` to its bundle under `root`, copied from
    `from_version`; `InputError` (nothing written) for an unknown interface or version, a
    version that exists, one that is not semver, or folders of the new version already there."""
    folder = bundle_folder(root, identifier)
    record = folder / RECORD
    base = folder.resolve().as_uri() + "/"
    graph = parse_records(
        record.read_bytes(),
        source=str(record),
        fmt=guess_format(record.name, None),
        base_iri=base + RECORD,
        settings=settings,
    )
    interface = _interface(graph, identifier, record)
    before = Graph() + graph
    version = next_version(graph, interface, from_version, new_version, notes)
    copies = [
        (folder / name / from_version, folder / name / new_version)
        for name in FOLDERS
        if (folder / name / from_version).is_dir()
    ]
    for _, target in copies:
        if target.exists():
            raise InputError(f"{target} exists already: remove it or choose another version")
    block = _turtle(graph - before, base)
    for source, target in copies:
        shutil.copytree(source, target, symlinks=False)
    text = record.read_text("utf-8")
    heading = f"# {new_version} (from {from_version}: nif registry new-version) "
    with record.open("a", encoding="utf-8") as out:
        out.write(("" if text.endswith("\n") else "\n") + "\n")
        out.write(heading + "-" * max(3, 99 - len(heading)) + "\n\n" + block)
    return Scaffold(record, str(version), [target for _, target in copies])


def _interface(graph: Graph, identifier: str, record: Path) -> URIRef:
    for node in graph.subjects(DCTERMS.identifier, Literal(identifier)):
        if (
            isinstance(node, URIRef)
            and (node, RDF.type, DCAT.DataService) in graph
            and (node, RDF.type, NIF.InterfaceVersion) not in graph
        ):
            return node
    raise InputError(f"{record}: no interface with dct:identifier {identifier!r}")


def _turtle(delta: Graph, base: str) -> str:
    """`delta` in Turtle, with IRIs in the bundle folder written relative to it (as publishers
    write them), its prefixes declared again (Turtle allows that anywhere)."""

    def relative(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(base):
            return URIRef(str(term)[len(base) :])
        return term

    out = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace)
    for s, p, o in delta:
        out.add((relative(s), p, relative(o)))
    return out.serialize(format="turtle")
