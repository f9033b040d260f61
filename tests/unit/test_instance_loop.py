"""An instance's loop in-process: replay stored bars, trade the strategy's signals, obey pause and stop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes import FakeMarketData, strategy_instance
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.domain.instances import InstanceStatus, ReplaySpec, StrategyInstance
from tradai.engine.registry import resolve_strategy
from tradai.services.instance_repository import InstanceRepository
from tradai.services.instance_worker import InstanceLoop, InstanceParts, OrderResult
from tradai.services.replay_feed import ReplayFeed
from tradai.services.signal_trader import SignalTrader, TradeDecision

BTC = "BTC/USDT:USDT"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


class RecordingOrders:
    """Fills every order, or denies those over a notional cap, and remembers them."""

    def __init__(self, cap: float = float("inf")) -> None:
        self.decisions: list[TradeDecision] = []
        self.cap = cap

    def submit(self, decision: TradeDecision, instance: StrategyInstance) -> OrderResult:
        self.decisions.append(decision)
        if decision.quantity * decision.price > self.cap:
            return OrderResult(filled_quantity=0.0, denied=True, detail="INSUFFICIENT_BUDGET")
        return OrderResult(filled_quantity=decision.quantity)


@pytest.fixture
def repository(tmp_path: Path) -> InstanceRepository:
    return InstanceRepository(SqliteDocumentStore(tmp_path / "store.sqlite3"))


def stored_instance(repository: InstanceRepository, **changes: object) -> StrategyInstance:
    replay = ReplaySpec(
        start=datetime(2024, 3, 1, tzinfo=UTC), end=datetime(2024, 3, 20, tzinfo=UTC), bars_per_second=1e6
    )
    defaults = {
        "instance_id": "i-1",
        "parameters": {"fast": 5, "slow": 20},
        "replay": replay,
        "runtime_ref": "pid:1",
    }
    instance = strategy_instance(**(defaults | changes))
    repository.create(instance)
    return instance


def loop_for(
    repository: InstanceRepository,
    orders: RecordingOrders,
    *,
    on_sleep: Callable[[int], None] = lambda calls: None,
) -> InstanceLoop:
    calls = [0]

    def sleep(_: float) -> None:
        calls[0] += 1
        on_sleep(calls[0])

    def build(instance: StrategyInstance) -> InstanceParts:
        assert instance.replay is not None
        strategy = resolve_strategy(instance.strategy_name)(instance.parameters)
        feed = ReplayFeed(
            market_data=FakeMarketData.walking(),
            exchange=instance.exchange,
            symbols=instance.symbols,
            timeframe=instance.timeframe,
            start=instance.replay.start,
            end=instance.replay.end,
            warmup_bars=40,
            bars_per_second=instance.replay.bars_per_second,
        )
        trader = SignalTrader(strategy, symbols=instance.symbols, capital=instance.capital, window_bars=60)
        return InstanceParts(feed=feed, trader=trader, orders=orders)

    return InstanceLoop(
        instance_id="i-1",
        repository=repository,
        build=build,
        poll_seconds=0.0,
        clock=lambda: T0 + timedelta(minutes=1),
        monotonic=lambda: float(calls[0]),  # each sleep is a second: the loop re-reads its record
        sleep=sleep,
    )


def test_given_replay_when_run_to_end_then_signals_become_alternating_orders_and_instance_stops(
    repository: InstanceRepository,
) -> None:
    # Given
    stored_instance(repository)
    orders = RecordingOrders()

    # When
    final = loop_for(repository, orders).run()

    # Then: every bar of the range seen, entries and exits alternate, the replay end stops it
    instance = repository.get("i-1")
    assert final == instance.status == InstanceStatus.STOPPED
    assert instance.message == "replay finished: no more stored bars"
    assert instance.stats.bars_processed == 19 * 24 + 1
    assert instance.stats.last_bar_time == datetime(2024, 3, 20, tzinfo=UTC)
    assert len(orders.decisions) >= 4
    assert instance.stats.signals == instance.stats.orders_submitted == len(orders.decisions)
    assert [d.side for d in orders.decisions[:4]] == ["BUY", "SELL", "BUY", "SELL"]
    assert [d.signal for d in orders.decisions[:2]] == ["enter_long", "exit_long"]
    entry, exit_ = orders.decisions[:2]
    assert entry.quantity == pytest.approx(1000.0 / entry.price)
    assert exit_.quantity == entry.quantity


def test_given_budget_cap_when_orders_denied_then_counted_and_position_stays_flat(
    repository: InstanceRepository,
) -> None:
    # Given a cap below the stake: every entry is denied, so no exit ever follows
    stored_instance(repository)
    orders = RecordingOrders(cap=500.0)

    # When
    loop_for(repository, orders).run()

    # Then
    instance = repository.get("i-1")
    assert instance.stats.orders_denied == len(orders.decisions) > 1
    assert {d.signal for d in orders.decisions} == {"enter_long"}


def test_given_paused_instance_when_looping_then_no_bars_consumed_until_resumed(
    repository: InstanceRepository,
) -> None:
    # Given an instance paused on the first sleep, resumed on the 5th, stopped on the 8th
    stored_instance(repository)
    seen: list[int] = []

    def on_sleep(calls: int) -> None:
        now = datetime.now(UTC)
        seen.append(repository.get("i-1").stats.bars_processed)
        if calls == 1:
            repository.transition("i-1", InstanceStatus.PAUSED, at=now)
        if calls == 5:
            repository.transition("i-1", InstanceStatus.RUNNING, at=now)
        if calls == 8:
            repository.transition("i-1", InstanceStatus.STOPPING, at=now)

    # When
    final = loop_for(repository, RecordingOrders(), on_sleep=on_sleep).run()

    # Then: no bar while paused, a few after resuming, stopped on request
    assert final == InstanceStatus.STOPPED
    assert repository.get("i-1").message == "stopped on request"
    assert repository.get("i-1").stats.bars_processed == 4  # 1 before the pause, 3 after resuming


def test_given_strategy_that_no_longer_resolves_when_run_then_failed_with_reason(
    repository: InstanceRepository,
) -> None:
    # Given parameters the strategy refuses
    stored_instance(repository, parameters={"fast": 50, "slow": 20})

    # When
    final = loop_for(repository, RecordingOrders()).run()

    # Then
    instance = repository.get("i-1")
    assert final == instance.status == InstanceStatus.FAILED
    assert instance.error is not None
    assert instance.error.code == "INVALID_PARAMETER"
    assert "fast (50) must be below slow (20)" in instance.error.message
    assert instance.error.last_log_lines


def test_given_instance_stopped_before_its_process_started_when_run_then_it_does_not_trade(
    repository: InstanceRepository,
) -> None:
    # Given
    stored_instance(repository, status=InstanceStatus.STOPPED)
    orders = RecordingOrders()

    # When
    final = loop_for(repository, orders).run()

    # Then
    assert (final, orders.decisions) == (InstanceStatus.STOPPED, [])
