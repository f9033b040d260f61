"""Shared fixtures of the regression tests: the whole local app on a real SQLite store with fakes for
the executor and the model registry, an order pipeline on the same store, the lifecycle helpers,
and (from tests/conftest.py) the session's one CDK synthesis, `dev`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fakes import local_container
from tests.fakes_registry import FakeModelRegistry
from tests.integration.conftest import (
    aws_env,  # noqa: F401 (moto and a deployed function's settings)
    create_resources,
)
from tests.integration.test_backtest_handlers import invoke
from tests.integration.test_trading_handlers import trade
from tests.unit.jobs.conftest import RecordingExecutor
from tests.unit.lifecycle.conftest import staged  # noqa: F401 (register, stage, finish validation)
from tests.unit.trading.conftest import SteppingClock
from tradai.adapters.paper_broker import PaperBroker
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.api.app import create_app
from tradai.api.local import ROUTERS
from tradai.bootstrap import Container
from tradai.domain.orders import Side
from tradai.ports import DocumentStore
from tradai.services.order_pipeline import OrderPipeline


@pytest.fixture
def registry() -> FakeModelRegistry:
    return FakeModelRegistry()


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return SqliteDocumentStore(tmp_path / "store.sqlite3")


@pytest.fixture
def container(tmp_path: Path, store: DocumentStore, registry: FakeModelRegistry) -> Container:
    return local_container(tmp_path, store=store, executor=RecordingExecutor(), registry=registry)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(routers=ROUTERS, settings=container.settings, container=container)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def pipeline(store: DocumentStore) -> OrderPipeline:
    clock = SteppingClock()
    return OrderPipeline(store=store, broker=PaperBroker(clock=clock, fee_rate=0.001), clock=clock)


@pytest.fixture
def traded_on_dynamodb(aws_env: None) -> None:  # noqa: F811 (the fixture imported above)
    """The functions' table created from the design, a budget, then a closed and an open trade."""
    create_resources()
    invoke("budget", "budget/put_budget")
    trade(Side.BUY, 1, 100, "buy")
    trade(Side.SELL, 1, 120, "sell")
    trade(Side.BUY, 2, 110, "again")
