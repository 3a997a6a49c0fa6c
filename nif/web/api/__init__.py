"""The JSON API under /api, and /health and /version."""

from nif.web.api._run_documents import RUN_ID, stored_certificate, stored_run

__all__ = ["RUN_ID", "stored_certificate", "stored_run"]
