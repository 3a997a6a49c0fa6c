"""What every request handler shares: settings, the registry (store, blobs, history), tokens,
the certificate signing key and the certification runs.

One `Services` lives on `app.state.services` from startup to shutdown; handlers get it through
the `services` dependency, never from module globals, so several apps can run in one process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from typing import Annotated

from fastapi import Depends, Request

from nif.auth import TokenStore
from nif.catalogue import keep_catalogue
from nif.certify import (
    RunStore,
    SigningKey,
    available,
    find_suite,
    finish_demo,
    load_or_create,
    publish_suite,
    start_demo,
)
from nif.errors import NifError
from nif.home import ensure_home
from nif.registry import Registry
from nif.settings import Settings
from nif.state import State, open_state
from nif.web._pool import ValidationPool
from nif.web._targets import Targets

log = logging.getLogger("nif.web")


@dataclasses.dataclass
class Services:
    settings: Settings
    registry: Registry
    tokens: TokenStore
    pool: ValidationPool
    key: SigningKey
    """The competence centre's key: signs certificates, published at /.well-known/."""
    runs: RunStore
    targets: Targets = dataclasses.field(init=False)
    """Store lookups validation requests share (interface resolution, artefact pins)."""

    def __post_init__(self) -> None:
        self.targets = Targets(self.registry)

    @classmethod
    def open(cls, settings: Settings, *, load_demo: bool = False) -> Services:
        """Make NIF_HOME private; open the state (one, shared by the registry, the tokens and
        the runs), the store and the signing key; remove what a killed process left in the
        staging folder; load the demo registry (and certify its demo evidence) into an empty
        store, or finish a demo a killed start left half-loaded; publish the conformance
        suites; start the validation workers (so the first request does not wait for them)."""
        ensure_home(settings.home)
        with contextlib.ExitStack() as undo:  # closes what was opened if a later step fails
            state = open_state(settings)
            undo.callback(state.close)
            registry = Registry.open(settings, state=state)
            undo.callback(registry.close)
            if removed := registry.remove_leftovers():
                log.info("removed %d staging leftovers of a stopped process", removed)
            key = load_or_create(state)
            demo = load_demo and start_demo(registry)
            _publish_suites(registry)
            if demo:
                issued = finish_demo(registry, key)
                log.info("demo registry: %d certificates issued", len(issued))
            keep_catalogue(registry)  # the catalogue's graph, for SPARQL
            tokens = TokenStore(state)
            runs = RunStore(state)
            pool = ValidationPool.start(settings)
            undo.pop_all()
        return cls(settings, registry, tokens, pool, key, runs)

    def close(self) -> None:
        self.pool.close()
        self.runs.close()
        self.tokens.close()
        self.registry.close()
        self.state.close()

    @property
    def state(self) -> State:
        """The one state the registry, the tokens and the runs share (closed last)."""
        return self.registry.state


def _publish_suites(registry: Registry) -> None:
    """Store the graph of every shipped suite (so SPARQL and certificates can name it); a
    suite that cannot be read is logged and left out, the service still starts."""
    for interface, version in available():
        try:
            if publish_suite(registry, find_suite(interface, version, settings=registry.settings)):
                log.info("published the conformance suite of %s@%s", interface, version)
        except NifError as exc:
            log.warning("conformance suite %s@%s not published: %s", interface, version, exc)


async def services(request: Request) -> Services:
    """The FastAPI dependency that hands a request the app's services."""
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]
"""Declare a handler parameter `svc: ServicesDep` to get the app's services."""
