"""B5: `POST /api/v1/models/{name}/rollback` answered 503 ("Rollback model failed: 400") on any MLflow
error: an unknown model, nothing to roll back to, an empty body.

Here rollback is decided by the store's promotion history: an unknown model is a 404, nothing
earlier in prod a 409 with a code, a bad target a 404 or 409, and a registry that is down does not
stop it (the registry is synced on the next change). Never a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes_registry import FakeModelRegistry
from tests.integration.test_models_handler import invoke, registry_env  # noqa: F401 (a fixture)
from tests.unit.lifecycle.conftest import promote, register
from tradai.domain.registry import RegistryUnavailable


def test_b5_given_unknown_model_when_rolled_back_with_empty_body_then_404_not_5xx(client: TestClient) -> None:
    response = client.post("/api/v1/models/E2ETestStrategy/rollback", json={})
    assert response.status_code == 404
    assert response.json()["code"] == "MODEL_NOT_FOUND"


def test_b5_given_nothing_in_prod_when_rolled_back_then_409(client: TestClient) -> None:
    register(client, "sma_cross")
    for body in ({}, None):
        response = client.post("/api/v1/models/sma_cross/rollback", json=body)
        assert (response.status_code, response.json()["code"]) == (409, "NOTHING_TO_ROLL_BACK")


def test_b5_given_one_prod_version_ever_when_rolled_back_then_409(
    client: TestClient, staged: Callable[..., dict[str, Any]]
) -> None:
    staged("1.0.0")
    promote(client, "1.0.0")
    response = client.post("/api/v1/models/sma_cross/rollback", json={})
    assert (response.status_code, response.json()["code"]) == (409, "NOTHING_TO_ROLL_BACK")


def test_b5_given_bad_target_versions_when_rolled_back_then_404_or_409(
    client: TestClient, staged: Callable[..., dict[str, Any]]
) -> None:
    staged("1.0.0")
    promote(client, "1.0.0")
    staged("1.1.0")
    unknown = client.post("/api/v1/models/sma_cross/rollback", json={"version": "7.0.0"})
    never = client.post("/api/v1/models/sma_cross/rollback", json={"version": "1.1.0"})
    current = client.post("/api/v1/models/sma_cross/rollback", json={"version": "1.0.0"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "MODEL_VERSION_NOT_FOUND")
    assert (never.status_code, never.json()["code"]) == (409, "VERSION_NEVER_IN_PROD")
    assert (current.status_code, current.json()["code"]) == (409, "ALREADY_IN_PROD")


def test_b5_given_registry_down_when_rolled_back_then_store_decides_and_no_5xx(
    client: TestClient, staged: Callable[..., dict[str, Any]], registry: FakeModelRegistry
) -> None:
    # Given
    staged("1.0.0")
    promote(client, "1.0.0")
    staged("1.1.0")
    promote(client, "1.1.0")
    registry.fail = RegistryUnavailable("connection refused")

    # When
    response = client.post("/api/v1/models/sma_cross/rollback", json={})

    # Then: rolled back, and the answer says the registry is behind (synced on the next change)
    assert response.status_code == 200
    assert response.json()["registry_synced"] is False
    assert client.get("/api/v1/strategies/sma_cross/status").json()["champion_version"] == "1.0.0"
    registry.fail = None
    assert client.get("/api/v1/models/sma_cross").status_code == 200


@pytest.mark.slow
def test_b5_given_unknown_model_when_rolled_back_through_the_lambda_then_404(registry_env: None) -> None:  # noqa: F811
    status, body = invoke("models", "models/rollback")
    assert status == 404
    assert body["code"] == "MODEL_NOT_FOUND"
