"""Every user-facing failure of nif, as one exception hierarchy.

```
NifError                    anything nif refuses or cannot do, with a message fit for the user
├── UsageError              a command or call was given wrong or conflicting arguments
├── InputError              an input file cannot be read (missing, unreadable, too large)
│   └── RecordSyntaxError   a submitted record is not well-formed RDF (says line and column)
├── ArtefactError           a schema or rule set cannot be used
│   ├── ResolutionError     an import/include/$ref points somewhere nif may not or cannot go
│   │   └── FetchError      an artefact URL is refused (scheme, address, size, time) or fails
│   └── CompileError        the artefact was found but does not compile (bad XSD, bad Schematron)
├── StoreError              the RDF store cannot be opened, or refused or failed a request
│   ├── QueryTimeoutError   a query ran past its time limit
│   └── ResultTooLargeError a query's result is over the size limit
├── StateError              the state back end cannot be reached or refused
├── ServiceError            a nif service (`--server`, `nif.client`) cannot be reached or
│                           answers what is not nif's (garbage, too large, a redirect)
├── PreconditionFailedError a write's If-Match / If-None-Match does not hold for the record
│                           as it is now (carries its current ETag)
├── AccessError             a request is not allowed
│   ├── AuthenticationError no token, or a token that is unknown, malformed or revoked
│   └── ForbiddenError      the token's role or agency does not allow the operation
├── LimitError              a request is over a service limit
│   ├── UploadTooLargeError the upload is over max_upload_bytes
│   └── TooManyRequestsError too many requests from one client, or validations at once
└── RegistryError           the registry refuses an operation
    ├── RejectedError       a record does not conform to the shapes (carries the SHACL report)
    ├── IncompatibleVersionError  a new minor or patch version breaks its interface's
    │                       compatibility policy (carries the comparisons)
    ├── SubmissionCheckError  an artefact a record pins does not compile, or an example
    │                       does not get its declared verdict (carries each failure)
    ├── NotFoundError       no such record, interface, version, message type, run or certificate
    ├── DetectionError      no registered message type matches a message, or several tie
    ├── ReviewError         a proposal cannot be decided (closed already, or the record
    │                       changed since it was made)
    └── CertificationError  a certificate cannot be issued or revoked (failed or self-test run,
                            hashes changed since the run, already revoked)
```

Problems *in a message* are not exceptions: they are findings in a `Report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class NifError(Exception):
    """Base class: the message says what is wrong and, where known, where."""


class UsageError(NifError):
    """Wrong or conflicting arguments."""


class InputError(NifError):
    """An input cannot be read."""


class RecordSyntaxError(InputError):
    """A record is not well-formed RDF; the message says where (line, column)."""


class ArtefactError(NifError):
    """A schema or rule set cannot be used."""


class ResolutionError(ArtefactError):
    """A reference from one artefact to another is refused or cannot be resolved."""


class FetchError(ResolutionError):
    """An artefact URL is refused by the fetch policy, or fetching it failed."""


class CompileError(ArtefactError):
    """An artefact does not compile."""


class StoreError(NifError):
    """The store cannot be reached or refused a request. Never carries credentials."""


class QueryTimeoutError(StoreError):
    """A query ran past its time limit."""


class ResultTooLargeError(StoreError):
    """A query's result has more rows or triples than allowed."""


class StateError(NifError):
    """The state back end (PostgreSQL) cannot be reached or refused a request: says which
    server and what to check, never a password."""


class PreconditionFailedError(NifError):
    """A conditional write (If-Match, If-None-Match) was based on another version of the record
    than the current one: nothing is stored. `etag` is the record's current entity tag (None
    when there is no current record), so the client can read it again and retry."""

    def __init__(self, message: str, etag: str | None) -> None:
        super().__init__(message)
        self.etag = etag


class ServiceError(NifError):
    """The nif service a client talks to cannot be reached, does not answer in time, or answers
    what nif cannot read: names the server without its credentials, never the token."""


class AccessError(NifError):
    """A request is not allowed."""


class AuthenticationError(AccessError):
    """No token where one is needed, or one that is unknown, malformed or revoked."""


class ForbiddenError(AccessError):
    """The token is valid but its role or agency does not allow the operation."""


class LimitError(NifError):
    """A request is over a service limit."""


class UploadTooLargeError(LimitError):
    """The upload is larger than `max_upload_bytes`."""


class TooManyRequestsError(LimitError):
    """Too many requests from one client, or too many validations at once.

    `retry_after` is the number of seconds after which trying again may succeed.
    """

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RegistryError(NifError):
    """The registry refuses an operation."""


class RejectedError(RegistryError):
    """A submission does not conform. `report` is the `nif.registry.ShaclReport`."""

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class IncompatibleVersionError(RegistryError):
    """A new minor or patch version breaks its interface's compatibility policy: nothing is
    stored. `comparisons` are the `nif.compat.Comparison`s it was judged on (`to_json()`)."""

    def __init__(self, message: str, comparisons: Sequence[Any]) -> None:
        super().__init__(message)
        self.comparisons = list(comparisons)


class SubmissionCheckError(RegistryError):
    """What a submission pins does not work: an artefact does not compile, or an example
    message does not get its declared verdict or rule ids. Nothing is stored. `failures` are
    the `nif.registry.CheckFailure`s, each naming its file (`to_dict()`)."""

    def __init__(self, message: str, failures: Sequence[Any]) -> None:
        super().__init__(message)
        self.failures = list(failures)


class NotFoundError(RegistryError):
    """No such record, interface, version or message type."""


class DetectionError(RegistryError):
    """No message type matches, or several match equally; the message lists the candidates."""


class ReviewError(RegistryError):
    """A proposal cannot be accepted or rejected: it is closed already, or its record changed
    since it was made (the agency must propose again)."""


class CertificationError(RegistryError):
    """A certificate cannot be issued from this run, or cannot be revoked (says why)."""
