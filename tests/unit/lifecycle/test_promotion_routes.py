"""Stage, promote, roll back through the API, on the in-memory registry; bug B5's regression tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.fakes_registry import FakeModelRegistry
from tests.unit.jobs.conftest import RecordingExecutor
from tests.unit.lifecycle.conftest import promote, register
from tradai.bootstrap import Container
from tradai.domain.jobs import JobStatus
from tradai.services.job_repository import JobRepository


def test_given_registered_version_when_staged_then_validation_job_runs_on_stored_bars(
    client: TestClient, container: Container, registry: FakeModelRegistry
) -> None:
    # Given
    register(client, "sma_cross")

    # When
    response = client.post("/api/v1/strategies/sma_cross/stage", json={"version": "1.0.0"})

    # Then: seed 001's answer, a real job handed to the executor, the challenger alias set
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("name", "version", "stage", "status")} == {
        "name": "sma_cross",
        "version": "1.0.0",
        "stage": "staging",
        "status": "validation_in_progress",
    }
    assert isinstance(container.executor, RecordingExecutor)
    assert container.executor.submitted == [body["validation_job_id"]]
    job = JobRepository(container.store).get(body["validation_job_id"])
    assert job.request["symbols"] == ["BTC/USDT:USDT"]
    assert job.request["date_range"]["end"].startswith("2024-03-31")  # the newest stored bar
    assert registry.get_model("sma_cross").aliases == {"challenger": "1"}
    assert client.get("/api/v1/strategies/sma_cross/status").json()["challenger_version"] == "1.0.0"


def test_given_bad_stage_requests_when_sent_then_422_404(client: TestClient) -> None:
    register(client, "sma_cross")
    assert client.post("/api/v1/strategies/sma_cross/stage", json={}).status_code == 422
    assert client.post("/api/v1/strategies/sma_cross/stage", json={"version": "9.9"}).status_code == 404
    assert client.post("/api/v1/strategies/nope/stage", json={"version": "1.0.0"}).status_code == 404
    assert client.post("/api/v1/strategies/sma_cross/promote").status_code == 422


def test_given_version_without_stored_bars_when_staged_then_400_no_market_data(client: TestClient) -> None:
    register(client, "sma_cross", pairs=["DOGE/USDT:USDT"])
    response = client.post("/api/v1/strategies/sma_cross/stage", json={"version": "1.0.0"})
    assert response.status_code == 400
    assert response.json()["code"] == "NO_MARKET_DATA"


def test_given_validation_passed_when_promoted_then_prod_and_champion(
    client: TestClient, staged: Callable[..., dict[str, Any]], registry: FakeModelRegistry
) -> None:
    # Given
    staged("1.0.0")

    # When
    response = promote(client, "1.0.0")

    # Then
    assert response.status_code == 200
    body = response.json()
    assert (body["stage"], body["previous_version"], body["registry_synced"]) == ("prod", None, True)
    assert registry.get_model("sma_cross").aliases == {"champion": "1"}
    (version,) = client.get("/api/v1/models/sma_cross/versions").json()["versions"]
    assert version["stage"] == "prod"
    assert version["metrics"]["sharpe_ratio"] == 1.4
    assert version["aliases"] == ["champion"]


def test_given_unvalidated_or_unfinished_validation_when_promoted_then_409(
    client: TestClient, staged: Callable[..., dict[str, Any]]
) -> None:
    register(client, "sma_cross", "0.1.0")
    staged("1.0.0", status=JobStatus.QUEUED)
    never = promote(client, "0.1.0")
    running = promote(client, "1.0.0")
    assert (never.status_code, never.json()["code"]) == (409, "NOT_VALIDATED")
    assert (running.status_code, running.json()["code"]) == (409, "VALIDATION_NOT_COMPLETE")


def test_given_validation_missing_gates_when_promoted_then_409_listing_every_failed_gate(
    client: TestClient, staged: Callable[..., dict[str, Any]]
) -> None:
    # Given: weak on all three gates (defaults 0.5, 0.3, 10)
    staged("1.0.0", {"sharpe_ratio": 0.1, "max_drawdown": -0.45, "trades_count": 3})

    # When
    refused = promote(client, "1.0.0")
    forced = promote(client, "1.0.0", force=True)

    # Then
    assert refused.status_code == 409
    assert refused.json()["code"] == "PROMOTION_GATES_FAILED"
    for gate in ("min_sharpe", "max_drawdown", "min_trades"):
        assert gate in refused.json()["detail"]
    assert forced.status_code == 200


def test_given_prod_version_when_promoted_again_then_409(
    client: TestClient, staged: Callable[..., dict[str, Any]]
) -> None:
    staged("1.0.0")
    promote(client, "1.0.0")
    again = promote(client, "1.0.0")
    assert (again.status_code, again.json()["code"]) == (409, "ALREADY_IN_PROD")


def test_given_two_prod_versions_when_rolled_back_then_previous_is_champion_again(
    client: TestClient, staged: Callable[..., dict[str, Any]], registry: FakeModelRegistry
) -> None:
    # Given
    staged("1.0.0")
    promote(client, "1.0.0")
    staged("1.1.0")
    assert promote(client, "1.1.0").json()["previous_version"] == "1.0.0"

    # When
    response = client.post("/api/v1/models/sma_cross/rollback", json={})

    # Then
    assert response.status_code == 200
    body = response.json()
    assert (body["model_name"], body["previous_version"], body["rolled_back_to"], body["status"]) == (
        "sma_cross",
        "1.1.0",
        "1.0.0",
        "completed",
    )
    assert client.get("/api/v1/models/sma_cross").json()["champion_version"] == "1.0.0"
    stages = {
        v["version"]: v["stage"] for v in client.get("/api/v1/models/sma_cross/versions").json()["versions"]
    }
    assert stages == {"1.0.0": "prod", "1.1.0": "archived"}
    active = client.get("/api/v1/models/sma_cross/versions", params={"include_archived": "false"}).json()
    assert [v["version"] for v in active["versions"]] == ["1.0.0"]


def test_given_three_prod_versions_when_rolled_back_to_the_first_then_history_truncated(
    client: TestClient, staged: Callable[..., dict[str, Any]]
) -> None:
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        staged(version)
        promote(client, version)
    assert (
        client.post("/api/v1/models/sma_cross/rollback", json={"version": "1.0.0"}).json()["rolled_back_to"]
        == "1.0.0"
    )
    again = client.post("/api/v1/models/sma_cross/rollback", json={})
    assert (again.status_code, again.json()["code"]) == (409, "NOTHING_TO_ROLL_BACK")


def test_given_models_when_listed_then_one_per_staged_strategy(
    client: TestClient, staged: Callable[..., dict[str, Any]]
) -> None:
    staged("1.0.0")
    register(client, "RsiReversion", strategy_class="rsi_reversion")  # never staged: not a model
    body = client.get("/api/v1/models").json()
    assert [m["name"] for m in body["models"]] == ["sma_cross"]
    assert body["models"][0]["challenger_version"] == "1.0.0"
    assert client.get("/api/v1/models/RsiReversion").status_code == 404


def test_given_no_registry_configured_when_models_read_then_503_in_error_shape(
    client: TestClient, container: Container
) -> None:
    container.registry = None
    response = client.get("/api/v1/models")
    assert response.status_code == 503
    assert response.json()["code"] == "REGISTRY_UNAVAILABLE"


def test_given_model_when_read_in_mlflow_shape_then_aliases_versions_and_tags(
    client: TestClient, staged: Callable[..., dict[str, Any]]
) -> None:
    # Given
    staged("1.0.0")
    promote(client, "1.0.0")

    # When
    response = client.get("/api/v1/mlflow/models/sma_cross")
    missing = client.get("/api/v1/mlflow/models/nope")

    # Then: MLflow's `registered-models/get` body
    model = response.json()["registered_model"]
    assert model["aliases"] == [{"alias": "champion", "version": "1"}]
    (version,) = model["latest_versions"]
    assert {"key": "strategy_version", "value": "1.0.0"} in version["tags"]
    assert version["aliases"] == ["champion"]
    assert (missing.status_code, missing.json()["code"]) == (404, "MODEL_NOT_FOUND")
