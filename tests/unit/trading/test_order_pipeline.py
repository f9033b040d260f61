"""The order pipeline: budget check, broker, fills, positions, P&L, fees and the audit trail."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.unit.trading.conftest import intent
from tradai.adapters.paper_broker import PaperBroker
from tradai.domain.orders import (
    DenyReason,
    Execution,
    Order,
    OrderStatus,
    PositionSide,
    PositionStatus,
    Side,
    from_units,
)
from tradai.ports import DocumentStore
from tradai.services.budgets import BudgetBook
from tradai.services.order_pipeline import OrderPipeline
from tradai.services.trading_ledger import TradingLedger


def test_given_budget_when_buy_then_filled_position_opened_and_capital_committed(
    pipeline: OrderPipeline,
) -> None:
    # Given
    pipeline.budgets.allocate("s1", "USDT", 1000)

    # When
    outcome = pipeline.submit(intent(Side.BUY, 2, price=100))

    # Then: the position holds its entry cost and entry fee
    assert outcome.order.status is OrderStatus.FILLED
    assert [(fill.quantity, fill.price) for fill in outcome.fills] == [(2, 100)]
    assert outcome.order.fees == pytest.approx(0.2)
    (position,) = outcome.positions
    assert (position.side, position.quantity, position.entry_price) == (PositionSide.LONG, 2, 100)
    budget = pipeline.budgets.get("s1", "USDT")
    assert (
        budget.reserved_units,
        from_units(budget.committed_units),
        from_units(budget.available_units),
    ) == (
        0,
        200.2,
        799.8,
    )
    assert from_units(budget.total_fees_units) == pytest.approx(0.2)


def test_given_open_long_when_sold_higher_then_closed_with_realized_pnl(pipeline: OrderPipeline) -> None:
    # Given
    pipeline.budgets.allocate("s1", "USDT", 1000)
    pipeline.submit(intent(Side.BUY, 2, price=100, tag="enter_long"))

    # When
    outcome = pipeline.submit(intent(Side.SELL, 2, price=110, tag="exit_long"))

    # Then
    assert outcome.order.status is OrderStatus.FILLED
    assert outcome.order.realized_pnl == pytest.approx(20)
    (closed,) = outcome.positions
    assert (closed.status, closed.exit_price, closed.entry_tag, closed.exit_tag) == (
        PositionStatus.CLOSED,
        110,
        "enter_long",
        "exit_long",
    )
    budget = pipeline.budgets.get("s1", "USDT")
    assert (budget.committed_units, from_units(budget.available_units)) == (0, 1000)
    assert from_units(budget.realized_pnl_units) == pytest.approx(20)


def test_given_small_budget_when_order_exceeds_it_then_denied_with_reason_and_nothing_reserved(
    pipeline: OrderPipeline,
) -> None:
    # Given
    pipeline.budgets.allocate("s1", "USDT", 150)

    # When
    outcome = pipeline.submit(intent(Side.BUY, 2, price=100))

    # Then
    assert outcome.denied
    assert outcome.deny_reason is DenyReason.INSUFFICIENT_BUDGET
    assert outcome.fills == []
    budget = pipeline.budgets.get("s1", "USDT")
    assert (budget.reserved_units, from_units(budget.available_units)) == (0, 150)


def test_given_no_budget_when_order_then_denied_no_budget(pipeline: OrderPipeline) -> None:
    # When
    outcome = pipeline.submit(intent())

    # Then
    assert outcome.deny_reason is DenyReason.NO_BUDGET


def test_given_no_price_anywhere_when_order_then_denied_no_price(pipeline: OrderPipeline) -> None:
    # Given
    pipeline.budgets.allocate("s1", "USDT", 1000)

    # When
    outcome = pipeline.submit(intent(reference_price=None))

    # Then
    assert outcome.deny_reason is DenyReason.NO_PRICE


def test_given_same_client_order_id_when_resubmitted_then_first_outcome_returned(
    pipeline: OrderPipeline,
) -> None:
    # Given
    pipeline.budgets.allocate("s1", "USDT", 1000)
    first = pipeline.submit(intent(client_order_id="abc"))

    # When
    again = pipeline.submit(intent(client_order_id="abc"))

    # Then
    assert again.order == first.order
    assert from_units(pipeline.budgets.get("s1", "USDT").committed_units) == pytest.approx(100.1)


def test_given_limit_not_reached_when_order_then_expired_and_reservation_released(
    pipeline_factory: Callable[..., OrderPipeline],
) -> None:
    # Given
    pipeline = pipeline_factory(prices=lambda symbol: 105.0)
    pipeline.budgets.allocate("s1", "USDT", 1000)

    # When
    outcome = pipeline.submit(intent(limit_price=100, reference_price=None))

    # Then
    assert (outcome.order.status, outcome.deny_reason) == (OrderStatus.EXPIRED, DenyReason.LIMIT_NOT_REACHED)
    budget = pipeline.budgets.get("s1", "USDT")
    assert (budget.reserved_units, from_units(budget.available_units)) == (0, 1000)


def test_given_slippage_and_partial_fills_when_buy_then_worse_price_in_parts(
    pipeline_factory: Callable[..., OrderPipeline],
) -> None:
    # Given
    pipeline = pipeline_factory(slippage_bps=10, partial_fills=4, fee_rate=0.0)
    pipeline.budgets.allocate("s1", "USDT", 1000)

    # When
    outcome = pipeline.submit(intent(Side.BUY, 2, price=100))

    # Then
    assert [fill.quantity for fill in outcome.fills] == [0.5] * 4
    assert outcome.order.average_price == pytest.approx(100.1)
    assert outcome.order.filled_quantity == pytest.approx(2)


def test_given_long_when_sell_more_than_held_then_flips_short_and_reserves_only_the_new_exposure(
    pipeline: OrderPipeline,
) -> None:
    # Given: a long holding 100.1 (with its fee) of a 151 budget
    pipeline.budgets.allocate("s1", "USDT", 151)
    pipeline.submit(intent(Side.BUY, 1, price=100))

    # When
    outcome = pipeline.submit(intent(Side.SELL, 1.5, price=100))

    # Then
    assert outcome.order.status is OrderStatus.FILLED
    opened, closed = outcome.positions
    assert (opened.side, opened.quantity, closed.status) == (PositionSide.SHORT, 0.5, PositionStatus.CLOSED)
    assert from_units(pipeline.budgets.get("s1", "USDT").committed_units) == pytest.approx(50.05)


def test_given_failing_broker_when_order_then_rejected_and_reservation_released(
    store: DocumentStore,
) -> None:
    # Given
    class BrokenBroker:
        name = "broken"
        cost_buffer = 0.0

        def price(self, *, symbol: str, exchange: str) -> float | None:
            return None

        def execute(self, order: object) -> object:
            raise ConnectionError("exchange down")

    pipeline = OrderPipeline(store=store, broker=BrokenBroker())  # type: ignore[arg-type]
    pipeline.budgets.allocate("s1", "USDT", 1000)

    # When
    outcome = pipeline.submit(intent())

    # Then
    assert (outcome.order.status, outcome.deny_reason) == (OrderStatus.REJECTED, DenyReason.BROKER_ERROR)
    assert pipeline.budgets.get("s1", "USDT").reserved_units == 0


def test_given_order_at_the_broker_then_it_is_submitted_with_its_worst_case_cost_reserved(
    store: DocumentStore,
) -> None:
    # Given: a broker that looks at the ledger while it holds the order
    seen: list[tuple[str, float, float]] = []

    class LookingBroker(PaperBroker):
        def execute(self, order: Order) -> Execution:
            stored = TradingLedger(store).order(order.client_order_id)
            budget = BudgetBook(store).get(order.strategy_id, order.currency)
            seen.append((stored.status.value, from_units(stored.reserved_units), budget.reserved))
            return super().execute(order)

    pipeline = OrderPipeline(store=store, broker=LookingBroker())
    pipeline.budgets.allocate("s1", "USDT", 1000)

    # When
    pipeline.submit(intent(Side.BUY, 2, price=100))

    # Then: reserved (notional and the default broker's 0.1% fee) and SUBMITTED were written
    # together, and released after the fill
    assert seen == [("SUBMITTED", pytest.approx(200.2), pytest.approx(200.2))]
    assert pipeline.budgets.get("s1", "USDT").reserved_units == 0


def test_given_instance_died_at_the_broker_when_abandoned_then_reservation_released_once(
    store: DocumentStore,
) -> None:
    # Given: the process is killed while the broker holds the order (nothing settles it)
    class DyingBroker(PaperBroker):
        def execute(self, order: Order) -> Execution:
            raise KeyboardInterrupt  # what a SIGINT does mid-call; BaseException escapes the pipeline

    dying = OrderPipeline(store=store, broker=DyingBroker())
    dying.budgets.allocate("s1", "USDT", 1000)
    with pytest.raises(KeyboardInterrupt):
        dying.submit(intent(Side.BUY, 2, price=100, client_order_id="stuck"))
    assert dying.budgets.get("s1", "USDT").reserved == pytest.approx(200.2)

    # When
    pipeline = OrderPipeline(store=store, broker=PaperBroker())
    closed = pipeline.reconcile_unsettled(strategy_id="s1", instance_id="i1")
    again = pipeline.reconcile_unsettled(strategy_id="s1", instance_id="i1")

    # Then
    assert [(order.client_order_id, order.status, order.deny_reason) for order in closed] == [
        ("stuck", OrderStatus.REJECTED, DenyReason.ABANDONED)
    ]
    assert again == []
    budget = pipeline.budgets.get("s1", "USDT")
    assert (budget.reserved, budget.available) == (0, 1000)
