"""The page routes: catalogue, agency, interface, self-test, SPARQL."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
