"""Instance routes over HTTP on a real SQLite store, with instance processes faked in memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeInstanceRunner, FakeMarketData, local_container
from tradai.api.app import create_app
from tradai.api.routers import instances
from tradai.bootstrap import Container, build_authenticator
from tradai.domain.instances import InstanceStatus
from tradai.services.instance_repository import InstanceRepository
from tradai.settings import Settings

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
RUN = "/api/v1/strategies/PascalStrategy/run"


@pytest.fixture
def runner() -> FakeInstanceRunner:
    return FakeInstanceRunner()


def make_client(tmp_path: Path, runner: FakeInstanceRunner, **settings: Any) -> TestClient:
    app_settings = Settings(data_dir=tmp_path, replay_bars=100, **settings)
    container: Container = local_container(
        tmp_path,
        settings=app_settings,
        instance_runner=runner,
        market_data=FakeMarketData.walking(
            {BTC: ("2024-01-01", "2024-03-31"), ETH: ("2024-02-01", "2024-03-15")}
        ),
        authenticator=build_authenticator(app_settings),
    )
    app = create_app(routers=[instances.router], settings=app_settings, container=container)
    app.state.repository = InstanceRepository(container.store)
    return TestClient(app)


@pytest.fixture
def client(tmp_path: Path, runner: FakeInstanceRunner) -> Iterator[TestClient]:
    with make_client(tmp_path, runner) as test:
        yield test


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"detail", "code", "timestamp"}
    assert body["code"] == code


def start(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(RUN, json={"capital": 10_000, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def mark_running(client: TestClient, instance_id: str) -> None:
    """What the instance's process does once it has started."""
    repository: InstanceRepository = client.app.state.repository  # type: ignore[attr-defined]
    repository.transition(instance_id, InstanceStatus.RUNNING, at=datetime.now(UTC))


def instance_path(instance_id: str, action: str = "") -> str:
    return f"/api/v1/strategies/PascalStrategy/instances/{instance_id}{action}"


def test_given_stored_bars_when_dry_run_started_then_instance_replays_the_newest_bars(
    client: TestClient, runner: FakeInstanceRunner
) -> None:
    # When
    created = start(client)

    # Then: the strategy's own pair, a replay of the last 100 stored hourly bars, a process launched
    assert (created["status"], created["mode"], created["feed"]) == ("starting", "dry-run", "replay")
    assert (created["strategy_name"], created["strategy_version"]) == ("PascalStrategy", "2.0.0")
    assert created["symbols"] == [BTC]
    assert created["parameters"]["ema_fast"] == 21
    assert created["replay"]["end"] == "2024-03-31T00:00:00Z"
    assert created["replay"]["start"] == "2024-03-26T20:00:00Z"
    assert runner.alive == {created["instance_id"]: True}

    # And it is listed, and counted as starting
    listed = client.get("/api/v1/strategies/pascalstrategy/instances").json()
    assert [item["instance_id"] for item in listed["instances"]] == [created["instance_id"]]
    assert listed["strategy_name"] == "PascalStrategy"
    status = client.get("/api/v1/trading/status").json()
    assert status["summary"] == {
        "running": 0,
        "paused": 0,
        "stopped": 0,
        "failed": 0,
        "starting": 1,
        "stopping": 0,
        "total": 1,
    }


def test_given_two_symbols_when_started_then_replay_covers_only_bars_both_have(client: TestClient) -> None:
    # When
    created = start(client, symbols=[BTC, ETH], bars_per_second=500)

    # Then
    assert created["replay"]["end"] == "2024-03-15T00:00:00Z"
    assert created["replay"]["bars_per_second"] == 500


def test_given_running_instance_when_paused_resumed_and_stopped_then_each_status_follows(
    client: TestClient, runner: FakeInstanceRunner
) -> None:
    # Given
    instance_id = start(client)["instance_id"]
    mark_running(client, instance_id)

    # When / Then
    paused = client.post(instance_path(instance_id, "/pause"))
    assert paused.json()["status"] == "paused"
    assert_error(client.post(instance_path(instance_id, "/pause")), 409, "INVALID_INSTANCE_TRANSITION")
    assert client.post(instance_path(instance_id, "/resume")).json()["status"] == "running"
    assert_error(client.post(instance_path(instance_id, "/resume")), 409, "INVALID_INSTANCE_TRANSITION")
    stopped = client.post(instance_path(instance_id, "/stop")).json()
    assert (stopped["status"], stopped["message"]) == ("stopped", "stopped on request")
    assert runner.stop_requests == [instance_id]
    assert_error(client.post(instance_path(instance_id, "/stop")), 409, "INVALID_INSTANCE_TRANSITION")
    summary = client.get("/api/v1/trading/status").json()["summary"]
    assert (summary["stopped"], summary["total"]) == (1, 1)


def test_given_process_ignoring_sigterm_when_stopped_then_stopping_until_it_is_gone(
    tmp_path: Path,
) -> None:
    # Given a process that outlives the stop timeout (ECS stops asynchronously, too)
    runner = FakeInstanceRunner(stops_gracefully=False)
    with make_client(tmp_path, runner) as client:
        instance_id = start(client)["instance_id"]

        # When
        stopping = client.post(instance_path(instance_id, "/stop")).json()

        # Then: stopping while the process lives, stopped once it has gone
        assert stopping["status"] == "stopping"
        runner.kill(instance_id, exit_code=0)
        assert client.get(instance_path(instance_id)).json()["status"] == "stopped"


def test_given_running_instance_when_its_process_dies_then_failed_with_last_log_lines(
    client: TestClient, runner: FakeInstanceRunner
) -> None:
    # Given
    instance_id = start(client)["instance_id"]
    mark_running(client, instance_id)
    for number in range(25):
        runner.log(instance_id, f"line {number}")

    # When
    runner.kill(instance_id)

    # Then: reported failed by every read, with the reason and the last 20 lines
    status = client.get("/api/v1/trading/status").json()
    assert status["instances"] == []
    assert (status["summary"]["failed"], status["summary"]["running"]) == (1, 0)
    failed = client.get(instance_path(instance_id)).json()
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "INSTANCE_DIED"
    assert "exit code -9" in failed["error"]["message"]
    assert failed["error"]["last_log_lines"] == [f"line {number}" for number in range(5, 25)]


def test_given_logged_lines_when_logs_read_with_limit_and_since_then_newest_matching_lines(
    client: TestClient, runner: FakeInstanceRunner
) -> None:
    # Given
    instance_id = start(client)["instance_id"]
    for hour in range(5):
        runner.log(instance_id, f"hour {hour}", at=datetime(2026, 1, 1, hour, tzinfo=UTC))

    # When
    response = client.get(
        instance_path(instance_id, "/logs"), params={"limit": 2, "since": "2026-01-01T01:00:00Z"}
    )

    # Then
    body = response.json()
    assert (body["count"], [line["message"] for line in body["lines"]]) == (2, ["hour 3", "hour 4"])


def test_given_unknown_strategy_or_instance_when_asked_then_404_with_code(client: TestClient) -> None:
    # Given
    instance_id = start(client)["instance_id"]

    # When / Then
    assert_error(client.get("/api/v1/strategies/Nope/instances"), 404, "STRATEGY_NOT_FOUND")
    assert_error(client.post("/api/v1/strategies/Nope/run", json={"capital": 1}), 404, "STRATEGY_NOT_FOUND")
    other = f"/api/v1/strategies/sma_cross/instances/{instance_id}/stop"
    assert_error(client.post(other), 404, "INSTANCE_NOT_FOUND")
    missing = instance_path("6f1c9f56-3f6e-4a43-9d64-2c37c2b5f0aa", "/logs")
    assert_error(client.get(missing), 404, "INSTANCE_NOT_FOUND")


def test_given_bad_requests_when_run_then_client_errors_and_nothing_stored(
    client: TestClient, runner: FakeInstanceRunner
) -> None:
    # When / Then
    assert_error(client.post(RUN), 422, "VALIDATION_ERROR")
    assert_error(client.post(RUN, json={"capital": 0}), 422, "VALIDATION_ERROR")
    assert_error(client.post(RUN, json={"capital": 5, "symbols": ["SOL/USDT:USDT"]}), 400, "NO_MARKET_DATA")
    assert_error(client.post(RUN, json={"capital": 5, "symbols": ["BTCUSDT"]}), 400, "INVALID_INPUT")
    bad_parameter = client.post(RUN, json={"capital": 5, "parameters": {"ema_fast": 1}})
    assert_error(bad_parameter, 400, "INVALID_STRATEGY_PARAMETERS")
    assert runner.alive == {}
    assert client.get("/api/v1/trading/status").json()["summary"]["total"] == 0


def test_given_live_trading_off_when_live_run_asked_then_403_with_code(client: TestClient) -> None:
    assert_error(client.post(RUN, json={"mode": "live", "capital": 100}), 403, "LIVE_TRADING_DISABLED")


def test_given_live_trading_on_without_keys_when_live_run_asked_then_409_with_code(
    tmp_path: Path, runner: FakeInstanceRunner
) -> None:
    with make_client(tmp_path, runner, live_trading=True) as client:
        assert_error(client.post(RUN, json={"mode": "live", "capital": 100}), 409, "EXCHANGE_KEYS_MISSING")


def test_given_live_trading_on_with_keys_when_live_run_asked_then_live_instance_on_live_candles(
    tmp_path: Path, runner: FakeInstanceRunner
) -> None:
    with make_client(
        tmp_path, runner, live_trading=True, exchange_api_key="key", exchange_api_secret="secret"
    ) as client:
        created = start(client, mode="live")
        assert (created["mode"], created["feed"], created["replay"]) == ("live", "live", None)
        replayed_live = client.post(RUN, json={"mode": "live", "capital": 100, "feed": "replay"})
        assert_error(replayed_live, 400, "INVALID_INPUT")


def test_given_roles_when_runs_asked_then_viewer_reads_trader_dry_runs_admin_goes_live(
    tmp_path: Path, runner: FakeInstanceRunner
) -> None:
    from tradai.adapters.dev_keys import DevTokenKeys

    with make_client(
        tmp_path, runner, auth="dev", live_trading=True, exchange_api_key="k", exchange_api_secret="s"
    ) as client:
        settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
        keys = DevTokenKeys(settings.dev_signing_key_path)

        def as_(group: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {keys.sign(subject=group, groups=[group])}"}

        dry, live = {"capital": 10}, {"capital": 10, "mode": "live"}
        assert_error(client.post(RUN, json=dry), 401, "NOT_AUTHENTICATED")
        assert client.get("/api/v1/trading/status", headers=as_("viewer")).status_code == 200
        assert_error(client.post(RUN, json=dry, headers=as_("viewer")), 403, "FORBIDDEN")
        assert client.post(RUN, json=dry, headers=as_("trader")).status_code == 201
        assert_error(client.post(RUN, json=live, headers=as_("trader")), 403, "FORBIDDEN")
        assert client.post(RUN, json=live, headers=as_("admin")).status_code == 201


def test_given_runner_cannot_start_processes_when_run_then_503_and_instance_failed(tmp_path: Path) -> None:
    with make_client(tmp_path, FakeInstanceRunner(fail_launch=True)) as client:
        assert_error(client.post(RUN, json={"capital": 10}), 503, "SERVICE_UNAVAILABLE")
        listed = client.get("/api/v1/strategies/PascalStrategy/instances").json()["instances"]
        assert [(item["status"], item["error"]["code"]) for item in listed] == [("failed", "LAUNCH_FAILED")]


def test_given_registered_demo_config_when_run_by_config_name_then_its_strategy_and_config_run(
    client: TestClient,
) -> None:
    # Given PascalStrategy 2.0.0 registered with its active config pascal-v2
    from tradai.services.demo_strategies import ensure_demo_strategy

    container: Container = client.app.state.container_provider()  # type: ignore[attr-defined]
    assert container.strategies is not None
    ensure_demo_strategy(store=container.store, catalog=container.strategies, now=datetime.now(UTC))

    # When run by the config's name, with one parameter overridden
    created = client.post(
        "/api/v1/strategies/pascal-v2/run", json={"capital": 100, "parameters": {"ema_fast": 13}}
    ).json()

    # Then: the strategy's instance, with the config's id, pairs and parameters
    assert (created["strategy_name"], created["strategy_version"]) == ("PascalStrategy", "2.0.0")
    assert created["config_id"] is not None
    assert created["symbols"] == [BTC]
    assert (created["parameters"]["ema_fast"], created["parameters"]["ema_slow"]) == (13, 55)
    listed = client.get("/api/v1/strategies/pascal-v2/instances").json()["instances"]
    assert [item["instance_id"] for item in listed] == [created["instance_id"]]

    # And an unknown config id is a 404
    missing = client.post(RUN, json={"capital": 100, "config_id": "nope"})
    assert_error(missing, 404, "CONFIG_NOT_FOUND")


def test_given_registered_strategy_of_another_class_when_run_then_its_version_and_parameters(
    client: TestClient,
) -> None:
    # Given TrendFollower 1.0.0: sma_cross with its own defaults and pair
    from tradai.services.strategy_registration import NewVersion, register_version

    container: Container = client.app.state.container_provider()  # type: ignore[attr-defined]
    assert container.strategies is not None
    register_version(
        store=container.store,
        catalog=container.strategies,
        request=NewVersion(
            name="TrendFollower",
            version="1.0.0",
            strategy_class="sma_cross",
            parameters={"fast": 7},
            pairs=[ETH],
        ),
        now=datetime.now(UTC),
    )

    # When
    created = client.post("/api/v1/strategies/trendfollower/run", json={"capital": 100}).json()

    # Then
    assert (created["strategy_name"], created["strategy_version"]) == ("TrendFollower", "1.0.0")
    assert created["strategy_class"] == "sma_cross"
    assert (created["parameters"]["fast"], created["parameters"]["slow"]) == (7, 30)
    assert created["symbols"] == [ETH]


def test_given_order_left_pending_when_the_instance_dies_then_the_order_is_closed_as_abandoned(
    client: TestClient, runner: FakeInstanceRunner
) -> None:
    # Given an instance killed while one of its orders was still PENDING
    from tradai.domain.orders import Order, OrderStatus, Side
    from tradai.services.ledger_records import order_record, order_status_record
    from tradai.services.trading_ledger import TradingLedger

    instance_id = start(client)["instance_id"]
    mark_running(client, instance_id)
    container: Container = client.app.state.container_provider()  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    pending = Order(
        client_order_id=f"{instance_id}-BTCUSDT-1-enter_long",
        strategy_id="PascalStrategy",
        instance_id=instance_id,
        symbol=BTC,
        exchange="binance_futures",
        instrument_id="BTCUSDT.BINANCE",
        currency="USDT",
        side=Side.BUY,
        quantity=0.1,
        created_at=now,
        updated_at=now,
    )
    # stored as the pipeline stores it: the order and its copy filed under its status
    container.store.put(order_record(pending))
    container.store.put(order_status_record(pending))
    runner.kill(instance_id)

    # When the death is noticed
    assert client.get(instance_path(instance_id)).json()["status"] == "failed"

    # Then
    order = TradingLedger(container.store).order(pending.client_order_id)
    assert (order.status, order.deny_reason) == (OrderStatus.DENIED, "ABANDONED")
