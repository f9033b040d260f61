"""Trading on a real SQLite store in a temp folder, a paper broker and a stepping clock; the local app."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import local_container
from tradai.adapters.paper_broker import PaperBroker
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.api.app import create_app
from tradai.api.local import ROUTERS
from tradai.bootstrap import Container
from tradai.domain.orders import OrderIntent, Side
from tradai.ports import DocumentStore
from tradai.services.order_pipeline import OrderPipeline

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BTC = "BTC/USDT:USDT"


class SteppingClock:
    """A clock that ticks one second per reading, so every write has its own time."""

    def __init__(self, start: datetime = T0) -> None:
        self._ticks = itertools.count()
        self._start = start

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=next(self._ticks))


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return SqliteDocumentStore(tmp_path / "store.sqlite3")


@pytest.fixture
def pipeline_factory(store: DocumentStore) -> Callable[..., OrderPipeline]:
    def build(**broker_options: Any) -> OrderPipeline:
        clock = SteppingClock()
        return OrderPipeline(store=store, broker=PaperBroker(clock=clock, **broker_options), clock=clock)

    return build


@pytest.fixture
def pipeline(pipeline_factory: Callable[..., OrderPipeline]) -> OrderPipeline:
    return pipeline_factory(fee_rate=0.001)


def intent(
    side: Side = Side.BUY, quantity: float = 1.0, price: float = 100.0, minute: int = 0, **fields: Any
) -> OrderIntent:
    """An intent of strategy `s1`, instance `i1`, on BTC, valued at `price`, signalled `minute`s after T0."""
    values: dict[str, Any] = {
        "strategy_id": "s1",
        "strategy_name": "sma_cross",
        "instance_id": "i1",
        "symbol": BTC,
        "side": side,
        "quantity": quantity,
        "reference_price": price,
        "created_at": T0 + timedelta(minutes=minute),
    }
    return OrderIntent(**(values | fields))


@pytest.fixture
def container(tmp_path: Path, store: DocumentStore) -> Container:
    return local_container(tmp_path, store=store)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(routers=ROUTERS, settings=container.settings, container=container)
    with TestClient(app) as test_client:
        yield test_client
