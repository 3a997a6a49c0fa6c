"""Validation against registered interfaces, shared by `nif validate` and the service.

Both do the same three things: find the message types the caller named (or detect each
message's), read each chosen type's artefact pins from the store, and build its profile from
pinned blobs. The CLI then runs each group of messages with `validate_files`; the service hands
a `Target` (the type and its pins, a few hundred bytes) to a worker process that builds and
caches the profile itself, so artefact bytes never travel with a request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from nif.errors import ArtefactError, DetectionError, UsageError
from nif.registry._blobs import BlobStore
from nif.registry._detect import Detector
from nif.registry._error_report import error_report
from nif.registry._message_types import MessageTypeRef, resolve_message_types, split_interface
from nif.registry._profiles import ArtefactRecord, artefacts_of, profile_from, profile_key
from nif.report import Report, Severity
from nif.settings import Settings
from nif.store.base import Store
from nif.validate import ParsedJson, Profile

_KEPT_BYTES = 512 * 1024 * 1024
"""Bytes of messages kept from detection for validation: past this, a batch of any size does
not sit in memory, and the workers read the files themselves."""


@dataclasses.dataclass(frozen=True)
class Target:
    """A message type chosen for a message, with the pins its profile is built from."""

    ref: MessageTypeRef
    records: tuple[ArtefactRecord, ...]

    @property
    def key(self) -> str:
        """Changes whenever the type or any artefact's content changes (a new submission)."""
        return profile_key(self.ref, self.records)

    def profile(
        self,
        blobs: BlobStore,
        severity_overrides: Mapping[str, Severity | None] | None = None,
        fail_on: Severity = Severity.ERROR,
    ) -> Profile:
        """The profile from verified blobs; `ArtefactError` when they cannot be used."""
        profile = profile_from(self.ref, self.records, blobs)
        if not severity_overrides and fail_on is Severity.ERROR:
            return profile
        return dataclasses.replace(
            profile, severity_overrides=dict(severity_overrides or {}), fail_on=fail_on
        )


def named_types(
    store: Store,
    interface: str | None,
    version: str | None = None,
    message_type: str | None = None,
) -> list[MessageTypeRef] | None:
    """The message types `interface` (ID or ID@VERSION), `version` and `message_type` name.

    None when no interface is named: detection then chooses among every registered type.
    Raises `UsageError` for conflicting or orphan arguments, `NotFoundError` for unknown ones.
    """
    if interface is None:
        if version is not None or message_type is not None:
            given = "version" if version is not None else "message type"
            raise UsageError(f"a {given} was given without an interface: name the interface too")
        return None
    identifier, pinned = split_interface(interface)
    if pinned is not None and version is not None and pinned != version:
        raise UsageError(
            f"interface {interface} names version {pinned} but version {version} was given too"
        )
    return resolve_message_types(store, identifier, pinned or version, message_type)


class Chooser:
    """Picks each message's type: the one named, else by detection among those named (or all).

    Holds one `Detector`, so make one per command or request: lookups are remembered.
    """

    def __init__(
        self, store: Store, settings: Settings, among: Sequence[MessageTypeRef] | None
    ) -> None:
        self.among = among
        self._detector = Detector(store, settings)

    def choose(self, content: bytes, parsed: ParsedJson | None = None) -> MessageTypeRef:
        """The message's type; `DetectionError` when none or several match. `parsed`: the
        message as `parse_json` read it, if it did."""
        if self.among is not None and len(self.among) == 1:
            return self.among[0]
        return self._detector.detect(content, self.among, parsed)


def pinned_target(store: Store, ref: MessageTypeRef) -> Target:
    """`ref` with its artefact pins, in one query."""
    return Target(ref, artefacts_of(store, ref))


def validate_registered(
    paths: Sequence[Path],
    open_store: Callable[[], AbstractContextManager[Store]],
    settings: Settings,
    *,
    interface: str | None,
    message_type: str | None,
    severity_overrides: Mapping[str, Severity | None],
    fail_on: Severity,
    jobs: int,
    keep_svrl: bool,
    progress: Callable[[], None] | None = None,
) -> list[Report]:
    """Reports for message files, in order, each against its registered profile.

    Messages are grouped by message type, so each group runs as one batch (on workers when
    large); one whose type cannot be detected or whose artefacts cannot be used gets a report
    with verdict error (invalid when it is not even well-formed), never a valid one. The store
    (`open_store()`) is open only while types are chosen and profiles built, not while the
    messages are checked. Each file is read once: the bytes detection read go to validation
    (up to `_KEPT_BYTES` in all; the workers read the files past that).
    """
    from nif.validate import Message, detect_media, parse_json, read_message, validate_files

    def failed(index: int, stage: str, error: str, ref: MessageTypeRef | None = None) -> None:
        message = messages[index]
        reports[index] = error_report(
            message.content
            if isinstance(message, Message)
            else read_message(message, settings.max_message_bytes),
            source=str(paths[index]),
            stage=stage,
            error=error,
            settings=settings,
            ref=ref,
            fail_on=fail_on,
        )
        if progress:
            progress()

    reports: dict[int, Report] = {}
    groups: dict[MessageTypeRef, list[int]] = {}
    profiles: dict[MessageTypeRef, Profile | ArtefactError] = {}
    messages: list[Message | Path] = []
    kept = 0
    with open_store() as store:
        chooser = Chooser(store, settings, named_types(store, interface, None, message_type))
        for index, path in enumerate(paths):
            content = read_message(path, settings.max_message_bytes)
            parsed = None
            if detect_media(content) == "json":  # parsed once, for detection and validation
                parsed = parse_json(content, max_bytes=settings.max_message_bytes)
            kept += len(content)
            messages.append(Message(str(path), content, parsed) if kept <= _KEPT_BYTES else path)
            try:
                ref = chooser.choose(content, parsed)
            except DetectionError as exc:
                failed(index, "detect", str(exc))
            else:
                groups.setdefault(ref, []).append(index)
        blobs = BlobStore(settings.home / "blobs")
        for ref in groups:
            try:
                profiles[ref] = pinned_target(store, ref).profile(
                    blobs, severity_overrides, fail_on
                )
            except ArtefactError as exc:
                profiles[ref] = exc
    for ref, indexes in groups.items():
        profile = profiles[ref]
        if isinstance(profile, ArtefactError):
            for index in indexes:
                failed(index, "profile", str(profile), ref)
            continue
        done = validate_files(
            [messages[i] for i in indexes],
            profile,
            settings=settings,
            jobs=jobs,
            keep_svrl=keep_svrl,
            progress=progress,
        )
        for index, report in zip(indexes, done, strict=True):
            report.context = ref.context
            reports[index] = report
    return [reports[i] for i in range(len(paths))]
