"""A Python client of a running nif service (`nif.client.Client`), on httpx: validate, read and
write the registry, query it and certify through the HTTP API, with nif's own result types and
errors. The CLI's `--server` mode is this client."""

from nif.client._client import Client, Message
from nif.client._http import MAX_RESPONSE_BYTES, shown_url
from nif.client._results import (
    CertificateSummary,
    CertificateVerdict,
    Pulled,
    RecordDocument,
    RecordSummary,
    RunOutcome,
    Submitted,
    Version,
)

__all__ = [
    "MAX_RESPONSE_BYTES",
    "CertificateSummary",
    "CertificateVerdict",
    "Client",
    "Message",
    "Pulled",
    "RecordDocument",
    "RecordSummary",
    "RunOutcome",
    "Submitted",
    "Version",
    "shown_url",
]
