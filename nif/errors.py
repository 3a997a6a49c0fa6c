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
└── RegistryError           the registry refuses an operation
    ├── RejectedError       a record does not conform to the shapes (carries the SHACL report)
    ├── NotFoundError       no such record, interface, version or message type
    └── DetectionError      no registered message type matches a message, or several tie
```

Problems *in a message* are not exceptions: they are findings in a `Report`.
"""

from __future__ import annotations


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


class RegistryError(NifError):
    """The registry refuses an operation."""


class RejectedError(RegistryError):
    """A submission does not conform. `report` is the `nif.registry.ShaclReport`."""

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class NotFoundError(RegistryError):
    """No such record, interface, version or message type."""


class DetectionError(RegistryError):
    """No message type matches, or several match equally; the message lists the candidates."""
