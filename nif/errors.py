"""Every user-facing failure of nif, as one exception hierarchy.

```
NifError                    anything nif refuses or cannot do, with a message fit for the user
├── UsageError              a command or call was given wrong or conflicting arguments
├── InputError              an input file cannot be read (missing, unreadable, too large)
└── ArtefactError           a schema or rule set cannot be used
    ├── ResolutionError     an import/include/$ref points somewhere nif may not or cannot go
    └── CompileError        the artefact was found but does not compile (bad XSD, bad Schematron)
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


class ArtefactError(NifError):
    """A schema or rule set cannot be used."""


class ResolutionError(ArtefactError):
    """A reference from one artefact to another is refused or cannot be resolved."""


class CompileError(ArtefactError):
    """An artefact does not compile."""
