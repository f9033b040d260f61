"""Invariants of the ledger over any sequence of buys and sells (hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.trading.conftest import SteppingClock, intent
from tradai.adapters.paper_broker import PaperBroker
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.domain.orders import OrderStatus, Side, to_units
from tradai.services.order_pipeline import OrderPipeline
from tradai.services.trading_ledger import TradingLedger

CAP = 500.0
orders = st.lists(
    st.tuples(st.sampled_from(Side), st.sampled_from([0.5, 1.0, 2.0, 3.0]), st.integers(50, 150)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(orders)
def test_given_any_orders_when_settled_then_budget_positions_and_fills_agree(
    sequence: list[tuple[Side, float, int]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        # Given
        store = SqliteDocumentStore(Path(folder) / "store.sqlite3")
        clock = SteppingClock()
        pipeline = OrderPipeline(store=store, broker=PaperBroker(fee_rate=0.001, clock=clock), clock=clock)
        pipeline.budgets.allocate("s1", "USDT", CAP)
        net = 0.0

        for minute, (side, quantity, price) in enumerate(sequence):
            # When
            outcome = pipeline.submit(intent(side, quantity, price=price, minute=minute))

            # Then: the cap holds, nothing stays reserved, capital sits in the open position
            if outcome.order.status is OrderStatus.FILLED:
                net += side.sign * quantity
            budget = pipeline.budgets.get("s1", "USDT")
            ledger = TradingLedger(store)
            open_positions = ledger.positions().items
            assert budget.reserved_units == 0
            assert budget.committed_units <= to_units(CAP)
            assert budget.available_units == budget.allocated_units - budget.committed_units
            assert budget.committed_units == sum(position.cost_units for position in open_positions)
            assert abs(sum(position.signed_quantity for position in open_positions) - net) < 1e-9

        # Then: P&L and fees booked in the budget are those of the fills
        fills = ledger.fills(limit=1000).items
        assert budget.realized_pnl_units == sum(fill.realized_pnl_units for fill in fills)
        assert budget.total_fees_units == sum(fill.fee_units for fill in fills)
