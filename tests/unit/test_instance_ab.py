"""A/B tests meet instances: a run starts both arms with the capital split by traffic, and closed
trades feed the arms `routing-info` reports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeInstanceRunner, local_container
from tests.fakes_registry import FakeModelRegistry
from tests.unit.jobs.conftest import RecordingExecutor
from tests.unit.lifecycle.conftest import LIFECYCLE_ROUTERS, register
from tradai.api.app import create_app
from tradai.api.routers import instances

RUN = "/api/v1/strategies/sma_cross/run"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    container = local_container(
        tmp_path,
        executor=RecordingExecutor(),
        registry=FakeModelRegistry(),
        instance_runner=FakeInstanceRunner(),
    )
    app = create_app(
        routers=[instances.router, *LIFECYCLE_ROUTERS], settings=container.settings, container=container
    )
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def champion(client: TestClient) -> None:
    """sma_cross 1.0.0 (fast 10) in prod, 1.1.0 (fast 5) registered."""
    register(client, "sma_cross", "1.0.0", parameters={"fast": 10})
    register(client, "sma_cross", "1.1.0", parameters={"fast": 5})
    promoted = client.post("/api/v1/strategies/sma_cross/promote", json={"version": "1.0.0", "force": True})
    assert promoted.status_code == 200, promoted.text


def test_given_running_ab_test_when_run_then_both_arms_start_with_capital_split_by_traffic(
    client: TestClient, champion: None
) -> None:
    # Given a test sending 25% of the traffic to 1.1.0
    body = {"challenger_version": "1.1.0", "traffic_split": 0.25, "min_trades": 5}
    assert client.post("/api/v1/strategies/sma_cross/ab-test", json=body).status_code in (200, 201)

    # When
    created = client.post(RUN, json={"capital": 10_000}).json()

    # Then: the champion arm answers; both arms run, each its version's parameters and its share
    listed = {
        item["ab_test"]["arm"]: item
        for item in client.get("/api/v1/strategies/sma_cross/instances").json()["instances"]
    }
    assert created["ab_test"]["arm"] == "champion"
    assert set(listed) == {"champion", "challenger"}
    champion_arm, challenger_arm = listed["champion"], listed["challenger"]
    assert (
        champion_arm["strategy_version"],
        champion_arm["capital"],
        champion_arm["parameters"]["fast"],
    ) == (
        "1.0.0",
        7500,
        10,
    )
    assert (
        challenger_arm["strategy_version"],
        challenger_arm["capital"],
        challenger_arm["parameters"]["fast"],
    ) == (
        "1.1.0",
        2500,
        5,
    )
    assert (
        champion_arm["ab_test"]["instances"]
        == challenger_arm["ab_test"]["instances"]
        == {
            "champion": champion_arm["instance_id"],
            "challenger": challenger_arm["instance_id"],
        }
    )


def test_given_no_ab_test_when_run_then_one_instance_of_the_prod_version(
    client: TestClient, champion: None
) -> None:
    created = client.post(RUN, json={"capital": 10_000}).json()
    assert (created["strategy_version"], created["capital"], created["ab_test"]) == ("1.0.0", 10_000, None)
    assert len(client.get("/api/v1/strategies/sma_cross/instances").json()["instances"]) == 1
