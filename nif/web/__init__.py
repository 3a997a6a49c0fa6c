"""The HTTP service: REST API, SPARQL 1.1 Protocol and web pages over the same flows as the CLI."""

from nif.web._app import create_app
from nif.web._services import Services

__all__ = ["Services", "create_app"]
