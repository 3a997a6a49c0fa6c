"""The JSON API under /api, and /health and /version."""

from nif.web.api._run_documents import CERTIFICATE_ID, RUN_ID, checked_id, stored_certificate

__all__ = ["CERTIFICATE_ID", "RUN_ID", "checked_id", "stored_certificate"]
