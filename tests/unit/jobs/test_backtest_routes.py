"""`/api/v1/backtests` list, read and cancel, in seed 001's shapes."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.unit.jobs.conftest import RecordingExecutor
from tradai.bootstrap import Container
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.services.job_repository import JobRepository

RESULT = {
    "total_return": 0.1234,
    "sharpe_ratio": 1.45,
    "max_drawdown": -0.082,
    "trades_count": 42,
    "win_rate": 0.619,
    "profit_factor": 1.89,
}


def test_given_jobs_when_listed_then_seed_shape_newest_first_with_total_and_cursor(
    client: TestClient, stored_job: Callable[..., BacktestJob], repository: JobRepository
) -> None:
    # Given three jobs, the newest completed with a result
    stored_job(minutes=0)
    stored_job(minutes=1)
    newest = stored_job(JobStatus.RUNNING, minutes=2)
    repository.transition(
        newest.job_id, JobStatus.COMPLETED, at=newest.created_at, changes={"result": RESULT}
    )

    # When
    first = client.get("/api/v1/backtests", params={"limit": 2}).json()
    second = client.get("/api/v1/backtests", params={"limit": 2, "cursor": first["cursor"]}).json()

    # Then
    assert first["total"] == 3
    assert first["jobs"][0]["job_id"] == newest.job_id
    assert first["jobs"][0]["status"] == "COMPLETED"
    assert first["jobs"][0]["result"] == RESULT
    assert first["jobs"][0]["strategy_name"] == "sma_cross"
    assert first["jobs"][0]["created_at"].endswith("Z")
    assert len(second["jobs"]) == 1
    assert second["cursor"] is None


@pytest.mark.parametrize("parameter", ["status", "status_param"])
def test_given_mixed_jobs_when_filtered_by_status_then_only_those(
    client: TestClient, stored_job: Callable[..., BacktestJob], parameter: str
) -> None:
    stored_job(JobStatus.QUEUED)
    cancelled = stored_job(JobStatus.CANCELLED, minutes=1)
    body = client.get("/api/v1/backtests", params={parameter: "CANCELLED"}).json()
    assert [job["job_id"] for job in body["jobs"]] == [cancelled.job_id]
    assert body["total"] == 1


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"limit": 0}, 422, "VALIDATION_ERROR"),
        ({"limit": 101}, 422, "VALIDATION_ERROR"),
        ({"status": "DONE"}, 422, "VALIDATION_ERROR"),
        ({"cursor": "garbage"}, 400, "INVALID_CURSOR"),
    ],
)
def test_given_bad_list_query_when_listed_then_4xx_with_code(
    client: TestClient, params: dict[str, object], status: int, code: str
) -> None:
    response = client.get("/api/v1/backtests", params=params)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_given_job_when_read_then_progress_and_error_fields(
    client: TestClient, stored_job: Callable[..., BacktestJob], repository: JobRepository
) -> None:
    # Given a failed job that had progressed
    job = stored_job(JobStatus.RUNNING)
    repository.record_progress(
        job.job_id,
        at=job.created_at,
        changes={"progress": {"current": 75, "total": 100}, "message": "2024-10"},
    )
    repository.transition(
        job.job_id,
        JobStatus.FAILED,
        at=job.created_at,
        changes={"error": {"code": "NO_DATA", "message": "no bars"}},
    )

    # When
    body = client.get(f"/api/v1/backtests/{job.job_id}").json()

    # Then
    assert body["status"] == "FAILED"
    assert body["progress"] == {"current": 75, "total": 100, "percentage": 75.0}
    assert body["error"] == {"code": "NO_DATA", "message": "no bars"}


def test_given_unknown_or_malformed_id_when_read_then_404_or_422(client: TestClient) -> None:
    missing = client.get(f"/api/v1/backtests/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "JOB_NOT_FOUND"
    assert client.get("/api/v1/backtests/not-a-uuid").status_code == 422


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RUNNING])
def test_given_live_job_when_cancelled_then_cancelled_and_worker_told(
    client: TestClient, container: Container, stored_job: Callable[..., BacktestJob], status: JobStatus
) -> None:
    # Given
    job = stored_job(status)

    # When
    response = client.post(f"/api/v1/backtests/{job.job_id}/cancel")

    # Then
    assert response.status_code == 200
    assert response.json()["status"] == "CANCELLED"
    assert response.json()["completed_at"] is not None
    assert isinstance(container.executor, RecordingExecutor)
    assert container.executor.cancelled == [job.job_id]


@pytest.mark.parametrize("status", [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED])
def test_given_finished_job_when_cancelled_then_409_and_unchanged(
    client: TestClient, stored_job: Callable[..., BacktestJob], repository: JobRepository, status: JobStatus
) -> None:
    job = stored_job(status)
    response = client.post(f"/api/v1/backtests/{job.job_id}/cancel")
    assert response.status_code == 409
    assert response.json()["code"] == "INVALID_TRANSITION"
    assert repository.get(job.job_id).status is status


@pytest.mark.parametrize("query", ["statuss=FAILED", "=0", "limit=5&debug=1"])
def test_given_undeclared_query_parameter_when_listed_then_422_naming_it(
    client: TestClient, query: str
) -> None:
    response = client.get(f"/api/v1/backtests?{query}")
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "unknown query parameter" in response.json()["detail"]


@pytest.mark.parametrize("query", ["limit=1&limit=100", "status=FAILED&status=COMPLETED"])
def test_given_single_valued_query_parameter_repeated_when_listed_then_422_naming_it(
    client: TestClient, query: str
) -> None:
    # When: two values where one would silently win
    response = client.get(f"/api/v1/backtests?{query}")

    # Then
    assert response.status_code == 422
    assert "given more than once" in response.json()["detail"]


def test_given_path_served_by_two_routes_when_wrong_method_then_405_allow_lists_both(
    client: TestClient,
) -> None:
    response = client.request("PUT", "/api/v1/backtests")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
