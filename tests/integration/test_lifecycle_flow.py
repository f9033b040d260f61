"""Stage -> validate -> promote -> rollback end to end through the API: real validation backtests
(the engine, run inline by the executor), the real MLflow registry on sqlite, a restart in between."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import local_container
from tests.unit.lifecycle.conftest import LIFECYCLE_ROUTERS
from tradai.adapters.mlflow_registry import MlflowModelRegistry
from tradai.api.app import create_app
from tradai.bootstrap import Container
from tradai.domain.clock import utc_now
from tradai.domain.jobs import JobStatus
from tradai.services import backtest_runner
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import JobReporter, execute
from tradai.settings import Settings

pytestmark = pytest.mark.slow


class InlineExecutor:
    """Runs a submitted job to its end in the caller's thread, with the real backtest runner."""

    def __init__(self) -> None:
        self.container: Container | None = None

    def submit(self, job_id: str) -> None:
        assert self.container is not None
        jobs = JobRepository(self.container.store)
        jobs.transition(job_id, JobStatus.RUNNING, at=utc_now())
        reporter = JobReporter(job_id=job_id, jobs=jobs, events=None)
        execute(job_id, runner=backtest_runner.run, reporter=reporter, container=self.container)

    def cancel(self, job_id: str) -> None:
        """Nothing runs after `submit` returns."""


def server(data_dir: Path, **gates: Any) -> TestClient:
    """The API on `data_dir`'s stores and MLflow registry, as a (re)started server builds it."""
    settings = Settings(data_dir=data_dir, **gates)
    executor = InlineExecutor()
    container = local_container(
        data_dir, settings=settings, executor=executor, registry=MlflowModelRegistry(settings.registry_uri)
    )
    executor.container = container
    return TestClient(create_app(routers=LIFECYCLE_ROUTERS, settings=settings, container=container))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "tradai"


LOOSE = {"promotion_min_sharpe": -100.0, "promotion_max_drawdown": 1.0, "promotion_min_trades": 1}


def register_and_stage(client: TestClient, version: str, fast: int) -> dict[str, Any]:
    registered = client.post(
        "/api/v1/strategies",
        json={
            "name": "sma_cross",
            "version": version,
            "parameters": {"fast": fast},
            "pairs": ["BTC/USDT:USDT"],
        },
    )
    assert registered.status_code == 201, registered.text
    staged = client.post("/api/v1/strategies/sma_cross/stage", json={"version": version})
    assert staged.status_code == 200, staged.text
    body: dict[str, Any] = staged.json()
    return body


def test_given_two_versions_when_staged_promoted_and_rolled_back_then_registry_follows_across_a_restart(
    home: Path,
) -> None:
    # Given: a server; version 1.0.0 staged, validated by a real backtest, promoted
    with server(home, **LOOSE) as client:
        staged = register_and_stage(client, "1.0.0", fast=10)
        job = client.app.state.container_provider().store  # type: ignore[attr-defined]
        validation = JobRepository(job).get(staged["validation_job_id"])
        assert validation.status is JobStatus.COMPLETED, validation.error
        assert validation.result is not None
        assert validation.result["trades_count"] > 0
        first = client.post("/api/v1/strategies/sma_cross/promote", json={"version": "1.0.0"})
        assert first.status_code == 200, first.text

        # When: 1.1.0 goes the same way, then prod is rolled back
        register_and_stage(client, "1.1.0", fast=5)
        second = client.post("/api/v1/strategies/sma_cross/promote", json={"version": "1.1.0"}).json()
        rollback = client.post("/api/v1/models/sma_cross/rollback", json={})

        # Then
        assert second["previous_version"] == "1.0.0"
        assert second["registry_synced"] is True
        assert rollback.status_code == 200
        assert (rollback.json()["previous_version"], rollback.json()["rolled_back_to"]) == ("1.1.0", "1.0.0")

    # And after a restart the registry still says so (MLflow's sqlite store under the data dir)
    with server(home, **LOOSE) as restarted:
        model = restarted.get("/api/v1/models/sma_cross").json()
        versions = restarted.get("/api/v1/models/sma_cross/versions").json()["versions"]
    assert model["champion_version"] == "1.0.0"
    assert {v["version"]: (v["stage"], v["aliases"]) for v in versions} == {
        "1.0.0": ("prod", ["champion"]),
        "1.1.0": ("archived", []),
    }
    assert versions[0]["metrics"]["trades"] == validation.result["trades_count"]
    assert versions[0]["backtest_job_id"] == staged["validation_job_id"]
    assert (home / "mlflow" / "mlflow.db").exists()


def test_given_validation_below_the_gates_when_promoted_then_409_with_the_real_metrics(
    home: Path,
) -> None:
    # Given: a real validation run, and a gate no 3-month run can meet
    with server(home, promotion_min_trades=100_000) as client:
        register_and_stage(client, "1.0.0", fast=10)

        # When
        response = client.post("/api/v1/strategies/sma_cross/promote", json={"version": "1.0.0"})

    # Then
    assert response.status_code == 409
    assert response.json()["code"] == "PROMOTION_GATES_FAILED"
    assert "min_trades: trades" in response.json()["detail"]
