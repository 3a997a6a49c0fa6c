"""What every request handler shares: settings, the registry (store, blobs, history) and tokens.

One `Services` lives on `app.state.services` from startup to shutdown; handlers get it through
the `services` dependency, never from module globals, so several apps can run in one process.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from nif.auth import TokenStore
from nif.registry import Registry
from nif.resources import data_folder
from nif.settings import Settings
from nif.web._pool import ValidationPool
from nif.web._targets import Targets

log = logging.getLogger("nif.web")


@dataclasses.dataclass
class Services:
    settings: Settings
    registry: Registry
    tokens: TokenStore
    pool: ValidationPool
    targets: Targets = dataclasses.field(init=False)
    """Store lookups validation requests share (interface resolution, artefact pins)."""

    def __post_init__(self) -> None:
        self.targets = Targets(self.registry)

    @classmethod
    def open(cls, settings: Settings, *, load_demo: bool = False) -> Services:
        """Open the store and the token database, load the demo registry into an empty store,
        and start the validation workers (so the first request does not wait for them)."""
        registry = Registry.open(settings)
        try:
            if load_demo and not registry.records():
                root = Path(str(data_folder("registry")))
                log.info("loading the demo registry from %s", root)
                result = registry.load_folder(root, actor="nif serve (demo registry)")
                log.info(
                    "demo registry: %d records stored, %d refused",
                    len(result.stored),
                    len(result.rejected),
                )
            tokens = TokenStore(settings.home / "secrets.sqlite")
        except BaseException:
            registry.close()
            raise
        try:
            pool = ValidationPool.start(settings)
        except BaseException:
            tokens.close()
            registry.close()
            raise
        return cls(settings, registry, tokens, pool)

    def close(self) -> None:
        self.pool.close()
        self.tokens.close()
        self.registry.close()


async def services(request: Request) -> Services:
    """The FastAPI dependency that hands a request the app's services."""
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(services)]
"""Declare a handler parameter `svc: ServicesDep` to get the app's services."""
