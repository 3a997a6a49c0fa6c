"""The JSON API under /api, and /health and /version."""
