"""Validation against registered interfaces, shared by `nif validate` and the service.

Both do the same three things: find the message types the caller named (or detect each
message's), read each chosen type's artefact pins from the store, and build its profile from
pinned blobs. The CLI then runs each group of messages with `validate_files`; the service hands
a `Target` (the type and its pins, a few hundred bytes) to a worker process that builds and
caches the profile itself, so artefact bytes never travel with a request.

The CLI parses each message once: detection reads an XML message's root start tag only, and
messages whose type a discriminator below the root decides go to the workers with their
`Candidates`, where the parse that validation needs decides the type too.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from lxml import etree

from nif.errors import ArtefactError, DetectionError, UsageError
from nif.registry._blobs import Blobs
from nif.registry._detect import Detector, Undecided
from nif.registry._error_report import error_report
from nif.registry._lifecycle import judge_lifecycle
from nif.registry._message_types import MessageTypeRef, resolve_message_types, split_interface
from nif.registry._profiles import ArtefactRecord, artefacts_of, profile_from, profile_key
from nif.registry._versions import version_key
from nif.report import Finding, Location, Report, Severity, StepResult, StepStatus, Verdict
from nif.settings import Settings
from nif.state import open_blobs
from nif.store import Store
from nif.validate import ParsedJson, ParsedXml, Profile, parse_xml, validate
from nif.version import __version__

OTHER_VERSION = "NIF-OTHER-VERSION"
"""The rule id of the finding that a message is another registered version's."""

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
        blobs: Blobs,
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
        if (only := self._only()) is not None:
            return only
        try:
            return self._detector.detect(content, self.among, parsed)
        except DetectionError as exc:
            raise self._explained(exc, content) from None

    def examine(
        self, content: bytes, parsed: ParsedJson | None = None
    ) -> MessageTypeRef | Undecided:
        """`choose` without parsing an XML message: `Undecided` when a discriminator below
        its root decides, for the process that parses it to decide."""
        if (only := self._only()) is not None:
            return only
        try:
            return self._detector.examine(content, self.among, parsed)
        except DetectionError as exc:
            raise self._explained(exc, content) from None

    def other_version(self, content: bytes) -> Finding | None:
        """When the caller named a version and the message's root element is another
        registered version's: an error finding (`NIF-OTHER-VERSION`) saying which version the
        message is and which it was validated against, before the engines' own findings."""
        if self.among is None:
            return None
        found = self._detector.other_versions(content, self.among)
        if found is None:
            return None
        head, refs = found
        local = etree.QName(head).localname
        return Finding(
            Severity.ERROR,
            "detect",
            f"this message is {_versions(refs)}; you validated against {_versions(self.among)}"
            f": validate it against {refs[0].interface}@{refs[0].version}, or leave the "
            "interface out to have it detected",
            OTHER_VERSION,
            Location(
                line=head.sourceline, xpath="/" + (f"{head.prefix}:" if head.prefix else "") + local
            ),
        )

    def named(self, content: bytes) -> MessageTypeRef | None:
        """`choose` when it needs no store query and no parse (one type named, the message's
        root its own), then with no `other_version` note: for an event loop. None otherwise:
        then `choose` where waiting is allowed."""
        only = self._only()
        if only is None or self._detector.foreign_root(content, [only]):
            return None
        return only

    def _explained(self, exc: DetectionError, content: bytes) -> DetectionError:
        """A detection failure that says so when the message is another version's."""
        note = self.other_version(content)
        return DetectionError(f"{note.message} ({exc})") if note is not None else exc

    def _only(self) -> MessageTypeRef | None:
        """The one type named, which needs no detection; but a KoSIT scenario's match is
        checked even then, as the KoSIT validator checks it for every message."""
        if self.among is None or len(self.among) != 1:
            return None
        only = self.among[0]
        return None if only.discriminator is not None and only.discriminator.match else only


@dataclasses.dataclass(frozen=True)
class Candidates:
    """Messages whose type a discriminator below their root decides, checked where they are
    parsed (a `ProfilePicker`): each is parsed once, its type decided on that parse as
    detection would, and the same parse validated with that type's profile."""

    undecided: Undecided
    profiles: Mapping[str, Profile | str]
    """Each candidate's profile by its name, or why it cannot be built."""
    fail_on: Severity = Severity.ERROR

    def check(
        self,
        content: bytes,
        *,
        source: str,
        settings: Settings,
        watch: Callable[[str, str], None] | None,
        parsed: ParsedJson | ParsedXml | None,
    ) -> Report:
        """The message's report against the type its parse says, as `validate_registered`
        would give it after detecting that type."""
        if not isinstance(parsed, ParsedXml):
            parsed = parse_xml(
                content,
                max_bytes=settings.validation.max_message_bytes,
                max_depth=settings.validation.max_xml_depth,
            )
        try:
            ref = self.undecided.decide(parsed)
        except DetectionError as exc:
            return error_report(
                content,
                source=source,
                stage="detect",
                error=str(exc),
                settings=settings,
                fail_on=self.fail_on,
                parsed=parsed,
            )
        if watch:
            watch("profile", ref.name)
        profile = self.profiles[ref.name]
        if isinstance(profile, str):
            return error_report(
                content,
                source=source,
                stage="profile",
                error=profile,
                settings=settings,
                ref=ref,
                fail_on=self.fail_on,
                parsed=parsed,
            )
        return validate(
            content,
            profile,
            source=source,
            settings=settings,
            context=ref.context,
            watch=watch,
            parsed=parsed,
        )


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
    today: datetime.date | None = None,
) -> list[Report]:
    """Reports for message files, in order, each against its registered profile.

    Messages are grouped by message type, so each group runs as one batch (on workers when
    large); one whose type cannot be detected or whose artefacts cannot be used gets a report
    with verdict error (invalid when it is not even well-formed), never a valid one. The store
    (`open_store()`) is open only while types are chosen and profiles built, not while the
    messages are checked. Each file is read once: the bytes detection read go to validation
    (up to `_KEPT_BYTES` in all; the workers read the files past that). Each message is parsed
    once: JSON here, for detection and validation; XML in the worker, which decides the type
    there when a discriminator below the root decides it (`Candidates`). Each report against
    a type gets its version's lifecycle as of `today` (default: today in UTC).
    """
    from nif.validate import Message, detect_media, parse_json, read_message, validate_files

    def failed(index: int, stage: str, error: str, ref: MessageTypeRef | None = None) -> None:
        message = messages[index]
        reports[index] = error_report(
            message.content
            if isinstance(message, Message)
            else read_message(message, settings.validation.max_message_bytes),
            source=str(paths[index]),
            stage=stage,
            error=error,
            settings=settings,
            ref=ref,
            fail_on=fail_on,
            parsed=message.parsed if isinstance(message, Message) else None,
        )
        if progress:
            progress()

    reports: dict[int, Report] = {}
    notes: dict[int, Finding] = {}
    groups: dict[MessageTypeRef | Undecided, list[int]] = {}
    profiles: dict[MessageTypeRef, Profile | ArtefactError] = {}
    messages: list[Message | Path] = []
    kept = 0
    with open_store() as store:
        chooser = Chooser(store, settings, named_types(store, interface, None, message_type))
        for index, path in enumerate(paths):
            content = read_message(path, settings.validation.max_message_bytes)
            parsed = None
            if detect_media(content) == "json":  # parsed once, for detection and validation
                parsed = parse_json(content, max_bytes=settings.validation.max_message_bytes)
            kept += len(content)
            messages.append(Message(str(path), content, parsed) if kept <= _KEPT_BYTES else path)
            try:
                found = chooser.examine(content, parsed)
            except DetectionError as exc:
                failed(index, "detect", str(exc))
            else:
                groups.setdefault(found, []).append(index)
                if (note := chooser.other_version(content)) is not None:
                    notes[index] = note
        blobs = open_blobs(settings, "artefacts")
        for found in groups:
            for ref in found.candidates if isinstance(found, Undecided) else (found,):
                if ref in profiles:
                    continue
                try:
                    profiles[ref] = pinned_target(store, ref).profile(
                        blobs, severity_overrides, fail_on
                    )
                except ArtefactError as exc:
                    profiles[ref] = exc
    for found, indexes in groups.items():
        checks: Profile | Candidates
        if isinstance(found, Undecided):
            built = {r.name: profiles[r] for r in found.candidates}
            checks = Candidates(
                found,
                {name: p if isinstance(p, Profile) else str(p) for name, p in built.items()},
                fail_on,
            )
            named = {r.name: r for r in found.candidates}
        else:
            profile = profiles[found]
            if isinstance(profile, ArtefactError):
                for index in indexes:
                    failed(index, "profile", str(profile), found)
                continue
            checks, named = profile, {found.name: found}
        done = validate_files(
            [messages[i] for i in indexes],
            checks,
            settings=settings,
            jobs=jobs,
            keep_svrl=keep_svrl,
            progress=progress,
        )
        for index, report in zip(indexes, done, strict=True):
            # the type the report names (none when detection failed in the worker)
            if report.profile in named:
                judge_lifecycle(report, named[report.profile], settings, today)
            reports[index] = report
    for index, note in notes.items():
        with_finding(reports[index], note, fail_on)
    return [reports[i] for i in range(len(paths))]


def with_finding(report: Report, finding: Finding, fail_on: Severity = Severity.ERROR) -> Report:
    """`report` (changed in place) with `finding` under a step of its own (the finding's
    `step`, run by nif), right after the parse and before the engines' steps; a valid verdict
    becomes invalid when the finding is as bad as `fail_on`."""
    failed = finding.severity >= fail_on
    status = StepStatus.FAILED if failed else StepStatus.PASSED
    step = StepResult(finding.step, finding.step, "nif", __version__, status)
    at = 1 if report.steps and report.steps[0].kind == "parse" else 0
    report.steps.insert(at, step)
    parsed = sum(1 for f in report.findings if f.step == "parse")
    report.findings.insert(parsed, finding)
    if report.verdict is Verdict.VALID and failed:
        report.verdict = Verdict.INVALID
    return report


def _versions(refs: Sequence[MessageTypeRef]) -> str:
    """`civreg-birth 2.0.0 (urn:...:2)`: the versions of `refs` and their root namespaces."""
    versions = sorted(
        {(r.interface, r.version) for r in refs}, key=lambda p: (p[0], version_key(p[1]))
    )
    named = " or ".join(f"{interface} {version}" for interface, version in versions)
    spaces = sorted({r.root_namespace for r in refs if r.root_namespace})
    return f"{named} ({', '.join(spaces)})" if spaces else named
