"""`POST /api/v1/backtests`: validation with codes, idempotent retries, queueing, rate limit."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import random_walk_bars
from tests.unit.jobs.conftest import RecordingExecutor
from tradai.bootstrap import Container
from tradai.services.job_repository import JobRepository

BODY: dict[str, Any] = {
    "strategy_config": {"name": "sma_cross", "version": "1.0.0", "parameters": {"fast": 5, "slow": 20}},
    "date_range": {"start": "2024-01-01T00:00:00Z", "end": "2024-02-01T00:00:00Z"},
    "exchange": "binance_futures",
    "timeframe": "1h",
    "capital": 10000,
    "leverage": 1.0,
    "symbols": ["BTC/USDT:USDT"],
}


def body(**changes: Any) -> dict[str, Any]:
    result = copy.deepcopy(BODY)
    for path, value in changes.items():
        target = result
        *parents, leaf = path.split("__")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return result


def test_given_valid_request_when_submitted_then_201_queued_and_handed_to_the_executor(
    client: TestClient, container: Container
) -> None:
    # When
    response = client.post("/api/v1/backtests", json=BODY)

    # Then
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"job_id", "status", "created_at"}
    assert created["status"] == "QUEUED"
    assert isinstance(container.executor, RecordingExecutor)
    assert container.executor.submitted == [created["job_id"]]
    stored = JobRepository(container.store).get(created["job_id"])
    assert stored.strategy_name == "sma_cross"
    assert stored.strategy_version == "1.0.0"
    assert stored.request["strategy_config"]["parameters"] == {"fast": 5, "slow": 20, "allow_short": False}


def test_given_no_symbols_and_version_when_submitted_then_strategy_defaults_fill_them(
    client: TestClient, container: Container
) -> None:
    # Given the strategy's default pair has stored data
    assert container.market_data is not None
    container.market_data.write_bars(
        exchange="binance_futures",
        symbol="BTC/USDT",
        timeframe="1h",
        bars=random_walk_bars("2024-01-01", "2024-03-31"),
    )
    request = body()
    del request["symbols"]
    del request["strategy_config"]["version"]

    # When
    created = client.post("/api/v1/backtests", json=request).json()

    # Then
    stored = JobRepository(container.store).get(created["job_id"])
    assert stored.request["symbols"] == ["BTC/USDT"]
    assert stored.strategy_version == "1.0.0"


def test_given_idempotency_key_when_retried_then_the_same_job_and_only_one(
    client: TestClient, container: Container
) -> None:
    # When
    first = client.post("/api/v1/backtests", json=BODY, headers={"Idempotency-Key": "retry-1"}).json()
    second = client.post("/api/v1/backtests", json=BODY, headers={"Idempotency-Key": "retry-1"}).json()

    # Then
    assert first["job_id"] == second["job_id"]
    assert JobRepository(container.store).count() == 1
    assert isinstance(container.executor, RecordingExecutor)
    # The replay of a still-QUEUED job hands it to the executor again (starting is idempotent there)
    assert set(container.executor.submitted) == {first["job_id"]}


def test_given_used_idempotency_key_when_sent_with_another_body_then_409(client: TestClient) -> None:
    client.post("/api/v1/backtests", json=BODY, headers={"Idempotency-Key": "k"})
    response = client.post("/api/v1/backtests", json=body(capital=20000), headers={"Idempotency-Key": "k"})
    assert response.status_code == 409
    assert response.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"strategy_config__name": "no_such_strategy"}, "UNKNOWN_STRATEGY"),
        ({"strategy_config__version": "9.9.9"}, "UNKNOWN_STRATEGY"),
        ({"strategy_config__parameters": {"fast": 500}}, "INVALID_STRATEGY_PARAMETERS"),
        ({"strategy_config__parameters": {"nope": 1}}, "INVALID_STRATEGY_PARAMETERS"),
        ({"date_range__end": "2024-01-01T00:00:00Z"}, "INVALID_DATE_RANGE"),
        ({"date_range__start": "2024-03-01T00:00:00Z"}, "INVALID_DATE_RANGE"),
        ({"symbols": ["ETH/USDT:USDT"]}, "NO_MARKET_DATA"),
        ({"date_range": {"start": "2021-01-01T00:00:00Z", "end": "2021-02-01T00:00:00Z"}}, "NO_MARKET_DATA"),
        ({"mode": "sweep", "parameter_space": {"unknown": [1, 2]}}, "INVALID_INPUT"),
    ],
)
def test_given_request_that_cannot_run_when_submitted_then_400_with_code_and_nothing_stored(
    client: TestClient, container: Container, changes: dict[str, Any], code: str
) -> None:
    response = client.post("/api/v1/backtests", json=body(**changes))
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert JobRepository(container.store).count() == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"capital": 0},
        {"capital": -5},
        {"leverage": 0.5},
        {"leverage": 1000},
        {"symbols": ["btc-usdt"]},
        {"timeframe": "fortnight"},
        {"mode": "yolo"},
        {"surprise": True},
        {"strategy_config__name": "../../etc/passwd"},
        {"date_range__start": "not a date"},
    ],
)
def test_given_malformed_body_when_submitted_then_422(
    client: TestClient, container: Container, changes: dict[str, Any]
) -> None:
    response = client.post("/api/v1/backtests", json=body(**changes))
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert JobRepository(container.store).count() == 0


def test_given_ten_submissions_in_a_minute_when_an_eleventh_comes_then_429(client: TestClient) -> None:
    statuses = [client.post("/api/v1/backtests", json=BODY).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429]
