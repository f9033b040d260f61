"""What each Lambda handler imports at load, the part of a cold start `benchmarks/cold_import.py` times.

Every handler under functions/ loads in a fresh interpreter with a deployed function's settings. None
may import the heavy packages, the AWS SDK or any adapter (the composition root imports adapters on
a first request that needs them), nor the engine; event handlers (WebSocket hooks, the stream
pusher, state machine steps) never load FastAPI. Some groups also keep their rare paths out.
"""

from __future__ import annotations

import pytest

from tests.events import ROOT, modules_at_cold_start

pytestmark = pytest.mark.slow

HANDLERS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/handler.py"))
HTTP_HANDLERS = frozenset(
    name for name in HANDLERS if "http_handler" in (ROOT / "functions" / name / "handler.py").read_text()
)
HEAVY = ("numpy", "numba", "pandas", "arcticdb", "ccxt", "mlflow", "boto3")
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


def test_given_the_functions_folder_when_listed_then_http_and_event_handlers_are_both_checked() -> None:
    # Given / When: the handlers this file parametrizes over
    event_handlers = set(HANDLERS) - HTTP_HANDLERS

    # Then: both kinds are there, and every rare-path entry names a real handler
    assert {"health", "backtests", "ws_ticket"} <= HTTP_HANDLERS
    assert {"stream_pusher", "ws_connect", "ws_authorizer", "backtest_plan"} <= event_handlers
    assert set(ONLY_ON_REQUEST) <= set(HANDLERS)


@pytest.mark.parametrize("function", HANDLERS)
def test_given_a_cold_start_when_a_handler_loads_then_nothing_heavy_is_imported(function: str) -> None:
    # Given: a fresh interpreter with a deployed function's settings
    forbidden = (*HEAVY, *ONLY_ON_REQUEST.get(function, ()))
    if function not in HTTP_HANDLERS:
        forbidden = (*forbidden, *WEB_FRAMEWORK)

    # When it loads functions/<function>/handler.py
    loaded = modules_at_cold_start(function)

    # Then: none of it, no engine module and no adapter (they load on the first request needing them)
    assert sorted(name for name in forbidden if name in loaded) == []
    assert sorted(name for name in loaded if name.startswith(HEAVY_PREFIXES)) == []
