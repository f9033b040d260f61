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
from tests.fakes_registry import FakeModelRegistry
from tests.unit.jobs.conftest import RecordingExecutor
from tradai.api.app import create_app
from tradai.api.routers import (
    ab_tests,
    catalog,
    catalog_detail,
    config_creation,
    configs,
    models,
    promotions,
    strategies,
    strategy_registration,
)
from tradai.bootstrap import Container
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.services.job_repository import JobRepository
from tradai.services.strategy_repository import StrategyRepository

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LIFECYCLE_ROUTERS = [
    strategies.router,
    strategy_registration.router,
    configs.router,
    config_creation.router,
    promotions.router,
    models.router,
    models.mlflow_router,
    ab_tests.router,
    catalog.router,
    catalog_detail.router,
]


@pytest.fixture
def registry() -> FakeModelRegistry:
    return FakeModelRegistry()


@pytest.fixture
def container(tmp_path: Path, registry: FakeModelRegistry) -> Container:
    return local_container(tmp_path, executor=RecordingExecutor(), registry=registry)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(routers=LIFECYCLE_ROUTERS, settings=container.settings, container=container)
    with TestClient(app) as test_client:
        yield test_client


def register(client: TestClient, name: str, version: str = "1.0.0", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "version": version, "pairs": ["BTC/USDT:USDT"], **fields}  # the pair with fake bars
    response = client.post("/api/v1/strategies", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
def completed_backtest(container: Container) -> Callable[..., BacktestJob]:
    """Store a COMPLETED job that ran registered `strategy` `version` (its class, code and default
    parameters) with these result metrics, `minutes` after T0."""

    def make(strategy: str, version: str, *, minutes: int = 0, **result: Any) -> BacktestJob:
        registered = StrategyRepository(container.store).get(strategy, version)
        jobs = JobRepository(container.store)
        at = T0 + timedelta(minutes=minutes)
        job = BacktestJob(
            job_id=str(uuid.uuid4()),
            owner="alice",
            strategy_name=registered.strategy_class,
            strategy_version="1.0.0",
            request={
                "strategy_config": {"name": registered.strategy_class, "parameters": registered.parameters}
            },
            created_at=at,
            updated_at=at,
        )
        jobs.create(job)
        jobs.transition(job.job_id, JobStatus.RUNNING, at=at)
        changes = {
            "result": result,
            "completed_at": at.isoformat(),
            "reproducibility": {"code_hash": registered.code_hash},
        }
        return jobs.transition(job.job_id, JobStatus.COMPLETED, at=at, changes=changes)

    return make


GOOD = {"sharpe_ratio": 1.4, "max_drawdown": -0.12, "trades_count": 40, "total_return": 0.3}


@pytest.fixture
def staged(client: TestClient, container: Container) -> Callable[..., dict[str, Any]]:
    """Register `version` of sma_cross, stage it, and finish its validation job with `result`."""

    def make(
        version: str, result: dict[str, Any] | None = GOOD, status: JobStatus = JobStatus.COMPLETED
    ) -> dict[str, Any]:
        register(client, "sma_cross", version)
        response = client.post("/api/v1/strategies/sma_cross/stage", json={"version": version})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        jobs = JobRepository(container.store)
        job_id = body["validation_job_id"]
        if status is not JobStatus.QUEUED:
            job = jobs.get(job_id)
            jobs.transition(job_id, JobStatus.RUNNING, at=job.created_at)
            jobs.transition(job_id, status, at=job.created_at, changes={"result": result})
        return body

    return make


def promote(client: TestClient, version: str, **fields: Any) -> Any:
    return client.post("/api/v1/strategies/sma_cross/promote", json={"version": version, **fields})
