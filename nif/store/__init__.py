"""RDF stores behind one interface: `open_store` picks embedded Oxigraph or a remote endpoint."""

from __future__ import annotations

from nif.settings import Settings
from nif.store.base import DumpFormat, ResultFormat, Row, Store
from nif.store.embedded import EmbeddedStore, ensure_query
from nif.store.query_workers import QueryWorkers


def open_store(settings: Settings, location: str | None = None) -> Store:
    """The store at `location` (default `settings.store_location`): an http(s) URL is a remote
    SPARQL endpoint, anything else a directory for the embedded store."""
    target = location or settings.store_location
    if target.startswith(("http://", "https://")):
        from nif.store.remote import RemoteStore

        return RemoteStore.from_settings(target, settings)
    return EmbeddedStore(target)


__all__ = [
    "DumpFormat",
    "EmbeddedStore",
    "QueryWorkers",
    "ResultFormat",
    "Row",
    "Store",
    "ensure_query",
    "open_store",
]
