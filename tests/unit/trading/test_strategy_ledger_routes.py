"""`/api/v1/strategies/pnl` and `/api/v1/strategies/{id}/trades` (bugs B4 and B6: tests/regressions)."""

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


def test_given_open_positions_when_pnl_listed_then_marked_to_their_instance_last_price(
    client: TestClient, container: Container, pipeline: OrderPipeline
) -> None:
    # Given: a closed trade (+30), an open long of 2 at 100 whose instance last saw 120, and an
    # open ETH long whose instance never recorded an ETH price
    from datetime import UTC, datetime

    from tests.fakes import strategy_instance
    from tradai.domain.instances import InstanceStats
    from tradai.services.instance_repository import InstanceRepository

    seen = datetime(2026, 3, 1, 13, tzinfo=UTC)
    InstanceRepository(container.store).create(
        strategy_instance(
            instance_id="i1", stats=InstanceStats(last_bar_time=seen, last_prices={"BTC/USDT:USDT": 120.0})
        )
    )
    pipeline.budgets.allocate("s1", "USDT", 1000)
    pipeline.submit(intent(Side.BUY, 1, price=100))
    pipeline.submit(intent(Side.SELL, 1, price=130))
    pipeline.submit(intent(Side.BUY, 2, price=100))
    pipeline.submit(intent(Side.BUY, 1, price=50, symbol="ETH/USDT:USDT"))

    # When
    (row,) = client.get("/api/v1/strategies/pnl").json()["strategies"]

    # Then: unrealized (120 - 100) x 2 on BTC; ETH has no price to be marked at
    (usdt,) = row["currencies"]
    fees = 0.1 + 0.13 + 0.2 + 0.05
    assert row["open_positions"] == 2
    assert usdt["realized_pnl"] == pytest.approx(30)
    assert usdt["unrealized_pnl"] == pytest.approx(40)
    assert usdt["total_pnl"] == pytest.approx(30 + 40 - fees)
    assert (usdt["unpriced_positions"], usdt["marked_at"]) == (1, "2026-03-01T13:00:00Z")


def test_given_short_position_when_price_falls_then_unrealized_gain() -> None:
    # Given a short of 2 entered at 100
    from tests.unit.trading.conftest import T0
    from tradai.domain.orders import Position, PositionSide
    from tradai.services.strategy_pnl import unrealized_pnl

    short = Position(
        position_id="p",
        strategy_id="s1",
        instance_id="i1",
        symbol="BTC/USDT:USDT",
        instrument_id="BTCUSDT.BINANCE",
        currency="USDT",
        side=PositionSide.SHORT,
        quantity=2,
        entry_price=100,
        cost_units=0,
        opened_at=T0,
        updated_at=T0,
    )

    # When / Then
    assert unrealized_pnl(short, 90) == pytest.approx(20)
    assert unrealized_pnl(short, 110) == pytest.approx(-20)
