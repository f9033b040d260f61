"""Reservations cover slippage and fees: an instance using all its capital never overspends its budget."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.trading.conftest import SteppingClock, intent
from tradai.adapters.paper_broker import PaperBroker
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.domain.orders import OrderStatus, Side, affordable_notional, from_units, reservation_units
from tradai.services.order_pipeline import OrderPipeline

CAPITAL = 10_000.0

trades = st.lists(
    st.tuples(st.sampled_from(Side), st.floats(20, 200), st.floats(20, 200)), min_size=1, max_size=4
)


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    fee_rate=st.sampled_from([0.0, 0.0004, 0.001, 0.0075]),
    slippage_bps=st.sampled_from([0.0, 2.0, 25.0, 150.0]),
    partial_fills=st.integers(1, 5),
    round_trips=trades,
)
def test_given_any_fees_and_slippage_when_entries_use_all_capital_then_available_never_negative(
    fee_rate: float, slippage_bps: float, partial_fills: int, round_trips: list[tuple[Side, float, float]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        # Given a budget of the instance's capital, and entries sized like an instance sizes them
        clock = SteppingClock()
        broker = PaperBroker(
            fee_rate=fee_rate, slippage_bps=slippage_bps, partial_fills=partial_fills, clock=clock
        )
        pipeline = OrderPipeline(
            store=SqliteDocumentStore(Path(folder) / "store.sqlite3"), broker=broker, clock=clock
        )
        pipeline.budgets.allocate("s1", "USDT", CAPITAL)
        stake = affordable_notional(CAPITAL, broker.cost_buffer)

        for number, (side, entry, exit_) in enumerate(round_trips):
            # When a whole-capital entry fills at a worse price and pays its fee
            quantity = stake / entry
            opened = pipeline.submit(intent(side, quantity, price=entry, minute=2 * number))

            # Then it was not refused, and the budget holds what it cost without going below zero
            assert opened.order.status is OrderStatus.FILLED, opened.order.deny_detail
            budget = pipeline.budgets.get("s1", "USDT")
            assert budget.available_units >= 0
            assert budget.reserved_units == 0
            assert budget.committed_units <= budget.allocated_units

            # When it is closed, everything is released
            opposite = Side.SELL if side is Side.BUY else Side.BUY
            pipeline.submit(intent(opposite, quantity, price=exit_, minute=2 * number + 1))
            budget = pipeline.budgets.get("s1", "USDT")
            assert (budget.committed_units, budget.available_units) == (0, budget.allocated_units)


def test_given_default_paper_broker_when_capital_10000_enters_then_committed_within_cap() -> None:
    with tempfile.TemporaryDirectory() as folder:
        # Given the dry-run defaults (4 bp fee, 2 bp slippage): a 10,000 entry sized net of them
        broker = PaperBroker(fee_rate=0.0004, slippage_bps=2.0)
        pipeline = OrderPipeline(store=SqliteDocumentStore(Path(folder) / "s.sqlite3"), broker=broker)
        pipeline.budgets.allocate("s1", "USDT", CAPITAL)
        quantity = affordable_notional(CAPITAL, broker.cost_buffer) / 100.0

        # When
        outcome = pipeline.submit(intent(Side.BUY, quantity, price=100.0))

        # Then: the fill cost (slippage and fee included) is committed, and nothing is overspent
        budget = pipeline.budgets.get("s1", "USDT")
        assert outcome.order.status is OrderStatus.FILLED
        assert from_units(budget.committed_units) == pytest.approx(CAPITAL, abs=0.01)
        assert budget.committed_units <= budget.allocated_units
        assert budget.available >= 0


def test_given_a_notional_when_reserved_then_the_affordable_notional_of_that_reservation_round_trips() -> (
    None
):
    # Given
    buffer = 0.0006

    # When
    reserved = reservation_units(affordable_notional(CAPITAL, buffer), buffer)

    # Then: the largest affordable notional fits its own reservation, and a bit more would not
    assert reserved <= 10_000 * 100_000_000
    assert reservation_units(affordable_notional(CAPITAL, buffer) * 1.000001, buffer) > reserved
