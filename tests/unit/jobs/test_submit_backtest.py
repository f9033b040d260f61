"""`POST /api/v1/backtests`: validation with codes, idempotent retries, queueing, rate limit."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import local_container, random_walk_bars
from tests.unit.jobs.conftest import RecordingExecutor
from tradai.adapters.dev_keys import DevTokenKeys
from tradai.api.app import create_app
from tradai.api.routers import backtest_submission, backtests
from tradai.bootstrap import Container, build_authenticator
from tradai.services.job_repository import JobRepository
from tradai.settings import Settings


def mid_minute() -> datetime:
    """The middle of the current minute: a fixed time whose rate-limit window has not expired yet
    (the store drops counters past their TTL by the real clock)."""
    return datetime.now(UTC).replace(second=30, microsecond=0)


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


def test_given_ten_submissions_in_a_minute_when_an_eleventh_comes_then_429(
    client: TestClient, container: Container
) -> None:
    at = mid_minute()
    container.clock = lambda: at  # all eleven in one window however slow the machine is
    statuses = [client.post("/api/v1/backtests", json=BODY).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429]


def _secured_client(tmp_path: Path, **settings: Any) -> TestClient:
    app_settings = Settings(data_dir=tmp_path, auth="dev", **settings)
    at = mid_minute()
    container = local_container(
        tmp_path,
        settings=app_settings,
        executor=RecordingExecutor(),
        authenticator=build_authenticator(app_settings),
        clock=lambda: at,  # every request in one window however slow the machine is
    )
    return TestClient(
        create_app(
            routers=[backtest_submission.router, backtests.router], settings=app_settings, container=container
        )
    )


def _as(tmp_path: Path, subject: str) -> dict[str, str]:
    token = DevTokenKeys(Settings(data_dir=tmp_path).dev_signing_key_path).sign(
        subject=subject, groups=["trader"]
    )
    return {"Authorization": f"Bearer {token}"}


def test_given_auth_on_when_a_caller_submits_eleven_then_only_that_caller_gets_429_in_seed_002s_words(
    tmp_path: Path,
) -> None:
    # Given: two traders sharing the server
    with _secured_client(tmp_path) as client:
        alice, bob = _as(tmp_path, "alice"), _as(tmp_path, "bob")

        # When
        statuses = [client.post("/api/v1/backtests", json=BODY, headers=alice).status_code for _ in range(11)]
        refused = client.post("/api/v1/backtests", json=BODY, headers=alice)
        other = client.post("/api/v1/backtests", json=BODY, headers=bob)

    # Then: counted per caller (the token's subject), 10 a minute by default
    assert statuses == [201] * 10 + [429]
    assert refused.json()["detail"] == "Rate limit exceeded: 10 per 1 minute"
    assert refused.json()["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert other.status_code == 201


def test_given_limit_set_to_three_when_a_caller_submits_four_then_the_fourth_is_429(tmp_path: Path) -> None:
    # Given: TRADAI_RATE_LIMIT_BACKTESTS_PER_MINUTE=3
    with _secured_client(tmp_path, rate_limit_backtests_per_minute=3) as client:
        # When
        responses = [
            client.post("/api/v1/backtests", json=BODY, headers=_as(tmp_path, "alice")) for _ in range(4)
        ]

    # Then
    assert [response.status_code for response in responses] == [201, 201, 201, 429]
    assert responses[-1].json()["detail"] == "Rate limit exceeded: 3 per 1 minute"
