"""A full export and import: the whole registry, RDF and state, moved between back ends.

`registry export --full` writes the records and the graphs beside them (as a backup does),
every state table, both blob namespaces and the signing key into a private folder with a
manifest; `registry import --full` checks every file against the manifest before it writes
anything, refuses a target that holds something (unless told to replace it), then loads the
records through the restore path and the state (`nif.state.import_state`). The tables are
loaded last and replace what the restore wrote, so history and audit are the source's, ids
and all; one audit entry then says the registry was imported.

The components' schemas come from the caller: the registry does not know auth's and
certification's tables (`StateParts`). The registry check's cache (`CHECKS_SCHEMA`) is left
out on purpose: the first check after an import rebuilds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nif.errors import NifError, RegistryError, UsageError
from nif.registry._backup import artefact_checksums, graphs_beside_records
from nif.registry._history import utc_now
from nif.state import (
    ExportReader,
    ExportWriter,
    StateParts,
    TransferProgress,
    check_versions,
    export_state,
    import_state,
    state_content,
)
from nif.store import DumpFormat
from nif.version import __version__

if TYPE_CHECKING:
    from nif.registry._registry import Registry

RECORDS = "records.nq"


def export_full(
    registry: Registry, folder: Path, parts: StateParts, progress: TransferProgress
) -> dict[str, Any]:
    """Write the whole registry into the new folder `folder`; the manifest written. Writes
    wait meanwhile (the write lock), so the parts agree with each other."""
    out = ExportWriter(folder)
    with registry._writing():
        records = [r.iri for r in registry.records()]
        beside = graphs_beside_records(registry, records)
        with out.create(RECORDS) as stream:
            registry.store.dump(stream, DumpFormat.NQUADS, records + beside)
        progress(f"records: {len(records)} record(s), {len(beside)} other graph(s)")
        manifest = {
            "nif": __version__,
            "created": utc_now(),
            "source": {"store": type(registry.store).__name__, "state": registry.state.kind},
            "records": len(records),
            "graphs": len(beside),
            **export_state(registry.state, parts, out, progress),
        }
        out.finish(manifest)
    return manifest


def import_full(
    registry: Registry,
    folder: Path,
    parts: StateParts,
    *,
    replace: bool = False,
    actor: str | None = None,
    progress: TransferProgress,
) -> dict[str, Any]:
    """Load a full export into this registry's store and state; its manifest.

    Nothing is written until every file is checked and the target found empty (or `replace`
    given). A failure after that stops with a message naming the part that failed: the target
    then holds part of the export, and an import with `replace` starts over."""
    reader = ExportReader(folder)
    check_versions(reader, parts.schemas)
    reader.verify()
    progress(f"checked: {len(reader.files)} file(s) match the manifest")
    ours = [r.iri for r in registry.records()]
    ours += graphs_beside_records(registry, ours)
    present = ([f"{len(ours)} graph(s) in the store"] if ours else []) + state_content(
        registry.state, parts, reader
    )
    if present and not replace:
        raise UsageError(
            f"the target registry is not empty ({', '.join(present)}): import into an empty "
            "one, or give --replace to overwrite it"
        )
    who = registry.actor(actor)
    part = "records"
    try:
        for graph in ours:
            registry.store.drop_graph(graph)
        stored, _ = registry.import_(
            reader.path(RECORDS).read_bytes(), DumpFormat.NQUADS, actor=who
        )
        progress(f"records: {len(stored)} record(s)")
        part = "state"
        import_state(registry.state, parts, reader, replace=replace, progress=progress)
    except (NifError, OSError) as exc:
        raise RegistryError(
            f"the import stopped in its {part}: {exc}. The target holds part of the export: "
            "correct the cause and import again with --replace"
        ) from exc
    finally:
        registry.changed()
    missing = [d for d in artefact_checksums(registry.store) if not registry.blobs.has(d)]
    if missing:
        progress(
            f"warning: {len(missing)} artefact blob(s) the records pin were not in the export "
            "(validation against them will fail)"
        )
    source = reader.manifest.get("source", {})
    registry.history.audit(
        who,
        "import",
        str(folder),
        "stored",
        f"full export of nif {reader.manifest.get('nif')} "
        f"({source.get('state') if isinstance(source, dict) else '?'} state)",
    )
    registry.changed()
    return reader.manifest
