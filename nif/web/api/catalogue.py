"""Reading the registry: agencies, interfaces, versions, message types, examples, artefacts."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["registry"])
