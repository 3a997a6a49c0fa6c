"""The catalogue: the registry read for people and scripts (agencies, interfaces, versions,
message types, artefacts, examples and their downloads), as the web pages and `/api` show it.

Each function takes a `Store` and answers with a few SPARQL queries whatever the size of the
registry. Literals are picked by language: the requested one, else English, else one without a
language, else any. The result dataclasses are also the web API's response models.
"""

from nif.catalogue._agencies import agencies, agency
from nif.catalogue._consumers import Consumed, Consumer, consumed, consumers
from nif.catalogue._dcat import (
    CataloguePage,
    catalogue_graph,
    catalogue_page,
    keep_catalogue,
    write_catalogue,
)
from nif.catalogue._details import Link
from nif.catalogue._downloads import artefact
from nif.catalogue._feeds import MAX_ENTRIES, Feed, FeedEntry, agency_feed, interface_feed
from nif.catalogue._interfaces import MAX_LIMIT, interface, interfaces
from nif.catalogue._linked_data import Description, describe, file_checksum
from nif.catalogue._model import (
    STATUSES,
    Agency,
    AgencySummary,
    Artefact,
    Contact,
    Download,
    Example,
    Interface,
    InterfacePage,
    InterfaceSummary,
    InterfaceVersion,
    MessageType,
    Part,
    Status,
)
from nif.catalogue._reading import agency_iri

__all__ = [
    "MAX_ENTRIES",
    "MAX_LIMIT",
    "STATUSES",
    "Agency",
    "AgencySummary",
    "Artefact",
    "CataloguePage",
    "Consumed",
    "Consumer",
    "Contact",
    "Description",
    "Download",
    "Example",
    "Feed",
    "FeedEntry",
    "Interface",
    "InterfacePage",
    "InterfaceSummary",
    "InterfaceVersion",
    "Link",
    "MessageType",
    "Part",
    "Status",
    "agencies",
    "agency",
    "agency_feed",
    "agency_iri",
    "artefact",
    "catalogue_graph",
    "catalogue_page",
    "consumed",
    "consumers",
    "describe",
    "file_checksum",
    "interface",
    "interface_feed",
    "interfaces",
    "keep_catalogue",
    "write_catalogue",
]
