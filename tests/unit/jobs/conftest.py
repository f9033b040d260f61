"""Jobs on a real SQLite store in a temp folder: cheap, and the adapter's semantics are the real ones."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fakes import local_container
from tradai.adapters.local_job_bus import LocalJobBus
from tradai.api.app import create_app
from tradai.api.routers import backtest_submission, backtests, ws
from tradai.bootstrap import Container
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.services.job_repository import JobRepository

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class RecordingExecutor:
    """An executor that remembers what it was asked to do."""

    def __init__(self) -> None:
        self.submitted: list[str] = []
        self.cancelled: list[str] = []

    def submit(self, job_id: str) -> None:
        self.submitted.append(job_id)

    def cancel(self, job_id: str) -> None:
        self.cancelled.append(job_id)


@pytest.fixture
def container(tmp_path: Path) -> Container:
    return local_container(tmp_path, executor=RecordingExecutor(), job_bus=LocalJobBus())


@pytest.fixture
def repository(container: Container) -> JobRepository:
    return JobRepository(container.store)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(
        routers=[backtest_submission.router, backtests.router, ws.router],
        settings=container.settings,
        container=container,
    )
    with TestClient(app) as test_client:
        yield test_client


def new_job(created_at: datetime = T0, **fields: object) -> BacktestJob:
    values: dict[str, object] = {
        "job_id": str(uuid.uuid4()),
        "owner": "alice",
        "strategy_name": "sma_cross",
        "strategy_version": "1.0.0",
        "request": {"capital": 10_000, "symbols": ["BTC/USDT:USDT"]},
        "created_at": created_at,
        "updated_at": created_at,
    }
    values.update(fields)
    return BacktestJob.model_validate(values)


@pytest.fixture
def stored_job(repository: JobRepository) -> Callable[..., BacktestJob]:
    """Store a job and walk it to `status` through the real transitions."""

    def make(status: JobStatus = JobStatus.QUEUED, *, minutes: int = 0, **fields: object) -> BacktestJob:
        job = new_job(T0 + timedelta(minutes=minutes), **fields)
        repository.create(job)
        path = {
            JobStatus.QUEUED: [],
            JobStatus.RUNNING: [JobStatus.RUNNING],
            JobStatus.COMPLETED: [JobStatus.RUNNING, JobStatus.COMPLETED],
            JobStatus.FAILED: [JobStatus.RUNNING, JobStatus.FAILED],
            JobStatus.CANCELLED: [JobStatus.CANCELLED],
        }[status]
        for step in path:
            job = repository.transition(job.job_id, step, at=T0)
        return job

    return make
