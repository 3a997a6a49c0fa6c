"""RDF stores behind one interface: `open_store` picks embedded Oxigraph or a remote endpoint."""

from __future__ import annotations

from nif.settings import Settings
from nif.store._base import DumpFormat, QueryLimits, ResultFormat, Row, Store, query_limits
from nif.store._embedded import EmbeddedStore, ensure_query, query_form, to_rdflib
from nif.store._query_workers import QueryWorkers


def open_store(settings: Settings, location: str | None = None) -> Store:
    """The store at `location` (default `settings.store_location`): an http(s) URL is a remote
    SPARQL endpoint, anything else a directory for the embedded store."""
    target = location or settings.store_location
    if target.startswith(("http://", "https://")):
        from nif.store._remote import RemoteStore  # httpx only when a remote store is used

        return RemoteStore.from_settings(target, settings)
    return EmbeddedStore(target)


__all__ = [
    "DumpFormat",
    "EmbeddedStore",
    "QueryLimits",
    "QueryWorkers",
    "ResultFormat",
    "Row",
    "Store",
    "ensure_query",
    "open_store",
    "query_form",
    "query_limits",
    "to_rdflib",
]
