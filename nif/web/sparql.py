"""The SPARQL 1.1 Protocol endpoint at /sparql (read-only, time and size limited)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["sparql"])
