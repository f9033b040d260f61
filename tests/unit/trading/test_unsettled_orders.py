"""Orders a dead instance left at the broker: looked up (recorded Binance answers through ccxt's own
parsing, no network), booked as they ended, never twice; by the server and by the next instance."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import strategy_instance
from tests.recorded_exchange import FIXTURES, RecordedExchange
from tests.unit.test_live_trading import broker
from tradai.adapters.paper_broker import PaperBroker
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.domain.instances import InstanceStatus, StrategyInstance
from tradai.domain.orders import DenyReason, Execution, Order, OrderIntent, OrderStatus, Side
from tradai.ports import Broker, DocumentStore
from tradai.services.instance_repository import InstanceRepository
from tradai.services.order_pipeline import OrderPipeline
from tradai.services.trading_ledger import TradingLedger
from tradai.services.unsettled_orders import settle_dead_instance, settle_predecessors

BTC = "BTC/USDT:USDT"
DEAD = strategy_instance(
    instance_id="11111111-0000-4000-8000-000000000001", mode="live", feed="live", status="failed"
)
ORDER_ID = "dead-BTCUSDT-1704240000-enter_long"
Answer = dict[str, Any] | Exception


def recorded(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / "binanceusdm" / f"{name}.json").read_text()))


class Exchange(RecordedExchange):
    """The recorded account, whose order queries answer `queried` in turn; cancels are noted."""

    def __init__(self, *queried: Answer) -> None:
        super().__init__()
        self.queried = list(queried)
        self.cancelled: list[str] = []

    def fetch(self, url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        if url.split("?")[0].endswith("/order") and method in ("GET", "DELETE"):
            self.urls.append(f"{method} {url}")
            if method == "DELETE":
                self.cancelled.append(url)
                return recorded("order_canceled_partial")
            answer = self.queried.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return super().fetch(url, method, headers, body)


class DyingBroker(PaperBroker):
    """Dies while the exchange holds the order: what a SIGKILL between send and booking leaves."""

    def __init__(self, cost_buffer: float) -> None:
        super().__init__()
        self.cost_buffer = cost_buffer

    def execute(self, order: Order) -> Execution:
        raise KeyboardInterrupt


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return SqliteDocumentStore(tmp_path / "store.sqlite3")


def stuck_order(
    store: DocumentStore, instance: StrategyInstance = DEAD, order_id: str = ORDER_ID, buffer: float = 0.006
) -> Order:
    """A 0.01 BTC buy at 42,000 that its instance sent and died on: SUBMITTED, its cost reserved."""
    pipeline = OrderPipeline(store=store, broker=DyingBroker(buffer))
    pipeline.budgets.ensure(instance.strategy_name, "USDT", 10_000)
    InstanceRepository(store).create(instance)
    with pytest.raises(KeyboardInterrupt):
        pipeline.submit(
            OrderIntent(
                strategy_id=instance.strategy_name,
                instance_id=instance.instance_id,
                symbol=BTC,
                side=Side.BUY,
                quantity=0.01,
                reference_price=42_000.0,
                client_order_id=order_id,
                created_at=datetime(2024, 1, 3, tzinfo=UTC),
            )
        )
    order = TradingLedger(store).order(order_id)
    assert order.status is OrderStatus.SUBMITTED
    return order


def reconcile(store: DocumentStore, broker: Broker) -> list[Order]:
    pipeline = OrderPipeline(store=store, broker=broker)
    return pipeline.reconcile_unsettled(strategy_id=DEAD.strategy_name, instance_id=DEAD.instance_id)


def test_given_order_filled_at_the_exchange_when_reconciled_twice_then_booked_once(
    store: DocumentStore,
) -> None:
    # Given an order the exchange filled while its instance was dying
    stuck_order(store)
    exchange = Exchange(recorded("order"))

    # When the reconcile step runs, and runs again
    first = reconcile(store, broker(exchange))
    again = reconcile(store, broker(exchange))

    # Then its fill is booked once: a position, the cost committed, nothing left reserved
    assert [(order.status, order.filled_quantity, order.average_price) for order in first] == [
        (OrderStatus.FILLED, 0.01, 42350.1)
    ]
    assert again == []
    ledger = TradingLedger(store)
    assert len(ledger.order_fills(ORDER_ID)) == 1
    (position,) = ledger.positions().items
    assert (position.quantity, position.entry_price) == (0.01, 42350.1)
    budget = ledger.budgets.get("sma_cross", "USDT")
    assert budget.reserved_units == 0
    assert budget.committed_units == position.cost_units
    assert any("origClientOrderId" in url for url in exchange.urls)


def test_given_order_still_open_at_the_exchange_when_reconciled_then_cancelled_and_partial_fill_booked(
    store: DocumentStore,
) -> None:
    # Given an order resting at the exchange, which fills 0.004 before the cancel lands
    stuck_order(store)
    exchange = Exchange(recorded("order_new"), recorded("order_canceled_partial"))

    # When
    (order,) = reconcile(store, broker(exchange))

    # Then it was cancelled at the exchange, and only what filled is booked
    assert len(exchange.cancelled) == 1
    assert (order.status, order.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, 0.004)
    budget = TradingLedger(store).budgets.get("sma_cross", "USDT")
    assert budget.reserved_units == 0
    assert budget.committed == pytest.approx(0.004 * 42_000, rel=1e-3)


def test_given_order_the_exchange_never_got_when_reconciled_then_rejected_and_released(
    store: DocumentStore,
) -> None:
    # Given
    import ccxt

    stuck_order(store)
    exchange = Exchange(ccxt.OrderNotFound('binanceusdm {"code":-2013,"msg":"Order does not exist."}'))

    # When
    (order,) = reconcile(store, broker(exchange))

    # Then
    assert (order.status, order.deny_reason) == (OrderStatus.REJECTED, DenyReason.ABANDONED)
    assert "no such order" in str(order.deny_detail)
    budget = TradingLedger(store).budgets.get("sma_cross", "USDT")
    assert (budget.reserved_units, budget.available) == (0, 10_000)


def test_given_exchange_unreachable_when_reconciled_then_order_stays_submitted_for_the_next_try(
    store: DocumentStore,
) -> None:
    # Given
    import ccxt

    stuck_order(store)
    exchange = Exchange(ccxt.NetworkError("connection reset by peer"), recorded("order"))

    # When the exchange cannot be asked, then can
    assert reconcile(store, broker(exchange)) == []
    held = TradingLedger(store).order(ORDER_ID)
    later = reconcile(store, broker(exchange))

    # Then the reservation was held until the answer came
    assert held.status is OrderStatus.SUBMITTED
    assert [order.status for order in later] == [OrderStatus.FILLED]


def test_given_dry_run_order_left_at_the_paper_broker_when_reconciled_then_it_never_traded(
    store: DocumentStore,
) -> None:
    # Given
    stuck_order(store, buffer=0.0006)

    # When
    (order,) = reconcile(store, PaperBroker())

    # Then
    assert (order.status, order.deny_reason) == (OrderStatus.REJECTED, DenyReason.ABANDONED)
    assert TradingLedger(store).budgets.get("sma_cross", "USDT").reserved_units == 0


def test_given_server_without_exchange_keys_when_live_instance_died_then_its_order_waits(
    store: DocumentStore,
) -> None:
    # Given
    stuck_order(store)

    # When the server sees the process gone but holds no broker for it
    closed = settle_dead_instance(store=store, instance=DEAD, broker=None)

    # Then the order keeps its reservation for whoever can ask the exchange
    assert closed == []
    assert TradingLedger(store).order(ORDER_ID).status is OrderStatus.SUBMITTED


def test_given_ended_and_running_instances_when_a_live_one_starts_then_only_ended_same_broker_orders_settle(
    store: DocumentStore,
) -> None:
    # Given an ended live instance's order, a running live one's, and an ended dry-run's
    running = strategy_instance(
        instance_id="22222222-0000-4000-8000-000000000002", mode="live", feed="live", status="running"
    )
    dry_run = strategy_instance(instance_id="33333333-0000-4000-8000-000000000003", status="stopped")
    stuck_order(store)
    stuck_order(store, running, "running-BTCUSDT-1704240000-enter_long")
    stuck_order(store, dry_run, "dryrun-BTCUSDT-1704240000-enter_long")
    starting = strategy_instance(
        instance_id="44444444-0000-4000-8000-000000000004", mode="live", feed="live", status="starting"
    )
    exchange = Exchange(recorded("order"))

    # When the new live instance starts with its broker
    pipeline = OrderPipeline(store=store, broker=broker(exchange))
    settled = settle_predecessors(store=store, pipeline=pipeline, instance=starting)

    # Then only the ended live instance's order was asked about and booked
    assert [order.client_order_id for order in settled] == [ORDER_ID]
    status: Callable[[str], OrderStatus] = lambda order_id: TradingLedger(store).order(order_id).status  # noqa: E731
    assert status("running-BTCUSDT-1704240000-enter_long") is OrderStatus.SUBMITTED
    assert status("dryrun-BTCUSDT-1704240000-enter_long") is OrderStatus.SUBMITTED
    assert InstanceRepository(store).get(DEAD.instance_id).status is InstanceStatus.FAILED
