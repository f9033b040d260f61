"""Instances as real child processes (`tradai worker instance`) on the local stores.

Start, pause, stop; kill -9 reads as failed with the last log lines; a new runner (a restarted
server) finds a running instance again by its pid and can stop it.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from tests.fakes import random_walk_bars
from tradai.adapters.arctic_bars import ArcticMarketData
from tradai.adapters.engine_catalog import EngineStrategyCatalog
from tradai.adapters.process_instances import ProcessInstanceRunner
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.domain.instances import InstanceStatus, StrategyInstance
from tradai.services.instances import InstancePolicy, InstanceService, RunRequest
from tradai.settings import Settings

BTC = "BTC/USDT:USDT"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("instances")
    bars = random_walk_bars("2024-01-01", "2024-03-31")
    settings = Settings(data_dir=data_dir, instance_poll_seconds=0.1, log_level="INFO")
    market = ArcticMarketData(settings.market_data_uri)
    market.write_bars(exchange="binance_futures", symbol=BTC, timeframe="1h", bars=bars)
    return settings


@pytest.fixture
def service(settings: Settings) -> Iterator[InstanceService]:
    service = make_service(settings, ProcessInstanceRunner(settings))
    yield service
    for instance in service.active_instances(now=datetime.now(UTC)):  # leave no process behind
        service.runner.stop(instance, timeout_seconds=0)


def make_service(settings: Settings, runner: ProcessInstanceRunner) -> InstanceService:
    return InstanceService(
        store=SqliteDocumentStore(settings.store_path),
        catalog=EngineStrategyCatalog(),
        runner=runner,
        bars=ArcticMarketData(settings.market_data_uri),
        policy=InstancePolicy(replay_bars=2000, replay_bars_per_second=20, stop_timeout_seconds=5),
    )


def wait_for(
    read: Callable[[], StrategyInstance], ok: Callable[[StrategyInstance], bool]
) -> StrategyInstance:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        instance = read()
        if ok(instance):
            return instance
        time.sleep(0.1)
    raise AssertionError(f"instance never got there: {instance.status} {instance.message} {instance.error}")


def start(service: InstanceService) -> StrategyInstance:
    request = RunRequest(mode="dry-run", capital=1000, symbols=[BTC], parameters={"fast": 5, "slow": 20})
    return service.run("sma_cross", request, owner="t", may_trade_live=False, now=datetime.now(UTC))


def reader(service: InstanceService, instance_id: str) -> Callable[[], StrategyInstance]:
    return lambda: service.get("sma_cross", instance_id, now=datetime.now(UTC))


def test_given_dry_run_when_started_paused_and_stopped_then_process_follows_and_logs(
    service: InstanceService, settings: Settings
) -> None:
    # Given a running instance that has traded some bars
    instance = start(service)
    read = reader(service, instance.instance_id)
    running = wait_for(read, lambda i: i.status == InstanceStatus.RUNNING and i.stats.bars_processed > 0)

    # When paused, then stopped
    service.pause("sma_cross", running.instance_id, now=datetime.now(UTC))
    stopped = service.stop("sma_cross", running.instance_id, now=datetime.now(UTC))

    # Then: stopped gracefully (the process recorded it), gone, and its log is readable
    assert stopped.status == InstanceStatus.STOPPED
    assert not service.runner.state(stopped).alive
    lines = service.logs("sma_cross", stopped.instance_id, limit=50, since=None, now=datetime.now(UTC))
    messages = [line.message for line in lines]
    assert "instance started" in messages
    assert any(line.timestamp is not None and line.level == "INFO" for line in lines)
    log_file = settings.instances_dir / stopped.instance_id / "instance.log"
    assert log_file.exists()


def test_given_running_instance_when_killed_then_failed_with_exit_code_and_last_lines(
    service: InstanceService,
) -> None:
    # Given
    instance = start(service)
    read = reader(service, instance.instance_id)
    running = wait_for(read, lambda i: i.status == InstanceStatus.RUNNING)
    assert running.runtime_ref is not None

    # When
    os.kill(int(running.runtime_ref.removeprefix("pid:")), signal.SIGKILL)

    # Then
    failed = wait_for(read, lambda i: i.status.is_terminal)
    assert failed.status == InstanceStatus.FAILED
    assert failed.error is not None
    assert failed.error.code == "INSTANCE_DIED"
    assert "SIGKILL" in failed.error.message
    assert "instance started" in failed.error.last_log_lines


def test_given_instance_started_by_an_earlier_server_when_new_runner_asks_then_found_and_stoppable(
    service: InstanceService, settings: Settings
) -> None:
    # Given an instance started by one runner
    instance = start(service)
    wait_for(reader(service, instance.instance_id), lambda i: i.status == InstanceStatus.RUNNING)

    # When a fresh runner (a restarted server) looks at it
    restarted = make_service(settings, ProcessInstanceRunner(settings))
    found = restarted.active_instances(now=datetime.now(UTC))

    # Then it is still running, and the new server can stop it
    assert [item.instance_id for item in found] == [instance.instance_id]
    stopped = restarted.stop("sma_cross", instance.instance_id, now=datetime.now(UTC))
    assert stopped.status == InstanceStatus.STOPPED
    assert not restarted.runner.state(stopped).alive
