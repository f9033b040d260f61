"""Budget reservations are atomic on every store: concurrent orders never exceed a strategy's cap."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.contract.conftest import TABLE, moto_table
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.adapters.paper_broker import PaperBroker
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.domain.orders import (
    DenyReason,
    InsufficientBudget,
    OrderIntent,
    OrderStatus,
    Side,
    from_units,
    to_units,
)
from tradai.ports import DocumentStore
from tradai.services.budgets import BudgetBook
from tradai.services.order_pipeline import OrderOutcome, OrderPipeline

ORDERS = 100
CAP = 500.0
NOTIONAL = 10.0  # each order: 0.1 BTC at 100 USDT


class OneRequestAtATime:
    """A boto3 client whose calls never overlap: moto's in-process backend is not thread-safe.

    Each DynamoDB request stays atomic, as it is in AWS, while the threads' requests interleave
    freely between calls, so the race between orders reading and conditionally writing is real.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


@pytest.fixture(params=["sqlite", "dynamodb"])
def racing_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DocumentStore]:
    if request.param == "sqlite":
        yield SqliteDocumentStore(tmp_path / "store.sqlite3")
        return
    with moto_table() as client:
        yield DynamoDocumentStore(TABLE, client=OneRequestAtATime(client))


def _intent(number: int) -> OrderIntent:
    # One instance per order, so the orders contend only for the budget, as separate instances do.
    return OrderIntent(
        strategy_id="capped",
        instance_id=f"instance-{number}",
        symbol="BTC/USDT:USDT",
        side=Side.BUY,
        quantity=NOTIONAL / 100,
        reference_price=100.0,
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
    )


def _assert_cap_held(outcomes: list[OrderStatus], book: BudgetBook, *, cap: float = CAP) -> None:
    budget = book.get("capped", "USDT")
    assert outcomes.count(OrderStatus.FILLED) == int(cap / NOTIONAL)
    assert outcomes.count(OrderStatus.DENIED) == len(outcomes) - int(cap / NOTIONAL)
    assert from_units(budget.committed_units) == cap
    assert (budget.reserved_units, budget.available_units) == (0, 0)


def test_given_cap_when_100_reservations_race_in_threads_then_cap_never_exceeded(
    racing_store: DocumentStore,
) -> None:
    # Given
    book = BudgetBook(racing_store)
    book.allocate("capped", "USDT", CAP)
    units = to_units(NOTIONAL)

    def reserve(_: int) -> bool:
        try:
            book.reserve("capped", "USDT", units)
        except InsufficientBudget:
            return False
        return True

    # When
    with ThreadPoolExecutor(max_workers=16) as pool:
        granted = list(pool.map(reserve, range(ORDERS)))

    # Then
    budget = book.get("capped", "USDT")
    assert granted.count(True) == int(CAP / NOTIONAL)
    assert (from_units(budget.reserved_units), budget.available_units) == (CAP, 0)


def test_given_cap_when_orders_race_through_the_pipeline_in_threads_then_cap_never_exceeded(
    racing_store: DocumentStore,
) -> None:
    # Given: 100 orders on SQLite; 20 on moto, whose every transaction deep-copies its whole
    # backend (100 would take minutes there; the cap itself is one conditional update, raced
    # 100 times on both stores above).
    orders = ORDERS if isinstance(racing_store, SqliteDocumentStore) else 20
    cap = NOTIONAL * orders / 2
    pipeline = OrderPipeline(store=racing_store, broker=PaperBroker(fee_rate=0.0))
    pipeline.budgets.allocate("capped", "USDT", cap)

    # When
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes: list[OrderOutcome] = list(pool.map(pipeline.submit, map(_intent, range(orders))))

    # Then
    _assert_cap_held([outcome.order.status for outcome in outcomes], pipeline.budgets, cap=cap)
    denied = [outcome for outcome in outcomes if outcome.denied]
    assert {outcome.deny_reason for outcome in denied} == {DenyReason.INSUFFICIENT_BUDGET}


def _submit_in_process(path: str, numbers: list[int]) -> list[OrderStatus]:
    pipeline = OrderPipeline(store=SqliteDocumentStore(Path(path)), broker=PaperBroker(fee_rate=0.0))
    return [pipeline.submit(_intent(number)).order.status for number in numbers]


def test_given_cap_when_orders_race_from_two_processes_on_sqlite_then_cap_never_exceeded(
    tmp_path: Path,
) -> None:
    # Given
    path = tmp_path / "store.sqlite3"
    book = BudgetBook(SqliteDocumentStore(path))
    book.allocate("capped", "USDT", CAP)
    halves = [list(range(0, ORDERS, 2)), list(range(1, ORDERS, 2))]

    # When
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcomes = [
            status for part in pool.map(_submit_in_process, [str(path)] * 2, halves) for status in part
        ]

    # Then
    _assert_cap_held(outcomes, book)
