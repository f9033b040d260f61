"""Champion/challenger A/B tests: start, route, record arm trades, decide, stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.unit.lifecycle.conftest import register
from tradai.bootstrap import Container
from tradai.domain.errors import InvalidInput
from tradai.services.ab_tests import choose_version, record_trade
from tradai.services.trade_records import trades_of

LATER = datetime.now(UTC) + timedelta(days=1)
"""When fed trades close: after any test these tests start (tests start at the real time)."""


@pytest.fixture
def champion(client: TestClient) -> None:
    """sma_cross 1.0.0 in prod (forced), 1.1.0 and 1.2.0 registered."""
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        register(client, "sma_cross", version)
    response = client.post("/api/v1/strategies/sma_cross/promote", json={"version": "1.0.0", "force": True})
    assert response.status_code == 200, response.text


def start(client: TestClient, **fields: Any) -> Any:
    body = {"challenger_version": "1.1.0", "traffic_split": 0.3, "min_trades": 20, **fields}
    return client.post("/api/v1/strategies/sma_cross/ab-test", json=body)


def feed(container: Container, version: str, returns: list[float], *, prefix: str = "t") -> None:
    for i, value in enumerate(returns):
        record_trade(
            store=container.store,
            strategy_name="sma_cross",
            version=version,
            trade_id=f"{prefix}{version}-{i}",
            return_pct=value,
            closed_at=LATER + timedelta(minutes=i),
            mode="dry_run",
        )


def test_given_unknown_strategy_when_routing_info_read_then_no_test(client: TestClient) -> None:
    body = client.get("/api/v1/strategies/E2ETestStrategy/routing-info").json()
    assert body["active_test"] is False
    assert body["champion_version"] is None
    assert body["decision"] is None


def test_given_champion_when_test_started_then_routing_info_shows_it(
    client: TestClient, champion: None
) -> None:
    # When
    started = start(client)
    info = client.get("/api/v1/strategies/sma_cross/routing-info").json()

    # Then
    assert started.status_code == 200
    assert info["active_test"] is True
    assert (info["champion_version"], info["challenger_version"], info["traffic_split"]) == (
        "1.0.0",
        "1.1.0",
        0.3,
    )
    assert info["arms"]["champion"]["trades"] == 0
    assert info["decision"]["outcome"] == "not_enough_data"


def test_given_bad_requests_when_test_started_then_404_409_422(client: TestClient, champion: None) -> None:
    assert start(client, challenger_version="9.9.9").status_code == 404
    assert start(client, challenger_version="1.0.0").json()["code"] == "ALREADY_IN_PROD"
    assert start(client, traffic_split=1.5).status_code == 422
    assert client.post("/api/v1/strategies/sma_cross/ab-test", json={}).status_code == 422
    assert start(client).status_code == 200
    running = start(client, challenger_version="1.2.0")
    assert (running.status_code, running.json()["code"]) == (409, "AB_TEST_RUNNING")


def test_given_no_champion_when_test_started_then_409(client: TestClient) -> None:
    register(client, "sma_cross")
    register(client, "sma_cross", "1.1.0")
    response = start(client)
    assert (response.status_code, response.json()["code"]) == (409, "NO_CHAMPION")


def test_given_clearly_better_challenger_when_enough_trades_then_challenger_wins_with_confidence(
    client: TestClient, container: Container, champion: None
) -> None:
    # Given
    start(client)
    rng = np.random.default_rng(11)
    feed(container, "1.0.0", rng.normal(0.000, 0.01, 40).tolist())
    feed(container, "1.1.0", rng.normal(0.010, 0.01, 40).tolist())

    # When
    info = client.get("/api/v1/strategies/sma_cross/routing-info").json()

    # Then
    assert info["arms"]["champion"]["trades"] == 40
    assert info["arms"]["challenger"]["mean_return"] > info["arms"]["champion"]["mean_return"]
    decision = info["decision"]
    assert (decision["outcome"], decision["winner"]) == ("challenger", "challenger")
    assert decision["confidence"] > 0.99
    assert decision["p_value"] < 0.01


def test_given_same_distribution_when_enough_trades_then_no_significant_difference(
    client: TestClient, container: Container, champion: None
) -> None:
    start(client)
    rng = np.random.default_rng(5)
    feed(container, "1.0.0", rng.normal(0.002, 0.01, 30).tolist())
    feed(container, "1.1.0", rng.normal(0.002, 0.01, 30).tolist())
    decision = client.get("/api/v1/strategies/sma_cross/routing-info").json()["decision"]
    assert decision["outcome"] == "no_significant_difference"
    assert decision["winner"] is None


def test_given_trades_when_recorded_then_only_this_tests_arms_count_once_each(
    client: TestClient, container: Container, champion: None
) -> None:
    # Given
    start(client)
    arm = record_trade(
        store=container.store,
        strategy_name="sma_cross",
        version="1.1.0",
        trade_id="x",
        return_pct=0.01,
        closed_at=LATER,
        mode="live",
    )

    # When: the same trade again, a trade of a version outside the test, and one from before it started
    feed(container, "1.1.0", [0.01], prefix="x")
    feed(container, "1.1.0", [0.01], prefix="x")
    feed(container, "1.2.0", [0.05])
    record_trade(
        store=container.store,
        strategy_name="sma_cross",
        version="1.0.0",
        trade_id="old",
        return_pct=0.01,
        closed_at=LATER - timedelta(days=400),
        mode="live",
    )

    # Then
    info = client.get("/api/v1/strategies/sma_cross/routing-info").json()
    assert arm == "challenger"
    assert info["arms"]["challenger"]["trades"] == 2
    assert info["arms"]["champion"]["trades"] == 0
    assert len(trades_of(store=container.store, strategy_name="sma_cross")) == 4
    with pytest.raises(InvalidInput):
        feed(container, "1.0.0", [float("nan")])


def test_given_running_test_when_stopped_then_final_decision_and_no_test(
    client: TestClient, container: Container, champion: None
) -> None:
    start(client)
    feed(container, "1.0.0", [0.01, 0.02])
    stopped = client.delete("/api/v1/strategies/sma_cross/ab-test")
    assert stopped.status_code == 200
    assert stopped.json()["arms"]["champion"]["trades"] == 2
    assert client.get("/api/v1/strategies/sma_cross/routing-info").json()["active_test"] is False
    again = client.delete("/api/v1/strategies/sma_cross/ab-test")
    assert (again.status_code, again.json()["code"]) == (404, "AB_TEST_NOT_FOUND")


def test_given_split_when_versions_chosen_then_share_respected_and_stable(
    client: TestClient, container: Container, champion: None
) -> None:
    # Given
    assert choose_version(store=container.store, name="sma_cross", routing_key="a") == "1.0.0"
    start(client, traffic_split=0.3)

    # When
    chosen = [
        choose_version(store=container.store, name="sma_cross", routing_key=f"k{i}") for i in range(2000)
    ]

    # Then
    share = chosen.count("1.1.0") / len(chosen)
    assert 0.26 < share < 0.34
    assert choose_version(store=container.store, name="sma_cross", routing_key="k7") == chosen[7]
