"""Faults: a locked or throttled store answers 503 with a code and Retry-After; nothing is half-written."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from tests.fakes import FakeMarketData
from tests.unit.jobs.test_submit_backtest import BODY
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.adapters.engine_catalog import EngineStrategyCatalog
from tradai.adapters.file_blobs import FileBlobStore
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.api.app import create_app
from tradai.api.local import ROUTERS
from tradai.bootstrap import Container
from tradai.domain.errors import StoreUnavailable
from tradai.domain.store import Key
from tradai.services.job_repository import JobRepository
from tradai.settings import Settings


class ThrottledDynamoDB:
    """A DynamoDB client that answers every call with the given AWS error code."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __getattr__(self, operation: str) -> object:
        def fail(**_: object) -> None:
            raise ClientError({"Error": {"Code": self.code, "Message": "injected"}}, operation)

        return fail


@pytest.fixture
def locked_sqlite(tmp_path: Path) -> Iterator[SqliteDocumentStore]:
    """A SQLite store whose file another process holds the write lock on."""
    store = SqliteDocumentStore(tmp_path / "store.sqlite3", busy_timeout_ms=200)
    holder = sqlite3.connect(tmp_path / "store.sqlite3", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    yield store
    holder.execute("ROLLBACK")
    holder.close()


def client_for(store: SqliteDocumentStore | DynamoDocumentStore, tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path)
    container = Container(
        settings=settings,
        store=store,
        blobs=FileBlobStore(tmp_path / "blobs"),
        strategies=EngineStrategyCatalog(),
        market_data=FakeMarketData.walking(),
    )
    return TestClient(create_app(routers=ROUTERS, settings=settings, container=container))


def test_given_locked_sqlite_when_submitting_then_503_with_retry_after_and_nothing_stored(
    locked_sqlite: SqliteDocumentStore, tmp_path: Path
) -> None:
    # Given / When
    with client_for(locked_sqlite, tmp_path) as client:
        response = client.post("/api/v1/backtests", json=BODY)

    # Then
    assert response.status_code == 503
    assert response.json()["code"] == "STORE_UNAVAILABLE"
    assert int(response.headers["retry-after"]) >= 1


def test_given_locked_sqlite_when_lock_released_then_nothing_was_half_written(
    tmp_path: Path,
) -> None:
    # Given a submission that failed on a locked store
    store = SqliteDocumentStore(tmp_path / "store.sqlite3", busy_timeout_ms=200)
    holder = sqlite3.connect(tmp_path / "store.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    with client_for(store, tmp_path) as client:
        assert (
            client.post("/api/v1/backtests", json=BODY, headers={"Idempotency-Key": "k1"}).status_code == 503
        )
    holder.execute("ROLLBACK")
    holder.close()

    # When / Then: neither the job nor its idempotency record exists, and a retry succeeds
    assert JobRepository(store).count() == 0
    with client_for(store, tmp_path) as client:
        assert (
            client.post("/api/v1/backtests", json=BODY, headers={"Idempotency-Key": "k1"}).status_code == 201
        )
    assert JobRepository(store).count() == 1


def test_given_a_writer_holding_the_lock_when_health_requested_then_reads_still_answer(
    locked_sqlite: SqliteDocumentStore, tmp_path: Path
) -> None:
    # WAL mode lets readers pass a writer's lock, so health (and every read route) stays up.
    with client_for(locked_sqlite, tmp_path) as client:
        response = client.get("/api/v1/health")
        listed = client.get("/api/v1/backtests")
    assert response.status_code == 200
    assert response.json()["checks"]["store"]["status"] == "ok"
    assert listed.status_code == 200


def test_given_throttled_dynamodb_when_health_requested_then_503_naming_the_store(tmp_path: Path) -> None:
    # Given
    store = DynamoDocumentStore("t", client=ThrottledDynamoDB("ThrottlingException"))

    # When
    with client_for(store, tmp_path) as client:
        response = client.get("/api/v1/health")

    # Then
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["store"]["status"] == "error"
    assert "ThrottlingException" in body["checks"]["store"]["detail"]
    assert body["checks"]["blobs"]["status"] == "ok"


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"]
)
def test_given_throttled_dynamodb_when_reading_then_store_unavailable(code: str) -> None:
    # Given
    store = DynamoDocumentStore("t", client=ThrottledDynamoDB(code))

    # When / Then
    with pytest.raises(StoreUnavailable) as failure:
        store.get(Key("JOB#1", "JOB"))
    assert failure.value.retry_after_seconds >= 1


def test_given_many_threads_when_store_is_briefly_locked_then_requests_wait_not_fail(tmp_path: Path) -> None:
    # Given a lock held for 100 ms, shorter than the busy timeout
    store = SqliteDocumentStore(tmp_path / "store.sqlite3", busy_timeout_ms=5000)
    holder = sqlite3.connect(tmp_path / "store.sqlite3", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(0.1, lambda: (holder.execute("ROLLBACK"), holder.close())).start()

    # When / Then
    with client_for(store, tmp_path) as client:
        assert client.post("/api/v1/backtests", json=BODY).status_code == 201
