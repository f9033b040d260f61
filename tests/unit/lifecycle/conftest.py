"""Strategy lifecycle on a real SQLite store in a temp folder, the engine's catalog, made-up bars."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import local_container
from tests.unit.jobs.conftest import RecordingExecutor
from tradai.api.app import create_app
from tradai.api.routers import configs, strategies
from tradai.bootstrap import Container
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.services.job_repository import JobRepository

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LIFECYCLE_ROUTERS = [strategies.router, configs.router]


@pytest.fixture
def container(tmp_path: Path) -> Container:
    return local_container(tmp_path, executor=RecordingExecutor())


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(routers=LIFECYCLE_ROUTERS, settings=container.settings, container=container)
    with TestClient(app) as test_client:
        yield test_client


def register(client: TestClient, name: str, version: str = "1.0.0", **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/strategies", json={"name": name, "version": version, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def completed_backtest(container: Container) -> Callable[..., BacktestJob]:
    """Store a COMPLETED job of `strategy` `version` with these result metrics, `minutes` after T0."""

    def make(
        strategy: str, version: str, *, minutes: int = 0, job_id: str | None = None, **result: Any
    ) -> BacktestJob:
        jobs = JobRepository(container.store)
        at = T0 + timedelta(minutes=minutes)
        job = BacktestJob(
            job_id=job_id or str(uuid.uuid4()),
            owner="alice",
            strategy_name=strategy,
            strategy_version=version,
            request={},
            created_at=at,
            updated_at=at,
        )
        jobs.create(job)
        jobs.transition(job.job_id, JobStatus.RUNNING, at=at)
        return jobs.transition(
            job.job_id, JobStatus.COMPLETED, at=at, changes={"result": result, "completed_at": at.isoformat()}
        )

    return make
