"""What the publisher forms submit: form fields and uploads turned into a record edited with
`nif.registry`'s authoring functions, packed as a bundle zip (the record's Turtle and only the
files that are new; pinning reads the others from the stored record).

Uploaded files keep their name in the version's folders (`schemas/V/`, `examples/V/TYPE/`); a
name that is not a plain file name (a path, `..`, a hidden file) is refused, never cleaned up.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from rdflib import Graph, URIRef
from starlette.datastructures import FormData, UploadFile

from nif.archives import write_zip
from nif.errors import InputError
from nif.registry import (
    PREFIXES,
    Discriminator,
    Example,
    NewMessageType,
    Registry,
    add_example,
    add_message_type,
    files_base,
    moved_url,
    next_version,
    version_files,
    version_node,
)

LANGUAGES = ("en", "de", "fr")
RECORD = "interface.ttl"
_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


@dataclasses.dataclass
class Form:
    """A posted form: its text fields (the last value of each) and its uploaded files."""

    texts: dict[str, str]
    files: dict[str, list[tuple[str, bytes]]]

    def get(self, name: str) -> str:
        return self.texts.get(name, "").strip()

    def per_language(self, prefix: str) -> dict[str, str]:
        """`prefix_en`, `prefix_de`, `prefix_fr` as a text per language."""
        return {lang: self.get(f"{prefix}_{lang}") for lang in LANGUAGES}


async def read_form(data: FormData) -> Form:
    """The form's fields; every uploaded file read, its name checked (`upload_name`)."""
    texts: dict[str, str] = {}
    files: dict[str, list[tuple[str, bytes]]] = {}
    for key, value in data.multi_items():
        if isinstance(value, str):
            texts[key] = value
        elif isinstance(value, UploadFile) and value.filename:
            files.setdefault(key, []).append((upload_name(value.filename), await value.read()))
    return Form(texts, files)


def upload_name(name: str) -> str:
    """An uploaded file's name, if it is a plain file name; `InputError` otherwise."""
    if not _FILE.fullmatch(name):
        raise InputError(
            f"uploaded file {name[:80]!r}: a file name may hold letters, digits, '_', '.' and "
            "'-' only, start with a letter, digit or '_', and name no folder"
        )
    return name


@dataclasses.dataclass
class Bundle:
    """A record being edited and the new files that go with it (path in the bundle -> bytes)."""

    identifier: str
    iri: URIRef
    graph: Graph
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)

    def url(self, registry: Registry, path: str) -> str:
        """The registry URL of the bundle file at `path` (what pinning will name it)."""
        return files_base(registry.settings, self.identifier) + path

    def zip(self) -> bytes:
        """The bundle zip: the record's Turtle at its top, the new files beside it."""
        graph = Graph(bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        graph += self.graph
        record = graph.serialize(format="turtle", encoding="utf-8")
        return write_zip({**self.files, RECORD: record})


def message_type(form: Form, bundle: Bundle, registry: Registry, version: str) -> NewMessageType:
    """The message type the form's `mt_*` fields describe; its schema and rules are files of
    the version (uploaded or copied), named in `mt_schema` and `mt_rules`."""
    identifier = form.get("mt_identifier")
    media = form.get("mt_media") or "application/xml"
    discriminator = None
    if form.get("mt_disc_path") or form.get("mt_disc_value"):
        discriminator = Discriminator(
            form.get("mt_disc_path"), form.get("mt_disc_value"), _prefixes(form.get("mt_disc_ns"))
        )

    def file_url(field: str) -> str | None:
        name = form.get(field)
        if not name:
            return None
        path = f"schemas/{version}/{upload_name(name)}"
        if path not in bundle.files:
            raise InputError(
                f"{name}: no such file among version {version}'s schema files; upload it with "
                "the schema and rule files"
            )
        return bundle.url(registry, path)

    schema = file_url("mt_schema")
    if schema is None:
        raise InputError(f"message type {identifier}: name its schema file")
    return NewMessageType(
        identifier=identifier,
        title=form.get("mt_title") or identifier,
        schema=schema,
        direction=form.get("mt_direction") or "request",
        media_type=media,
        rules=file_url("mt_rules"),
        root_namespace=form.get("mt_root_namespace") or None,
        root_name=form.get("mt_root_name") or None,
        discriminator=discriminator,
    )


def _prefixes(text: str) -> dict[str, str]:
    """`p=urn:ns` pairs, one per line or separated by spaces, as XPath prefix declarations."""
    prefixes: dict[str, str] = {}
    for pair in text.split():
        prefix, sep, namespace = pair.partition("=")
        if not sep or not prefix or not namespace:
            raise InputError(f"namespace declaration {pair[:80]!r}: write prefix=namespace")
        prefixes[prefix] = namespace
    return prefixes


def add_uploads(form: Form, bundle: Bundle, version: str) -> None:
    """The uploaded schema and rule files, into `schemas/VERSION/` (replacing a copy of the
    same name)."""
    for name, content in form.files.get("files", []):
        bundle.files[f"schemas/{version}/{name}"] = content


def add_examples(
    form: Form, bundle: Bundle, registry: Registry, version: URIRef, number: str
) -> None:
    """The uploaded examples (`valid_examples`, `invalid_examples`) of the message type named
    in `example_type`, under `examples/VERSION/TYPE/`."""
    uploads = [
        (verdict, upload)
        for verdict in ("valid", "invalid")
        for upload in form.files.get(f"{verdict}_examples", [])
    ]
    if not uploads:
        return
    name = form.get("example_type") or form.get("mt_identifier")
    node = URIRef(f"{version}/{name}")
    if not name or (version, None, node) not in bundle.graph:
        raise InputError(f"examples: {name or 'no message type'} is not a message type of {number}")
    for verdict, (file_name, content) in uploads:
        path = f"examples/{number}/{name}/{file_name}"
        bundle.files[path] = content
        add_example(bundle.graph, node, Example(bundle.url(registry, path), verdict))


def new_version(form: Form, bundle: Bundle, registry: Registry) -> URIRef:
    """The form's version added to the record: a copy of `from` with its files (from the blob
    store, at their moved URLs), then the uploads, message type and examples."""
    graph, interface = bundle.graph, bundle.iri
    source, number = form.get("from"), form.get("version")
    old = version_node(graph, interface, source)
    files = version_files(graph, old)
    notes = {lang: text for lang, text in form.per_language("notes").items() if text} or None
    made = next_version(graph, interface, source, number, notes)
    prefix = files_base(registry.settings, bundle.identifier)
    for url, digest in sorted(files.items()):
        moved = moved_url(url, source, number)
        if moved != url and moved.startswith(prefix):
            bundle.files[moved[len(prefix) :]] = registry.blobs.get(digest)
    add_version_files(form, bundle, registry, made, number)
    return made


def add_version_files(
    form: Form, bundle: Bundle, registry: Registry, version: URIRef, number: str
) -> None:
    """The form's uploads into the version: schema and rule files, the message type its
    `mt_*` fields describe (if named), and example messages."""
    add_uploads(form, bundle, number)
    if form.get("mt_identifier"):
        add_message_type(bundle.graph, version, message_type(form, bundle, registry, number))
    add_examples(form, bundle, registry, version, number)


def texts_or_none(texts: Mapping[str, str]) -> dict[str, str] | None:
    """The texts a form gave, or None when every field was left empty."""
    return dict(texts) if any(texts.values()) else None
