"""`/api/v1/strategies/pnl` and `/api/v1/strategies/{id}/trades` (bugs B4 and B6 of seed 000)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.unit.trading.conftest import intent
from tradai.api.local import ROUTERS
from tradai.api.routers import strategies, strategy_ledger
from tradai.bootstrap import Container
from tradai.domain.clock import utc_now
from tradai.domain.orders import Side
from tradai.services.demo_strategies import ensure_demo_strategy
from tradai.services.order_pipeline import OrderPipeline


def test_given_strategy_without_config_when_pnl_listed_then_listed_with_reason_not_503(
    client: TestClient, pipeline: OrderPipeline
) -> None:
    # Given: a strategy that traded but whose config is registered nowhere (bug B4)
    pipeline.budgets.allocate("ghost", "USDT", 1000)
    pipeline.submit(intent(Side.BUY, 1, price=100, strategy_id="ghost", strategy_name="GhostStrategy"))
    pipeline.submit(intent(Side.SELL, 1, price=130, strategy_id="ghost", strategy_name="GhostStrategy"))

    # When
    response = client.get("/api/v1/strategies/pnl")

    # Then
    assert response.status_code == 200
    (ghost,) = response.json()["strategies"]
    assert (ghost["strategy_id"], ghost["config_found"]) == ("ghost", False)
    assert "config not found" in ghost["reason"]
    (usdt,) = ghost["currencies"]
    assert usdt["realized_pnl"] == pytest.approx(30)
    assert usdt["net_pnl"] == pytest.approx(30 - 0.1 - 0.13)


def test_given_demo_strategy_config_when_pnl_listed_then_config_found(
    client: TestClient, container: Container, pipeline: OrderPipeline
) -> None:
    # Given: the registered demo config (seed 000's pascal-v2) is the strategy id
    assert container.strategies is not None
    ensure_demo_strategy(store=container.store, catalog=container.strategies, now=utc_now())
    pipeline.budgets.allocate("pascal-v2", "USDT", 1000)

    # When
    (row,) = client.get("/api/v1/strategies/pnl").json()["strategies"]

    # Then
    assert (row["strategy_id"], row["config_found"], row["reason"]) == ("pascal-v2", True, None)


def test_given_open_and_closed_trades_when_listed_then_both_from_the_strategy_partition(
    client: TestClient, pipeline: OrderPipeline
) -> None:
    # Given: one closed BTC trade, then an open ETH one (bug B6: the query must use the table's keys)
    pipeline.budgets.allocate("s1", "USDT", 1000)
    pipeline.submit(intent(Side.BUY, 1, price=100, tag="enter"))
    pipeline.submit(intent(Side.SELL, 1, price=90, tag="stop"))
    pipeline.submit(intent(Side.BUY, 1, price=200, symbol="ETH/USDT:USDT"))

    # When
    body = client.get("/api/v1/strategies/s1/trades").json()

    # Then
    assert [(trade["symbol"], trade["status"]) for trade in body["trades"]] == [
        ("ETH/USDT:USDT", "OPEN"),
        ("BTC/USDT:USDT", "CLOSED"),
    ]
    closed = body["trades"][1]
    assert (closed["side"], closed["entry_price"], closed["exit_price"], closed["exit_tag"]) == (
        "long",
        100,
        90,
        "stop",
    )
    assert closed["pnl"] == pytest.approx(-10)


def test_given_unknown_strategy_when_trades_listed_then_empty_not_an_error(client: TestClient) -> None:
    # When
    response = client.get("/api/v1/strategies/never-traded/trades")

    # Then
    assert (response.status_code, response.json()["trades"]) == (200, [])


def test_given_local_app_when_pnl_requested_then_the_ledger_route_answers_not_config_lookup(
    client: TestClient,
) -> None:
    # When
    response = client.get("/api/v1/strategies/pnl")

    # Then: the P&L list, not a strategy named "pnl" (fixed path first in ROUTERS)
    assert response.status_code == 200
    assert set(response.json()) == {"strategies", "count"}
    assert ROUTERS.index(strategy_ledger.router) < ROUTERS.index(strategies.router)
