"""`/api/v1/strategies`: register, list with filters, detail by config or strategy name, metrics, status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from tests.fakes import strategy_instance
from tests.unit.lifecycle.conftest import LIFECYCLE_ROUTERS, T0, register
from tradai.api.app import create_app
from tradai.bootstrap import Container
from tradai.domain.instances import InstanceStatus
from tradai.domain.jobs import BacktestJob
from tradai.services.demo_strategies import ensure_demo_strategy
from tradai.services.instance_repository import InstanceRepository


def test_given_new_version_when_registered_then_201_with_class_defaults(client: TestClient) -> None:
    # When
    body = register(client, "TrendFollower", strategy_class="sma_cross", parameters={"fast": 12})

    # Then
    assert body["name"] == "TrendFollower"
    assert body["strategy_class"] == "sma_cross"
    assert body["stage"] == "dev"
    assert body["parameters"]["fast"] == 12
    assert "slow" in body["parameters"]  # the class's default filled in
    assert body["metrics"] is None


def test_given_registered_version_when_registered_again_then_409(client: TestClient) -> None:
    register(client, "sma_cross")
    response = client.post("/api/v1/strategies", json={"name": "sma_cross", "version": "1.0.0"})
    assert response.status_code == 409
    assert response.json()["code"] == "STRATEGY_VERSION_EXISTS"


def test_given_bad_class_or_parameter_when_registered_then_refused_naming_it(client: TestClient) -> None:
    unknown = client.post("/api/v1/strategies", json={"name": "X", "version": "1", "strategy_class": "nope"})
    bad = client.post(
        "/api/v1/strategies", json={"name": "sma_cross", "version": "1", "parameters": {"fastt": 3}}
    )
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "UNKNOWN_STRATEGY"
    assert bad.status_code == 422
    assert "fastt" in bad.json()["detail"]


def test_given_versions_with_backtests_when_listed_by_sharpe_then_ranked_and_paged(
    client: TestClient, completed_backtest: Callable[..., BacktestJob]
) -> None:
    # Given: three strategies, two backtested
    register(client, "sma_cross", description="trend")
    register(client, "RsiReversion", strategy_class="rsi_reversion")
    register(client, "BollingerBreakout", strategy_class="bollinger_breakout")
    completed_backtest(
        "sma_cross", "1.0.0", sharpe_ratio=1.5, total_return=0.2, max_drawdown=-0.1, trades_count=40
    )
    completed_backtest(
        "RsiReversion", "1.0.0", sharpe_ratio=0.7, total_return=0.1, max_drawdown=-0.3, trades_count=9
    )

    # When
    ranked = client.get("/api/v1/strategies", params={"sort_by": "sharpe", "sort_order": "desc"}).json()
    page = client.get(
        "/api/v1/strategies", params={"sort_by": "sharpe", "sort_order": "desc", "limit": 1, "offset": 1}
    )
    good = client.get("/api/v1/strategies", params={"min_sharpe": 1.0}).json()
    shallow = client.get("/api/v1/strategies", params={"max_drawdown": 0.2}).json()
    searched = client.get("/api/v1/strategies", params={"search": "TREND"}).json()

    # Then: metrics come from the backtests; the unbacktested version sorts last
    assert [s["name"] for s in ranked["strategies"]] == ["sma_cross", "RsiReversion", "BollingerBreakout"]
    assert ranked["strategies"][0]["metrics"]["trades"] == 40
    assert ranked["strategies"][2]["metrics"] is None
    assert page.json() | {"strategies": None} == {"strategies": None, "total": 3, "limit": 1, "offset": 1}
    assert page.json()["strategies"][0]["name"] == "RsiReversion"
    assert [s["name"] for s in good["strategies"]] == ["sma_cross"]
    assert [s["name"] for s in shallow["strategies"]] == ["sma_cross"]
    assert [s["name"] for s in searched["strategies"]] == ["sma_cross"]


def test_given_filters_when_listed_then_stage_timeframe_exchange_apply(client: TestClient) -> None:
    register(client, "sma_cross", timeframe="4h")
    register(client, "RsiReversion", strategy_class="rsi_reversion")
    assert client.get("/api/v1/strategies", params={"timeframe": "4h"}).json()["total"] == 1
    assert client.get("/api/v1/strategies", params={"stage": "dev"}).json()["total"] == 2
    assert client.get("/api/v1/strategies", params={"stage": "prod"}).json()["total"] == 0
    assert client.get("/api/v1/strategies", params={"exchange": "kraken"}).json()["total"] == 0


def test_given_bad_query_when_listed_then_422(client: TestClient) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"sort_by": "alpha"}, {"stage": "qa"}, {"stagee": "dev"}):
        response = client.get("/api/v1/strategies", params=params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "VALIDATION_ERROR"


def test_given_demo_strategy_when_read_by_config_name_then_seed_shape(
    client: TestClient, container: Container
) -> None:
    # Given
    assert container.strategies is not None
    ensure_demo_strategy(store=container.store, catalog=container.strategies, now=T0)

    # When
    by_config = client.get("/api/v1/strategies/pascal-v2")
    by_name = client.get("/api/v1/strategies/PascalStrategy")
    folded = client.get("/api/v1/strategies/pascalstrategy")

    # Then
    assert by_config.status_code == 200
    body = by_config.json()
    assert (body["name"], body["version"], body["timeframe"], body["pairs"]) == (
        "PascalStrategy",
        "2.0.0",
        "1h",
        ["BTC/USDT:USDT"],
    )
    assert body["config_name"] == "pascal-v2"
    assert by_name.json()["config_name"] == "pascal-v2"  # the active config
    assert folded.status_code == 200


def test_given_demo_already_there_when_ensured_again_then_nothing_written(container: Container) -> None:
    assert container.strategies is not None
    assert ensure_demo_strategy(store=container.store, catalog=container.strategies, now=T0)
    assert not ensure_demo_strategy(store=container.store, catalog=container.strategies, now=T0)


def test_given_unknown_name_when_read_then_404_everywhere(client: TestClient) -> None:
    for path in (
        "/api/v1/strategies/nope",
        "/api/v1/strategies/nope/metrics",
        "/api/v1/strategies/nope/status",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "STRATEGY_NOT_FOUND"


def test_given_two_backtests_when_metrics_read_then_latest_completed_counts(
    client: TestClient, completed_backtest: Callable[..., BacktestJob]
) -> None:
    # Given: two runs of 1.0.0, and a newer run of 0.9.0 (same class and code, other parameters)
    register(client, "sma_cross")
    register(client, "sma_cross", "0.9.0", parameters={"fast": 5})
    completed_backtest("sma_cross", "1.0.0", minutes=0, sharpe_ratio=0.5, trades_count=5)
    latest = completed_backtest("sma_cross", "1.0.0", minutes=30, sharpe_ratio=1.1, trades_count=12)
    completed_backtest("sma_cross", "0.9.0", minutes=60, sharpe_ratio=9.0, trades_count=1)

    # When
    body = client.get("/api/v1/strategies/sma_cross/metrics", params={"version": "1.0.0"}).json()

    # Then
    assert body["backtest_job_id"] == latest.job_id
    assert body["metrics"]["sharpe_ratio"] == 1.1
    assert body["metrics"]["trades"] == 12


def test_given_unknown_version_when_metrics_read_then_404(client: TestClient) -> None:
    register(client, "sma_cross")
    assert client.get("/api/v1/strategies/sma_cross/metrics", params={"version": "9.9"}).status_code == 404


def test_given_strategy_when_status_read_then_stage_versions_and_last_backtest(
    client: TestClient, completed_backtest: Callable[..., BacktestJob]
) -> None:
    register(client, "sma_cross")
    register(client, "sma_cross", "1.1.0")
    job = completed_backtest("sma_cross", "1.1.0", sharpe_ratio=1.0, trades_count=3)

    body = client.get("/api/v1/strategies/sma_cross/status").json()

    assert body["stage"] == "dev"
    assert body["champion_version"] is None
    assert [v["version"] for v in body["versions"]] == ["1.0.0", "1.1.0"]
    assert body["last_backtest"]["job_id"] == job.job_id
    assert body["running_instances"] == 0


def test_given_live_and_ended_instances_when_status_read_then_only_live_ones_count(
    client: TestClient, container: Container
) -> None:
    # Given: one running, one stopped instance of sma_cross
    register(client, "sma_cross")
    instances = InstanceRepository(container.store)
    instances.create(strategy_instance(instance_id="i-1", status=InstanceStatus.RUNNING))
    instances.create(strategy_instance(instance_id="i-2", status=InstanceStatus.STOPPED))

    # When
    body = client.get("/api/v1/strategies/sma_cross/status").json()

    # Then
    assert body["running_instances"] == 1


def test_given_sibling_pnl_route_mounted_after_when_requested_then_not_shadowed(container: Container) -> None:
    # Given: another group's fixed route under /api/v1/strategies, mounted after this one
    pnl = APIRouter(prefix="/api/v1/strategies")

    @pnl.get("/pnl")
    def strategies_pnl() -> dict[str, Any]:
        return {"pnl": 0}

    app = create_app(routers=[*LIFECYCLE_ROUTERS, pnl], settings=container.settings, container=container)

    # When
    with TestClient(app) as client:
        response = client.get("/api/v1/strategies/pnl")

    # Then
    assert response.status_code == 200
    assert response.json() == {"pnl": 0}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "POST",
            "/api/v1/strategies",
            {"name": "TrendFollower", "version": "1.0.0", "pairs": ["BTC/USDT:USDT"]},
        ),
        ("POST", "/api/v1/configs", {"strategy_name": "sma_cross", "config_data": {}}),
        ("POST", "/api/v1/strategies/sma_cross/stage", {"version": "1.0.0"}),
        ("GET", "/api/v1/catalog/strategies/sma_cross", None),
    ],
)
def test_given_runtime_without_strategies_when_route_needs_them_then_503_in_error_shape(
    client: TestClient, container: Container, method: str, path: str, body: dict[str, Any] | None
) -> None:
    # Given a container built without the engine's catalog
    container.strategies = None

    # When
    response = client.request(method, path, json=body)

    # Then
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "SERVICE_UNAVAILABLE"
