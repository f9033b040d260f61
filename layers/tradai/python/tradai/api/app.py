"""The FastAPI app factory, shared by the local server and every Lambda handler.

A handler mounts only its route group (`create_app(routers=[backtests.router])`), so it imports
only what those routes need; the local server mounts them all.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from tradai import __version__
from tradai.api.errors import ERROR_RESPONSES, install_error_handlers
from tradai.api.limits import BodySizeLimitMiddleware
from tradai.api.middleware import HEADER, CorrelationIdMiddleware
from tradai.api.query_guard import reject_unknown_query_parameters
from tradai.api.schemas.common import ERROR_SCHEMA_NAME, ErrorResponse
from tradai.bootstrap import Container, build_container
from tradai.observability import configure_logging
from tradai.settings import Settings, get_settings

DESCRIPTION = """TradAI: backtest crypto trading strategies as asynchronous jobs, version and promote them,
keep market data fresh, and run them dry-run or live under budgets.

Every error is `{"detail", "code", "timestamp"}`; every response carries `X-Correlation-ID`."""


class ContainerProvider:
    """Builds the container on first use (keeping adapter imports off cold starts), then shares it."""

    def __init__(self, settings: Settings, container: Container | None = None) -> None:
        self._settings = settings
        self._container = container
        self._lock = threading.Lock()

    def __call__(self) -> Container:
        if self._container is None:
            with self._lock:
                if self._container is None:
                    self._container = build_container(self._settings)
        return self._container


def _operation_id(route: APIRoute) -> str:
    # Stable, readable OpenAPI operation ids for generated clients: "<tag>-<function name>".
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(
    *,
    routers: Sequence[APIRouter],
    settings: Settings | None = None,
    container: Container | None = None,
    lifespan: Any = None,
) -> FastAPI:
    """Build the API app with the given route groups.

    Args:
        routers: the route groups to mount.
        settings: defaults to the process settings.
        container: ready adapters (tests pass fakes); built from settings on first use otherwise.
        lifespan: a FastAPI lifespan (the local server starts its background parts with it).
    """
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="TradAI API",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_url="/openapi.json",
        generate_unique_id_function=_operation_id,
        responses=ERROR_RESPONSES,
        dependencies=[Depends(reject_unknown_query_parameters)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.container_provider = ContainerProvider(settings, container)
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Amz-Date", HEADER, "Idempotency-Key"],
        expose_headers=[HEADER],
        max_age=86400,
    )
    _complete_the_spec(app, without_auth=settings.auth_mode == "none")
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationIdMiddleware)  # added last: outermost, so every response has the id
    return app


def _complete_the_spec(app: FastAPI, *, without_auth: bool) -> None:
    """Add the error shape's schema, which routes refer to without naming the model (`error_doc`);
    with authentication off, publish a spec that does not ask clients for tokens."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            components = spec.setdefault("components", {})
            schemas = components.get("schemas", {}) | {
                ERROR_SCHEMA_NAME: ErrorResponse.model_json_schema(mode="serialization")
            }
            components["schemas"] = dict(sorted(schemas.items()))
            if without_auth:
                components.pop("securitySchemes", None)
                for operations in spec.get("paths", {}).values():
                    for operation in operations.values():
                        operation.pop("security", None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
