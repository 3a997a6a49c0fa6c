"""Message validation against registered interfaces: one message, or a batch."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["validation"])
