"""B1: `GET /api/v1/backtests` answered 503 because a job's `result` was stored as a JSON string.

Here results are stored as maps, and a document an older writer left with a JSON string still lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fakes import local_container
from tradai.api.app import create_app
from tradai.api.routers import backtests
from tradai.bootstrap import Container
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.domain.store import Record
from tradai.services.job_repository import JobRepository, job_record

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RESULT = {"total_return": 0.12, "sharpe_ratio": 1.4, "trades_count": 66}


@pytest.fixture
def container(tmp_path: Path) -> Container:
    return local_container(tmp_path)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(routers=[backtests.router], settings=container.settings, container=container)
    with TestClient(app) as test_client:
        yield test_client


def _completed_job(job_id: str) -> BacktestJob:
    return BacktestJob.model_validate(
        {
            "job_id": job_id,
            "owner": "alice",
            "strategy_name": "sma_cross",
            "strategy_version": "1.0.0",
            "request": {"capital": 10_000, "symbols": ["BTC/USDT:USDT"]},
            "status": JobStatus.COMPLETED,
            "result": RESULT,
            "created_at": T0,
            "updated_at": T0,
        }
    )


def test_given_a_result_stored_as_a_json_string_when_backtests_listed_then_200_with_the_result_as_a_map(
    container: Container, client: TestClient
) -> None:
    # Given: a completed job whose `result` an older writer stored as a JSON string (B1's data)
    record = job_record(_completed_job("legacy-job"))
    container.store.put(Record(record.key, {**record.data, "result": json.dumps(RESULT)}, record.indexes))

    # When
    response = client.get("/api/v1/backtests")

    # Then: the list works and shows the result as an object
    assert response.status_code == 200, response.text
    [job] = [job for job in response.json()["jobs"] if job["job_id"] == "legacy-job"]
    assert {name: job["result"][name] for name in RESULT} == RESULT


def test_given_a_completed_job_when_stored_then_its_result_is_a_map_not_a_json_string(
    container: Container,
) -> None:
    # Given / When
    JobRepository(container.store).create(_completed_job("new-job"))

    # Then: nothing writes the shape B1 could not read
    record = container.store.get(job_record(_completed_job("new-job")).key)
    assert record is not None
    assert record.data["result"] == RESULT
