"""The trading ledger reads the same on SQLite and DynamoDB: every list uses the table's real keys
and indexes (bug B6 of seed 000 was a query whose key did not match the table's schema)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tradai.adapters.paper_broker import PaperBroker
from tradai.domain.orders import AuditAction, DenyReason, OrderIntent, OrderStatus, PositionStatus, Side
from tradai.ports import DocumentStore
from tradai.services.order_pipeline import OrderPipeline
from tradai.services.trading_ledger import TradingLedger

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _intent(
    strategy: str, side: Side, quantity: float, price: float, minute: int, symbol: str
) -> OrderIntent:
    return OrderIntent(
        strategy_id=strategy,
        strategy_name=f"{strategy}-name",
        instance_id="i1",
        symbol=symbol,
        side=side,
        quantity=quantity,
        reference_price=price,
        client_order_id=f"{strategy}-{minute}",
        created_at=T0 + timedelta(minutes=minute),
    )


@pytest.fixture
def ledger(store: DocumentStore) -> TradingLedger:
    """Two strategies: a closes a BTC trade and holds ETH, one order denied; b holds BTC."""
    pipeline = OrderPipeline(store=store, broker=PaperBroker(fee_rate=0.001))
    pipeline.budgets.allocate("a", "USDT", 1000)
    pipeline.budgets.allocate("b", "USDT", 1000)
    for args in [
        ("a", Side.BUY, 1, 100, 1, "BTC/USDT:USDT"),
        ("b", Side.BUY, 2, 100, 2, "BTC/USDT:USDT"),
        ("a", Side.SELL, 1, 120, 3, "BTC/USDT:USDT"),
        ("a", Side.BUY, 1, 200, 4, "ETH/USDT:USDT"),
        ("a", Side.BUY, 50, 200, 5, "ETH/USDT:USDT"),
    ]:
        pipeline.submit(_intent(*args))
    return TradingLedger(store)


def test_given_orders_when_listed_per_strategy_and_all_then_same_on_every_store(
    ledger: TradingLedger,
) -> None:
    # When
    of_a = [order.client_order_id for order in ledger.orders(strategy_id="a").items]
    everything = [order.client_order_id for order in ledger.orders().items]
    denied = [order.client_order_id for order in ledger.orders(status=OrderStatus.DENIED).items]

    # Then
    assert of_a == ["a-5", "a-4", "a-3", "a-1"]
    assert everything == ["a-5", "a-4", "a-3", "b-2", "a-1"]
    assert denied == ["a-5"]
    assert [fill.price for fill in ledger.order_fills("a-3")] == [120]


def test_given_trades_when_read_then_open_and_closed_from_the_strategy_partition(
    ledger: TradingLedger,
) -> None:
    # When
    trades = ledger.trades("a").items
    open_everywhere = ledger.positions(status=PositionStatus.OPEN).items
    closed_of_a = ledger.positions(status=PositionStatus.CLOSED, strategy_id="a").items

    # Then
    assert [(trade.symbol, trade.status) for trade in trades] == [
        ("ETH/USDT:USDT", PositionStatus.OPEN),
        ("BTC/USDT:USDT", PositionStatus.CLOSED),
    ]
    assert sorted((position.strategy_id, position.symbol) for position in open_everywhere) == [
        ("a", "ETH/USDT:USDT"),
        ("b", "BTC/USDT:USDT"),
    ]
    assert [position.realized_pnl for position in closed_of_a] == [pytest.approx(20)]


def test_given_trading_when_counted_and_audited_then_same_on_every_store(ledger: TradingLedger) -> None:
    # When
    counts = ledger.counts()
    denials = ledger.audit(strategy_id="a", action=AuditAction.ORDER_DENIED).items
    totals = ledger.fill_totals(strategy_id="a")

    # Then
    assert (counts.signals, counts.orders, counts.denied, counts.fills, counts.strategies) == (5, 4, 1, 4, 2)
    assert [entry.client_order_id for entry in denials] == ["a-5"]
    assert (totals.fills, totals.buys, totals.sells) == (3, 2, 1)
    assert ledger.open_position_count() == 2
    assert [budget.strategy_id for budget in ledger.balances()] == ["a", "b"]


def test_given_no_budget_or_too_little_when_ordered_then_same_deny_reasons_on_every_store(
    store: DocumentStore,
) -> None:
    # Given
    pipeline = OrderPipeline(store=store, broker=PaperBroker())
    pipeline.budgets.allocate("small", "USDT", 50)

    # When
    without = pipeline.submit(_intent("nobudget", Side.BUY, 1, 100, 1, "BTC/USDT:USDT"))
    too_big = pipeline.submit(_intent("small", Side.BUY, 1, 100, 2, "BTC/USDT:USDT"))

    # Then
    assert without.deny_reason is DenyReason.NO_BUDGET
    assert too_big.deny_reason is DenyReason.INSUFFICIENT_BUDGET
    assert pipeline.budgets.get("small", "USDT").available == 50


class CountingReads:
    """The store, counting the records its queries return (what a list had to read)."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store
        self.read = 0

    def query(self, *args: Any, **kwargs: Any) -> Any:
        page = self._store.query(*args, **kwargs)
        self.read += len(page.records)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_given_many_filled_orders_when_listed_by_status_then_one_keyed_query_reads_only_those(
    store: DocumentStore,
) -> None:
    # Given twelve filled orders and one denied, of one strategy
    pipeline = OrderPipeline(store=store, broker=PaperBroker(fee_rate=0.0))
    pipeline.budgets.allocate("many", "USDT", 100)
    for minute in range(12):
        pipeline.submit(
            _intent("many", Side.BUY if minute % 2 == 0 else Side.SELL, 1, 50, minute, "BTC/USDT:USDT")
        )
    pipeline.submit(_intent("many", Side.BUY, 5, 50, 20, "BTC/USDT:USDT"))
    counting = CountingReads(store)
    ledger = TradingLedger(counting)  # type: ignore[arg-type]

    # When
    denied = ledger.orders(strategy_id="many", status=OrderStatus.DENIED).items
    denied_everywhere = ledger.orders(status=OrderStatus.DENIED).items
    filled = ledger.orders(strategy_id="many", status=OrderStatus.FILLED, limit=1000).items

    # Then: each read its status's own records, not the strategy's other orders
    assert [order.client_order_id for order in denied] == ["many-20"]
    assert [order.client_order_id for order in denied_everywhere] == ["many-20"]
    assert [order.status for order in filled] == [OrderStatus.FILLED] * 12
    assert counting.read == 1 + 1 + 12
    assert filled[0].filled_quantity == 1
