"""What each Lambda handler imports at load, the part of a cold start `benchmarks/cold_import.py` times.

Every handler under functions/ loads in a fresh interpreter with a deployed function's settings. None
may import the heavy packages, the AWS SDK or any adapter (the composition root imports adapters on
a first request that needs them), nor the engine; event handlers (WebSocket hooks, the stream
pusher, state machine steps) never load FastAPI. Some groups also keep their rare paths out, and
the heaviest keep out the use cases of routes other handlers serve.
"""

from __future__ import annotations

import ast
from functools import cache

import pytest

from tests.events import ROOT, modules_at_cold_start

pytestmark = pytest.mark.slow

HANDLERS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/handler.py"))
HTTP_HANDLERS = frozenset(
    name for name in HANDLERS if "http_handler" in (ROOT / "functions" / name / "handler.py").read_text()
)
HEAVY = ("numpy", "numba", "pandas", "arcticdb", "ccxt", "mlflow", "boto3")
NOT_FOR_ROUTES = ("pydantic.v1",)
"""FastAPI would import pydantic.v1 to check route annotations; tradai.api.fastapi_compat answers
without it."""
NOT_FOR_SETTINGS = ("pydantic_settings", "dotenv")
"""tradai.settings reads the environment itself, and a .env file only where one exists (no Lambda)."""
HEAVY_PREFIXES = ("tradai.engine", "tradai.adapters.")
WEB_FRAMEWORK = ("fastapi", "starlette", "mangum")
ONLY_ON_REQUEST: dict[str, tuple[str, ...]] = {
    # A sync job, a read of bars, an exchange; other groups' backtest, order, instance, registry models.
    "data": (
        *("tradai.services.sync_jobs", "tradai.services.job_worker", "tradai.domain.backtest_spec"),
        *("tradai.domain.orders", "tradai.domain.instances", "tradai.domain.registry"),
    ),
    # Settling a dead instance's orders (the order pipeline) happens only when an instance ends.
    "instances": ("tradai.services.unsettled_orders", "tradai.services.order_pipeline"),
}

OTHER_GROUPS: dict[str, tuple[str, ...]] = {
    # Use cases (and their models) of routes another handler serves: no request of this one runs them.
    "catalog": (
        *("tradai.services.strategies", "tradai.services.strategy_status", "tradai.services.catalog_detail"),
        *("tradai.services.strategy_registration", "tradai.services.ab_tests", "tradai.domain.instances"),
        *("tradai.services.config_repository", "tradai.domain.configs", "tradai.domain.backtest_spec"),
    ),
    "engine_routes": (
        *("tradai.services.ab_tests", "tradai.services.lifecycle_repository", "tradai.domain.instances"),
        *("tradai.services.strategy_status", "tradai.services.strategy_performance"),
        *("tradai.services.trade_records", "tradai.api.schemas.backtests"),
    ),
    "instances": (
        *("tradai.services.ab_tests", "tradai.services.welch", "tradai.services.strategy_listing"),
        *("tradai.services.version_metrics", "tradai.services.configs", "tradai.domain.jobs"),
        "tradai.domain.market_data",
    ),
    "strategies": (
        *("tradai.services.strategy_registration", "tradai.services.parameter_schema"),
        *(
            "tradai.services.catalog",
            "tradai.api.schemas.strategy_registration",
            "tradai.domain.backtest_spec",
        ),
    ),
    "configs": ("tradai.domain.backtest_spec", "tradai.api.schemas.strategies"),
    "health": ("tradai.domain.registry", "tradai.domain.registry_records"),
}


def test_given_the_functions_folder_when_listed_then_http_and_event_handlers_are_both_checked() -> None:
    # Given / When: the handlers this file parametrizes over
    event_handlers = set(HANDLERS) - HTTP_HANDLERS

    # Then: both kinds are there, and every rare-path entry names a real handler
    assert {"health", "backtests", "ws_ticket"} <= HTTP_HANDLERS
    assert {"stream_pusher", "ws_connect", "ws_authorizer", "backtest_plan"} <= event_handlers
    assert set(ONLY_ON_REQUEST) | set(OTHER_GROUPS) <= set(HANDLERS)


ROUTER_PACKAGE = "tradai.api.routers"
SHARED_ROUTER_MODULES = frozenset({f"{ROUTER_PACKAGE}.shared_params", f"{ROUTER_PACKAGE}.strategy_paths"})
"""Router-package modules that declare parameters, not routes."""

loaded_at_cold_start = cache(modules_at_cold_start)


def _served_router_modules(function: str) -> set[str]:
    """The router modules functions/<function>/handler.py imports by name."""
    tree = ast.parse((ROOT / "functions" / function / "handler.py").read_text())
    return {
        f"{ROUTER_PACKAGE}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == ROUTER_PACKAGE
        for alias in node.names
    }


@pytest.mark.parametrize("function", HANDLERS)
def test_given_a_cold_start_when_a_handler_loads_then_nothing_heavy_is_imported(function: str) -> None:
    # Given: a fresh interpreter with a deployed function's settings
    forbidden = (
        *HEAVY,
        *NOT_FOR_ROUTES,
        *NOT_FOR_SETTINGS,
        *ONLY_ON_REQUEST.get(function, ()),
        *OTHER_GROUPS.get(function, ()),
    )
    if function not in HTTP_HANDLERS:
        forbidden = (*forbidden, *WEB_FRAMEWORK)

    # When it loads functions/<function>/handler.py
    loaded = loaded_at_cold_start(function)

    # Then: none of it, no engine module and no adapter (they load on the first request needing them)
    assert sorted(name for name in forbidden if name in loaded) == []
    assert sorted(name for name in loaded if name.startswith(HEAVY_PREFIXES)) == []


@pytest.mark.parametrize("function", sorted(HTTP_HANDLERS))
def test_given_an_http_handler_when_it_loads_then_it_declares_only_routes_it_serves(function: str) -> None:
    # Given: the route groups the handler mounts
    served = _served_router_modules(function)

    # When
    loaded = loaded_at_cold_start(function)

    # Then: importing another group's router module would register (and pay for) all its routes
    routers = {name for name in loaded if name.startswith(f"{ROUTER_PACKAGE}.")}
    assert served
    assert sorted(routers - served - SHARED_ROUTER_MODULES) == []
