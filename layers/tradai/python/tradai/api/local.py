"""The local server's app: every route group, on the embedded adapters."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tradai.api.app import create_app
from tradai.api.routers import backtests, health, ws
from tradai.settings import get_settings

log = logging.getLogger(__name__)

ROUTERS = [health.router, backtests.router, ws.router]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    container = app.state.container_provider()  # open the stores now, not on the first request
    log.info(
        "TradAI serving on the local runtime",
        extra={"data_dir": str(settings.data_dir.resolve()), "store": container.store.name},
    )
    if settings.auth_mode == "none":
        log.warning("authentication is off (TRADAI_AUTH=none): anyone who can reach this server can use it")
    yield


def create_local_app() -> FastAPI:
    """Build the app `tradai serve` runs."""
    return create_app(routers=ROUTERS, settings=get_settings(), lifespan=_lifespan)
