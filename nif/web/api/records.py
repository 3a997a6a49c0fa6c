"""Writing the registry: submit, withdraw, history (bearer tokens and roles)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["records"])
