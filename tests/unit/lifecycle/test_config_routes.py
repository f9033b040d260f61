"""`/api/v1/configs`: versions checked against the strategy's parameters, one active, deprecation."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.lifecycle.conftest import T0, register
from tradai.bootstrap import Container
from tradai.domain.configs import ConfigDeprecated
from tradai.services.config_repository import ConfigRepository, runnable_config
from tradai.services.configs import ConfigChangedConcurrently, activate_config, create_config


def create(
    client: TestClient, config_data: dict[str, Any], strategy: str = "PascalStrategy", **fields: Any
) -> Any:
    return client.post(
        "/api/v1/configs", json={"strategy_name": strategy, "config_data": config_data, **fields}
    )


def test_given_valid_data_when_created_then_201_numbered_and_inactive(client: TestClient) -> None:
    first = create(client, {"ema_fast": 13, "timeframe": "1h"}, description="fast")
    second = create(client, {"ema_fast": 8})

    assert first.status_code == 201
    body = first.json()
    assert body["version"] == 1
    assert second.json()["version"] == 2
    assert body["status"] == "inactive"
    assert body["config_data"]["ema_fast"] == 13
    assert body["config_data"]["timeframe"] == "1h"
    assert body["config_data"]["ema_slow"] == 55  # defaults filled in


@pytest.mark.parametrize(
    ("config_data", "named"),
    [
        ({"ema_fastt": 13}, "ema_fastt"),
        ({"ema_fast": 1000}, "ema_fast"),
        ({"rsi_exit": "high"}, "rsi_exit"),
        ({"timeframe": "hourly"}, "timeframe"),
        ({"pairs": ["btc"]}, "pairs"),
    ],
)
def test_given_data_off_the_schema_when_created_then_422_naming_the_key(
    client: TestClient, config_data: dict[str, Any], named: str
) -> None:
    response = create(client, config_data)
    assert response.status_code == 422
    assert named in response.json()["detail"]
    assert set(response.json()) == {"detail", "code", "timestamp"}


def test_given_missing_config_data_when_created_then_422(client: TestClient) -> None:
    response = client.post("/api/v1/configs", json={"strategy_name": "X"})
    assert response.status_code == 422
    assert "config_data" in response.json()["detail"]


def test_given_unknown_strategy_when_created_then_404(client: TestClient) -> None:
    response = create(client, {}, strategy="NoSuchStrategy")
    assert response.status_code == 404
    assert response.json()["code"] == "STRATEGY_NOT_FOUND"


def test_given_registered_strategy_when_config_created_then_checked_against_its_class(
    client: TestClient,
) -> None:
    register(client, "TrendFollower", strategy_class="sma_cross")
    assert create(client, {"fast": 5}, strategy="TrendFollower").status_code == 201
    assert create(client, {"ema_fast": 5}, strategy="TrendFollower").status_code == 422


def test_given_taken_name_when_created_then_409(client: TestClient) -> None:
    assert create(client, {}, name="mine").status_code == 201
    response = create(client, {}, name="mine")
    assert response.status_code == 409
    assert response.json()["code"] == "CONFIG_NAME_TAKEN"


def test_given_no_configs_when_listed_then_empty_list(client: TestClient) -> None:
    assert client.get("/api/v1/configs/E2ETestStrategy").json() == {
        "strategy_name": "E2ETestStrategy",
        "items": [],
        "total": 0,
        "active_config_id": None,
    }


def test_given_collection_get_when_requested_then_405_in_error_format(client: TestClient) -> None:
    response = client.get("/api/v1/configs")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
    assert "POST" in response.headers["allow"]


def test_given_two_configs_when_activated_in_turn_then_exactly_one_active(client: TestClient) -> None:
    # Given
    a = create(client, {"ema_fast": 10}).json()["config_id"]
    b = create(client, {"ema_fast": 20}).json()["config_id"]

    # When
    client.post(f"/api/v1/configs/PascalStrategy/{a}/activate")
    switched = client.post(f"/api/v1/configs/PascalStrategy/{b}/activate")

    # Then
    assert switched.json()["is_active"]
    listed = client.get("/api/v1/configs/PascalStrategy").json()
    assert [c["status"] for c in listed["items"]] == ["inactive", "active"]
    assert listed["active_config_id"] == b
    assert client.get(f"/api/v1/configs/PascalStrategy/{a}").json()["status"] == "inactive"


def test_given_deprecated_config_when_activated_then_409_and_not_runnable(
    client: TestClient, container: Container
) -> None:
    # Given
    config_id = create(client, {}).json()["config_id"]
    client.post(f"/api/v1/configs/PascalStrategy/{config_id}/activate")

    # When
    deprecated = client.post(f"/api/v1/configs/PascalStrategy/{config_id}/deprecate")
    activated = client.post(f"/api/v1/configs/PascalStrategy/{config_id}/activate")

    # Then: deprecating the active config leaves none active
    assert deprecated.json()["status"] == "deprecated"
    assert activated.status_code == 409
    assert activated.json()["code"] == "CONFIG_DEPRECATED"
    assert client.get("/api/v1/configs/PascalStrategy").json()["active_config_id"] is None
    with pytest.raises(ConfigDeprecated):
        runnable_config(store=container.store, strategy_name="PascalStrategy", config_id=config_id)


def test_given_unknown_config_when_read_or_changed_then_404(client: TestClient) -> None:
    for response in (
        client.get("/api/v1/configs/PascalStrategy/nope"),
        client.post("/api/v1/configs/PascalStrategy/nope/activate"),
        client.post("/api/v1/configs/PascalStrategy/nope/deprecate"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "CONFIG_NOT_FOUND"


def test_given_racing_activations_when_done_then_exactly_one_config_active(container: Container) -> None:
    # Given: eight configs
    assert container.strategies is not None
    ids = [
        create_config(
            store=container.store,
            catalog=container.strategies,
            strategy_name="PascalStrategy",
            config_data={"ema_fast": 10 + i},
            owner="alice",
            now=T0,
        ).config_id
        for i in range(8)
    ]

    # When: each activated from its own thread at once (losers of a race get a 409, not a split state)
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def activate(config_id: str) -> None:
        barrier.wait()
        try:
            activate_config(
                store=container.store, strategy_name="PascalStrategy", config_id=config_id, now=T0
            )
            outcomes.append("activated")
        except ConfigChangedConcurrently:
            outcomes.append("conflict")

    threads = [threading.Thread(target=activate, args=(config_id,)) for config_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then: every call answered, and exactly one config is active
    assert len(outcomes) == len(ids)
    repository = ConfigRepository(container.store)
    active = [c.config_id for c in repository.versions("PascalStrategy") if c.status.value == "active"]
    assert len(active) == 1
    assert repository.active_id("PascalStrategy") == active[0]
