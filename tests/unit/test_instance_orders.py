"""An instance's decisions through the real order pipeline (SQLite store, paper broker)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fakes import strategy_instance
from tradai.adapters.paper_broker import PaperBroker
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.services.instance_parts import PipelineOrders, client_order_id
from tradai.services.order_pipeline import OrderPipeline
from tradai.services.signal_trader import TradeDecision

BTC = "BTC/USDT:USDT"
INSTANCE = strategy_instance(instance_id="4d7c0a52-1111-4222-8333-444455556666")


def decision(
    side: str = "BUY", quantity: float = 0.5, hour: int = 0, signal: str = "enter_long"
) -> TradeDecision:
    return TradeDecision(
        symbol=BTC,
        side=side,  # type: ignore[arg-type]
        quantity=quantity,
        price=1000.0,
        signal=signal,  # type: ignore[arg-type]
        time=datetime(2024, 3, 1, hour, tzinfo=UTC),
        confidence=0.7,
    )


@pytest.fixture
def store(tmp_path: Path) -> SqliteDocumentStore:
    return SqliteDocumentStore(tmp_path / "store.sqlite3")


@pytest.fixture
def pipeline(store: SqliteDocumentStore) -> OrderPipeline:
    return OrderPipeline(store=store, broker=PaperBroker(fee_rate=0.001, prices=lambda _: 1000.0))


def test_given_new_strategy_when_orders_built_then_budget_allocated_at_instance_capital(
    pipeline: OrderPipeline, store: SqliteDocumentStore
) -> None:
    # When
    PipelineOrders(pipeline, INSTANCE, store=store)

    # Then
    budget = pipeline.budgets.get("sma_cross", "USDT")
    assert budget.allocated_units == 1000 * 100_000_000


def test_given_budget_when_entries_exceed_it_then_first_fills_and_next_denied_with_reason(
    pipeline: OrderPipeline, store: SqliteDocumentStore
) -> None:
    # Given
    orders = PipelineOrders(pipeline, INSTANCE, store=store)

    # When: 500 USDT fits the 1000 budget; another 600 does not while the first position is open
    first = orders.submit(decision(quantity=0.5), INSTANCE)
    second = orders.submit(decision(quantity=0.6, hour=1), INSTANCE)

    # Then
    assert (first.filled_quantity, first.denied) == (pytest.approx(0.5), False)
    assert second.denied
    assert second.filled_quantity == 0
    assert str(second.detail).startswith("INSUFFICIENT_BUDGET")


def test_given_same_bar_and_signal_when_sent_twice_then_traded_once(
    pipeline: OrderPipeline, store: SqliteDocumentStore
) -> None:
    # Given
    orders = PipelineOrders(pipeline, INSTANCE, store=store)

    # When
    orders.submit(decision(quantity=0.5), INSTANCE)
    again = orders.submit(decision(quantity=0.5), INSTANCE)

    # Then: the stored outcome comes back; the budget holds one position's cost
    assert again.filled_quantity == pytest.approx(0.5)
    budget = pipeline.budgets.get("sma_cross", "USDT")
    assert budget.committed_units == pytest.approx(500 * 100_000_000, rel=0.01)


def test_given_decision_when_id_made_then_valid_and_names_instance_market_bar_signal() -> None:
    assert client_order_id(INSTANCE.instance_id, decision()) == (
        "4d7c0a52-1111-4222-8333-444455556666-BTCUSDT-1709251200-enter_long"
    )


def test_given_open_position_when_exit_fills_then_the_trade_feeds_the_strategy_performance(
    store: SqliteDocumentStore,
) -> None:
    # Given a long entered at 1000
    from tradai.services.trade_records import trades_of

    price = [1000.0]
    pipeline = OrderPipeline(store=store, broker=PaperBroker(fee_rate=0.0, prices=lambda _: price[0]))
    orders = PipelineOrders(pipeline, INSTANCE, store=store)
    orders.submit(decision(quantity=0.5), INSTANCE)

    # When it is sold at 1100
    price[0] = 1100.0
    orders.submit(decision(side="SELL", quantity=0.5, hour=5, signal="exit_long"), INSTANCE)

    # Then one closed trade of +10% is recorded for the instance's version
    trades = trades_of(store=store, strategy_name="sma_cross")
    assert [(trade.version, trade.mode) for trade in trades] == [("1.0.0", "dry_run")]
    assert trades[0].return_pct == pytest.approx(10.0)
