"""Hostile input on every route family: 4xx with a code, never a 5xx, and nothing stored.

The store is seeded first (a registered strategy with its active config, a budget), so writes that
slipped past validation would show: after each request the store, the blobs, the stored bars, the
executor, the instance runner and the model registry must be exactly as before. Rate-limit counters
are the one thing a refused request may leave: it still counts against its caller.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.fakes import FakeExchange, FakeInstanceRunner, FakeMarketData, local_container
from tests.fakes_registry import FakeModelRegistry
from tests.unit.jobs.conftest import RecordingExecutor
from tests.unit.jobs.test_submit_backtest import body
from tests.unit.test_api_auth_matrix import operations_of
from tradai.api.app import create_app
from tradai.api.local import ROUTERS
from tradai.api.routers import data
from tradai.bootstrap import Container
from tradai.services.budgets import BudgetBook
from tradai.services.demo_strategies import ensure_demo_strategy
from tradai.settings import Settings
from tradai.table_design import PARTITION_KEY

LONG = "x" * 10_000
JSON = {"Content-Type": "application/json"}
JOB = "11111111-2222-4333-8444-555555555555"
INSTANCE = "66666666-7777-4888-9999-000000000000"
DEMO = "PascalStrategy"


def _json_with(**raw_values: str) -> bytes:
    """The valid body with some values spliced in as raw JSON text (e.g. numbers no float can hold)."""
    import json

    text = json.dumps(body())
    for name, raw in raw_values.items():
        text = text.replace(f'"{name}": {json.dumps(body()[name])}', f'"{name}": {raw}')
    return text.encode()


INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE items; --',
    "{{7*7}}",
    "${jndi:ldap://x}",
    "<script>alert(1)</script>",
]


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Container:
    # One app for the module: every request must leave it as it was, which each test checks.
    data_dir = tmp_path_factory.mktemp("hostile")
    container = local_container(
        data_dir,
        # Refusing for the rate would hide what validation does with the next submission.
        settings=Settings(data_dir=data_dir, rate_limit_backtests_per_minute=100_000),
        executor=RecordingExecutor(),
        registry=FakeModelRegistry(),
        instance_runner=FakeInstanceRunner(),
    )
    assert container.strategies is not None
    ensure_demo_strategy(store=container.store, catalog=container.strategies, now=datetime.now(UTC))
    BudgetBook(container.store).allocate(DEMO, "USDT", 1000.0, actor="setup")
    return container


@pytest.fixture(scope="module")
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(routers=ROUTERS, settings=container.settings, container=container)
    app.dependency_overrides[data.get_exchange] = lambda: FakeExchange()
    with TestClient(app) as test_client:
        yield test_client


def everything_stored(container: Container) -> dict[str, Any]:
    """What the app could have written, read back through no code of the app's own."""
    with sqlite3.connect(container.settings.data_dir / "store.sqlite3") as database:
        items = database.execute(
            f"SELECT * FROM items WHERE {PARTITION_KEY} NOT LIKE 'RATE#%' ORDER BY 1, 2"
        ).fetchall()
    blobs = container.settings.data_dir / "blobs"
    assert isinstance(container.market_data, FakeMarketData)
    assert isinstance(container.executor, RecordingExecutor)
    assert isinstance(container.instance_runner, FakeInstanceRunner)
    assert isinstance(container.registry, FakeModelRegistry)
    return {
        "items": items,
        "blobs": sorted(str(path) for path in blobs.rglob("*")) if blobs.exists() else [],
        "bars": {key: len(frame) for key, frame in container.market_data.series.items()},
        "executor": (list(container.executor.submitted), list(container.executor.cancelled)),
        "instances": dict(container.instance_runner.alive),
        "registry": {name: len(versions) for name, versions in container.registry.versions.items()},
    }


BACKTESTS: list[tuple[str, str, dict[str, Any]]] = [
    # (method, url, request kwargs)
    ("GET", "/api/v1/backtests?limit=-1", {}),
    ("GET", "/api/v1/backtests?limit=99999999999999999999", {}),
    ("GET", "/api/v1/backtests?limit=abc", {}),
    ("GET", "/api/v1/backtests?limit=1&limit=2&limit=x", {}),
    ("GET", f"/api/v1/backtests?cursor={LONG}", {}),
    ("GET", "/api/v1/backtests?cursor=%00%01%02", {}),
    ("GET", "/api/v1/backtests?status=../../etc", {}),
    *[("GET", f"/api/v1/backtests?status={value}", {}) for value in INJECTIONS],
    ("GET", "/api/v1/backtests/..%2F..%2Fetc%2Fpasswd", {}),
    ("GET", "/api/v1/backtests/%F0%9F%92%A5", {}),
    ("GET", f"/api/v1/backtests/{LONG}", {}),
    ("GET", "/api/v1/backtests/11111111-2222-4333-8444-555555555555/equity?max_points=-5", {}),
    ("GET", "/api/v1/backtests/11111111-2222-4333-8444-555555555555/report-data?trades_offset=-1", {}),
    ("GET", "/api/v1/backtests/11111111-2222-4333-8444-555555555555/charts/..%2F..%2Fsecret.svg", {}),
    ("POST", "/api/v1/backtests/not-a-uuid/cancel", {}),
    ("GET", "/api/v1/backtests?limit=1&limit=100", {}),
    ("GET", "/api/v1/backtests?status=FAILED&status=COMPLETED", {}),
]
BACKTEST_SUBMISSION: list[tuple[str, str, dict[str, Any]]] = [
    (
        "POST",
        "/api/v1/backtests",
        {"content": b"\xff\xfe\x00garbage", "headers": {"Content-Type": "application/json"}},
    ),
    ("POST", "/api/v1/backtests", {"content": b"[]", "headers": {"Content-Type": "application/json"}}),
    ("POST", "/api/v1/backtests", {"content": b"1e999999", "headers": {"Content-Type": "application/json"}}),
    ("POST", "/api/v1/backtests", {"content": _json_with(capital="1e999"), "headers": JSON}),
    ("POST", "/api/v1/backtests", {"json": body(capital="NaN")}),
    ("POST", "/api/v1/backtests", {"json": body(leverage=-1)}),
    ("POST", "/api/v1/backtests", {"json": body(strategy_config__name=LONG)}),
    ("POST", "/api/v1/backtests", {"json": body(strategy_config__name="sma_cross; rm -rf /")}),
    ("POST", "/api/v1/backtests", {"json": body(strategy_config__parameters={"fast": LONG})}),
    (
        "POST",
        "/api/v1/backtests",
        {"json": body(strategy_config__parameters={f"p{i}": i for i in range(100)})},
    ),
    ("POST", "/api/v1/backtests", {"json": body(symbols=["BTC/USDT:USDT"] * 1000)}),
    ("POST", "/api/v1/backtests", {"json": body(symbols=["💥/USDT"])}),
    ("POST", "/api/v1/backtests", {"json": body(date_range__start="9999-99-99")}),
    ("POST", "/api/v1/backtests", {"json": body(exchange="../../etc")}),
    ("POST", "/api/v1/backtests", {"json": body(mode="sweep", parameter_space={"fast": list(range(200))})}),
    ("POST", "/api/v1/backtests", {"json": body(), "headers": {"Idempotency-Key": LONG}}),
    ("POST", "/api/v1/backtests", {"content": b"x" * (1024 * 1024 + 1), "headers": JSON}),
]
BACKTEST_RESULTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", f"/api/v1/backtests/{JOB}/equity?max_points=1e999", {}),
    ("GET", f"/api/v1/backtests/{JOB}/equity?max_points=99999999999999999999", {}),
    ("GET", f"/api/v1/backtests/{JOB}/report-data?trades_limit=-1", {}),
    ("GET", f"/api/v1/backtests/{JOB}/report-data?trades_limit=1&trades_limit=1000", {}),
    ("GET", f"/api/v1/backtests/{JOB}/charts/%F0%9F%92%A5.svg", {}),
    ("GET", f"/api/v1/backtests/{JOB}/charts/{LONG}.svg", {}),
    ("GET", "/api/v1/backtests/..%2F..%2Fetc/report", {}),
]
WS_TICKETS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/ws/ticket", {"json": {"job_id": "not-a-uuid"}}),
    ("POST", "/api/v1/ws/ticket", {"json": {"job_id": INJECTIONS[0]}}),
    ("POST", "/api/v1/ws/ticket", {"json": {"job_id": LONG}}),
    ("POST", "/api/v1/ws/ticket", {"json": {"job_id": JOB}}),  # no such job: 404, no ticket issued
    ("POST", "/api/v1/ws/ticket", {"json": {"job_id": JOB, "subject": "admin"}}),
    ("POST", "/api/v1/ws/ticket", {"json": [JOB]}),
]
DATA: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/v1/data/symbols?exchange=../../etc", {}),
    ("GET", f"/api/v1/data/symbols?exchange={LONG}", {}),
    ("GET", "/api/v1/data/symbols?source=everything", {}),
    ("GET", "/api/v1/data/symbols?exchange=binance&exchange=kraken", {}),
    ("GET", "/api/v1/data/freshness?symbols=BTC/USDT:USDT&stale_threshold_hours=-1", {}),
    ("GET", "/api/v1/data/freshness?symbols=BTC/USDT:USDT&stale_threshold_hours=1e999", {}),
    ("GET", f"/api/v1/data/freshness?symbols={LONG}", {}),
    ("GET", "/api/v1/data/freshness?symbols=..%2F..%2Fetc%2Fpasswd", {}),
    ("GET", "/api/v1/data/freshness?" + "&".join(["symbols=BTC/USDT:USDT"] * 101), {}),
    ("GET", "/api/v1/data/freshness?symbols=" + ",".join(f"S{i}/USDT" for i in range(101)), {}),
    *[("GET", f"/api/v1/data/freshness?symbols={value}", {}) for value in INJECTIONS],
    ("POST", "/api/v1/data/sync", {"json": {"symbols": []}}),
    ("POST", "/api/v1/data/sync", {"json": {"symbols": ["../../etc/passwd"]}}),
    ("POST", "/api/v1/data/sync", {"json": {"symbols": [LONG]}}),
    ("POST", "/api/v1/data/sync", {"json": {"symbols": ["💥/USDT"]}}),
    ("POST", "/api/v1/data/sync", {"json": {"symbols": [INJECTIONS[1]]}}),
    ("POST", "/api/v1/data/sync", {"json": {"symbols": ["BTC/USDT:USDT"] * 51}}),
    ("POST", "/api/v1/data/sync", {"json": {"symbols": ["BTC/USDT:USDT"], "timeframe": "1x"}}),
    ("POST", "/api/v1/data/sync", {"json": {"symbols": ["BTC/USDT:USDT"], "exchange": "../../etc"}}),
    ("POST", "/api/v1/data/sync", {"json": {"symbols": ["BTC/USDT:USDT"], "start": "9999-99-99"}}),
    ("POST", "/api/v1/data/sync", {"json": {"symbols": "BTC/USDT:USDT"}}),
    ("GET", "/api/v1/data/sync/not-a-uuid", {}),
    ("POST", f"/api/v1/data/sync/{LONG}/cancel", {}),
]
INSTANCES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"json": {"capital": -1}}),
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"content": b'{"capital": 1e999}', "headers": JSON}),
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"json": {"capital": "NaN"}}),
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"json": {"capital": "lots"}}),
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"json": {"capital": 1000, "mode": "yolo"}}),
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"json": {"capital": 1000, "symbols": ["../../etc"]}}),
    (
        "POST",
        f"/api/v1/strategies/{DEMO}/run",
        {"json": {"capital": 1000, "symbols": ["BTC/USDT:USDT"] * 11}},
    ),
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"json": {"capital": 1000, "exchange": LONG}}),
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"json": {"capital": 1000, "config_id": INJECTIONS[0]}}),
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"json": {"capital": 1000, "parameters": {"fast": LONG}}}),
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"json": {"capital": 1000, "bars_per_second": -5}}),
    ("POST", f"/api/v1/strategies/{DEMO}/run", {"json": {"capital": 1000, "owner": "admin"}}),
    ("POST", f"/api/v1/strategies/{LONG}/run", {"json": {"capital": 1000}}),
    ("POST", "/api/v1/strategies/..%2F..%2Fetc/run", {"json": {"capital": 1000}}),
    ("POST", "/api/v1/strategies/%F0%9F%92%A5/run", {"json": {"capital": 1000}}),
    ("GET", f"/api/v1/strategies/{DEMO}/instances?limit=-1", {}),
    ("GET", f"/api/v1/strategies/{DEMO}/instances?limit=1&limit=2", {}),
    ("GET", f"/api/v1/strategies/{DEMO}/instances/not-a-uuid", {}),
    ("POST", f"/api/v1/strategies/{DEMO}/instances/{INSTANCE}/stop", {}),
    ("POST", f"/api/v1/strategies/{DEMO}/instances/../../etc/pause", {}),
    ("POST", f"/api/v1/strategies/{DEMO}/instances/{LONG}/resume", {}),
    ("GET", f"/api/v1/strategies/{DEMO}/instances/{INSTANCE}/logs?limit=1e999", {}),
    ("GET", f"/api/v1/strategies/{DEMO}/instances/{INSTANCE}/logs?since=yesterday", {}),
]
STRATEGY_LEDGER: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/v1/strategies/pnl?limit=5", {}),
    ("GET", f"/api/v1/strategies/{DEMO}/trades?limit=-1", {}),
    ("GET", f"/api/v1/strategies/{DEMO}/trades?offset=-5", {}),
    ("GET", f"/api/v1/strategies/{DEMO}/trades?limit=1001", {}),
    ("GET", f"/api/v1/strategies/{DEMO}/trades?limit=10&limit=1000", {}),
    ("GET", f"/api/v1/strategies/{LONG}/trades", {}),
    ("GET", "/api/v1/strategies/%27%20OR%201%3D1%20--/trades", {}),
]
STRATEGIES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/v1/strategies?limit=-1", {}),
    ("GET", "/api/v1/strategies?offset=-1", {}),
    ("GET", "/api/v1/strategies?limit=99999999999999999999", {}),
    ("GET", "/api/v1/strategies?min_sharpe=1e999", {}),
    ("GET", "/api/v1/strategies?max_drawdown=NaN", {}),
    ("GET", f"/api/v1/strategies?search={LONG}", {}),
    ("GET", "/api/v1/strategies?stage=everything", {}),
    ("GET", "/api/v1/strategies?sort_by=__class__", {}),
    ("GET", "/api/v1/strategies?stage=prod&stage=dev", {}),
    *[("GET", f"/api/v1/strategies?exchange={value}", {}) for value in INJECTIONS],
    ("GET", f"/api/v1/strategies/{LONG}", {}),
    ("GET", f"/api/v1/strategies/{DEMO}/metrics?version=../../etc", {}),
]
STRATEGY_REGISTRATION: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/strategies", {"json": {"name": "../../etc", "version": "1.0.0"}}),
    ("POST", "/api/v1/strategies", {"json": {"name": LONG, "version": "1.0.0"}}),
    ("POST", "/api/v1/strategies", {"json": {"name": "💥", "version": "1.0.0"}}),
    ("POST", "/api/v1/strategies", {"json": {"name": "Fine", "version": INJECTIONS[1]}}),
    ("POST", "/api/v1/strategies", {"json": {"name": "Fine", "version": "1", "parameters": {LONG: 1}}}),
    ("POST", "/api/v1/strategies", {"json": {"name": "Fine", "version": "1", "pairs": ["💥/USDT"]}}),
    ("POST", "/api/v1/strategies", {"json": {"name": "Fine", "version": "1", "timeframe": "0m"}}),
    ("POST", "/api/v1/strategies", {"json": {"name": "Fine", "version": "1", "description": LONG}}),
    ("POST", "/api/v1/strategies", {"json": {"name": "Fine", "version": "1", "strategy_class": "os.system"}}),
]
CONFIGS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", f"/api/v1/configs/{LONG}", {}),
    ("GET", "/api/v1/configs/%F0%9F%92%A5", {}),
    ("GET", f"/api/v1/configs/{DEMO}/{LONG}", {}),
    ("POST", f"/api/v1/configs/{DEMO}/..%2F..%2Fetc/activate", {}),
    ("POST", f"/api/v1/configs/{DEMO}/%27%20OR%201%3D1%20--/deprecate", {}),
]
CONFIG_CREATION: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/configs", {"json": {"strategy_name": "../../etc", "config_data": {}}}),
    ("POST", "/api/v1/configs", {"json": {"strategy_name": DEMO, "config_data": {LONG: 1}}}),
    ("POST", "/api/v1/configs", {"json": {"strategy_name": DEMO, "config_data": {}, "description": LONG}}),
    ("POST", "/api/v1/configs", {"json": {"strategy_name": DEMO, "config_data": "rm -rf /"}}),
    ("POST", "/api/v1/configs", {"json": {"strategy_name": DEMO, "config_data": {}, "name": INJECTIONS[0]}}),
    (
        "POST",
        "/api/v1/configs",
        {"content": b'{"strategy_name": "' + b"x" * (1024 * 1024) + b'"}', "headers": JSON},
    ),
]
TRADING: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/v1/trading/orders?limit=-1", {}),
    ("GET", "/api/v1/trading/orders?limit=1001", {}),
    ("GET", "/api/v1/trading/orders?limit=1e999", {}),
    ("GET", "/api/v1/trading/orders?offset=-1", {}),
    ("GET", "/api/v1/trading/orders?status=EVERYTHING", {}),
    ("GET", "/api/v1/trading/orders?limit=1&limit=1000", {}),
    ("GET", f"/api/v1/trading/orders?strategy_name={LONG}", {}),
    ("GET", f"/api/v1/trading/orders?instrument_id={LONG}", {}),
    *[("GET", f"/api/v1/trading/orders?strategy_id={value}", {}) for value in INJECTIONS],
    ("GET", f"/api/v1/trading/orders/{LONG}", {}),
    ("GET", "/api/v1/trading/orders/%F0%9F%92%A5/fills", {}),
    ("GET", "/api/v1/trading/orders/..%2F..%2Fetc/deny-reason", {}),
    ("GET", "/api/v1/trading/fills?side=HOLD", {}),
    ("GET", "/api/v1/trading/fills?offset=99999999999999999999", {}),
    ("GET", "/api/v1/trading/fills/summary?strategy_id=../../etc", {}),
    ("GET", "/api/v1/trading/positions?status=everything", {}),
    ("GET", "/api/v1/trading/positions?limit=0", {}),
    ("GET", "/api/v1/trading/balance?strategy_id=%00", {}),
    ("GET", f"/api/v1/trading/summary?strategy_id={LONG}", {}),
    ("GET", "/api/v1/trading/audit?action=DROP", {}),
    ("GET", f"/api/v1/trading/audit?client_order_id={INJECTIONS[0]}", {}),
]
BUDGET: list[tuple[str, str, dict[str, Any]]] = [
    ("PUT", f"/api/v1/budget/{DEMO}/USDT", {"json": {"allocated": -1}}),
    ("PUT", f"/api/v1/budget/{DEMO}/USDT", {"json": {"allocated": "NaN"}}),
    ("PUT", f"/api/v1/budget/{DEMO}/USDT", {"content": b'{"allocated": 1e999}', "headers": JSON}),
    ("PUT", f"/api/v1/budget/{DEMO}/USDT", {"json": {"allocated": 1e13}}),
    ("PUT", f"/api/v1/budget/{DEMO}/USDT", {"json": {"allocated": "a lot"}}),
    ("PUT", f"/api/v1/budget/{DEMO}/USDT", {"json": {"allocated": 5, "reserved": -100}}),
    ("PUT", f"/api/v1/budget/{DEMO}/usdt", {"json": {"allocated": 5}}),
    ("PUT", f"/api/v1/budget/{DEMO}/..%2F..", {"json": {"allocated": 5}}),
    ("PUT", f"/api/v1/budget/{LONG}/USDT", {"json": {"allocated": 5}}),
    ("PUT", "/api/v1/budget/%F0%9F%92%A5/USDT", {"json": {"allocated": 5}}),
    ("DELETE", f"/api/v1/budget/{DEMO}/{LONG}", {}),
    ("DELETE", "/api/v1/budget/%27%20OR%201%3D1%20--/USDT", {}),
    ("GET", f"/api/v1/budget/{LONG}", {}),
    ("GET", "/api/v1/budget/..%2F..%2Fetc/pnl/realized", {}),
]
PROMOTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", f"/api/v1/strategies/{DEMO}/stage", {"json": {}}),
    ("POST", f"/api/v1/strategies/{DEMO}/stage", {"json": {"version": "../../etc"}}),
    ("POST", f"/api/v1/strategies/{DEMO}/stage", {"json": {"version": LONG}}),
    ("POST", f"/api/v1/strategies/{DEMO}/promote", {"json": {"version": INJECTIONS[0]}}),
    ("POST", f"/api/v1/strategies/{DEMO}/promote", {"json": {"version": "2.0.0", "force": "maybe"}}),
    ("POST", f"/api/v1/strategies/{LONG}/promote", {"json": {"version": "2.0.0"}}),
]
MODELS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", f"/api/v1/models/{LONG}", {}),
    ("GET", "/api/v1/models/..%2F..%2Fetc/versions", {}),
    ("GET", f"/api/v1/models/{DEMO}/versions?include_archived=perhaps", {}),
    ("GET", f"/api/v1/models/{DEMO}/versions?include_archived=true&include_archived=false", {}),
    ("POST", f"/api/v1/models/{DEMO}/rollback", {"json": {"version": "../../etc"}}),
    ("POST", f"/api/v1/models/{DEMO}/rollback", {"json": {"version": LONG}}),
    ("POST", "/api/v1/models/%F0%9F%92%A5/rollback", {"json": {}}),
    ("GET", f"/api/v1/mlflow/models/{INJECTIONS[2]}", {}),
    ("GET", f"/api/v1/mlflow/models/{LONG}", {}),
]
AB_TESTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "POST",
        f"/api/v1/strategies/{DEMO}/ab-test",
        {"json": {"challenger_version": "2.0.0", "traffic_split": 1.5}},
    ),
    (
        "POST",
        f"/api/v1/strategies/{DEMO}/ab-test",
        {"json": {"challenger_version": "2.0.0", "traffic_split": -1}},
    ),
    (
        "POST",
        f"/api/v1/strategies/{DEMO}/ab-test",
        {"json": {"challenger_version": "2.0.0", "traffic_split": "NaN"}},
    ),
    (
        "POST",
        f"/api/v1/strategies/{DEMO}/ab-test",
        {"content": b'{"challenger_version": "2.0.0", "min_trades": 1e999}', "headers": JSON},
    ),
    ("POST", f"/api/v1/strategies/{DEMO}/ab-test", {"json": {"challenger_version": INJECTIONS[1]}}),
    ("POST", f"/api/v1/strategies/{LONG}/ab-test", {"json": {"challenger_version": "2.0.0"}}),
    ("DELETE", f"/api/v1/strategies/{LONG}/ab-test", {}),
    ("GET", "/api/v1/strategies/%F0%9F%92%A5/routing-info", {}),
]
CATALOG: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/v1/catalog/strategies?limit=-1", {}),
    ("GET", "/api/v1/catalog/strategies?sort_by=1;DROP", {}),
    ("GET", f"/api/v1/catalog/strategies?search={INJECTIONS[0]}&search=x", {}),
    ("GET", "/api/v1/catalog/leaderboard?offset=-1", {}),
    ("GET", "/api/v1/catalog/leaderboard?limit=1e999", {}),
    ("GET", f"/api/v1/catalog/strategies/{DEMO}/compare?version_a=../../etc&version_b=2.0.0", {}),
    ("GET", f"/api/v1/catalog/strategies/{DEMO}/compare?version_a={LONG}&version_b=2.0.0", {}),
    ("GET", f"/api/v1/catalog/strategies/{DEMO}/compare?version_a=2.0.0", {}),
    ("GET", "/api/v1/catalog/strategies/%F0%9F%92%A5/performance", {}),
]
CATALOG_DETAIL: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", f"/api/v1/catalog/strategies/{LONG}", {}),
]
HOSTILE_REQUESTS = {
    "backtests": BACKTESTS,
    "backtest_submission": BACKTEST_SUBMISSION,
    "backtest_results": BACKTEST_RESULTS,
    "ws": WS_TICKETS,
    "data": DATA,
    "instances": INSTANCES,
    "strategy_ledger": STRATEGY_LEDGER,
    "strategies": STRATEGIES,
    "strategy_registration": STRATEGY_REGISTRATION,
    "configs": CONFIGS,
    "config_creation": CONFIG_CREATION,
    "trading": TRADING,
    "budget": BUDGET,
    "promotions": PROMOTIONS,
    "models": MODELS,
    "ab_tests": AB_TESTS,
    "catalog": CATALOG,
    "catalog_detail": CATALOG_DETAIL,
}
CASES = [
    pytest.param(method, url, kwargs, id=f"{family}-{index}")
    for family, requests in HOSTILE_REQUESTS.items()
    for index, (method, url, kwargs) in enumerate(requests)
]


@pytest.mark.parametrize(("method", "url", "kwargs"), CASES)
def test_given_hostile_input_when_sent_then_4xx_with_code_and_nothing_stored(
    client: TestClient, container: Container, method: str, url: str, kwargs: dict[str, Any]
) -> None:
    # Given
    before = everything_stored(container)

    # When
    response = client.request(method, url, **kwargs)

    # Then
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) == {"detail", "code", "timestamp"}
    assert everything_stored(container) == before


HOSTILE_TICKETS = ["", LONG, INJECTIONS[0], "%00", "%F0%9F%92%A5", "../../etc/passwd", "a&ticket=b"]


@pytest.mark.parametrize("ticket", HOSTILE_TICKETS)
def test_given_hostile_ticket_when_watching_a_job_then_closed_1008_and_nothing_stored(
    client: TestClient, container: Container, ticket: str
) -> None:
    # Given
    before = everything_stored(container)

    # When
    with (
        client.websocket_connect(f"/ws/backtests/{JOB}?ticket={ticket}") as socket,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        socket.receive_json()

    # Then: a policy violation, and no ticket was made or used up
    assert closed.value.code == 1008
    assert everything_stored(container) == before


def test_given_the_app_when_its_route_families_listed_then_each_has_hostile_requests(
    client: TestClient,
) -> None:
    # Given: the families the auth matrix reads from the app (health takes no input)
    families = {op.family for op in operations_of(client.app)} - {"health"}  # type: ignore[arg-type]

    # Then: a family added later must bring its hostile requests
    assert families <= set(HOSTILE_REQUESTS)
