"""The life of one instance inside its process (a local child process or a Fargate task).

starting -> running: poll the feed, act on each new bar's signals, send decisions as orders. Every
few moments the process re-reads its record: `paused` stops trading (bars are not consumed, the
process stays), `stopping` (or SIGTERM) ends the loop, and the process records `stopped`. A replay
that reaches its end stops by itself; a strategy or feed error records `failed` with the reason.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tradai.domain.clock import Clock, utc_now
from tradai.domain.errors import TradaiError
from tradai.domain.instances import (
    InstanceStats,
    InstanceStatus,
    InvalidInstanceTransition,
    StrategyInstance,
)
from tradai.services.instance_repository import InstanceRepository
from tradai.services.replay_feed import CandleFeed
from tradai.services.signal_trader import SignalTrader, TradeDecision

log = logging.getLogger(__name__)

MIN_CONTROL_INTERVAL_SECONDS = 0.05
STATS_INTERVAL_SECONDS = 0.5
FAILURE_TRACE_LINES = 20


@dataclass(frozen=True)
class OrderResult:
    """What became of a decision sent as an order."""

    filled_quantity: float
    denied: bool = False
    detail: str | None = None


class OrderSink(Protocol):
    """Where an instance's decisions go: the order pipeline (budget, broker, fills, positions)."""

    def submit(self, decision: TradeDecision, instance: StrategyInstance) -> OrderResult:
        """Send one decision as an order and return what filled (or why it was denied)."""


@dataclass(frozen=True)
class InstanceParts:
    """What an instance trades with, built once it is running (so a build error fails the instance)."""

    feed: CandleFeed
    trader: SignalTrader
    orders: OrderSink


@dataclass
class InstanceLoop:
    """Runs one instance until it is stopped, its replay ends, or it fails."""

    instance_id: str
    repository: InstanceRepository
    build: Callable[[StrategyInstance], InstanceParts]
    poll_seconds: float = 0.5
    clock: Clock = utc_now
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    stop_requested: Callable[[], bool] = lambda: False

    def run(self) -> InstanceStatus:
        """Run to the end and return the status the instance ended in."""
        instance = self._start()
        if instance is None:
            return self.repository.get(self.instance_id).status
        try:
            parts = self.build(instance)
            for symbol in instance.symbols:
                parts.trader.seed(symbol, parts.feed.history(symbol))
            return self._loop(instance, parts)
        except TradaiError as error:
            return self._fail(error.code, error.detail)
        except Exception as error:  # the instance fails with its reason; nothing else must crash
            log.exception("instance %s crashed", self.instance_id)
            return self._fail("INSTANCE_CRASHED", f"{type(error).__name__}: {error}")

    def _start(self) -> StrategyInstance | None:
        now = self.clock()
        try:
            instance = self.repository.transition(
                self.instance_id,
                InstanceStatus.RUNNING,
                at=now,
                changes={"started_at": now.isoformat(), "message": "trading"},
                allowed=[InstanceStatus.STARTING],
            )
        except InvalidInstanceTransition as error:
            log.info("instance %s is %s; not starting", self.instance_id, error.current)
            return None
        log.info(
            "instance started",
            extra={
                "instance_id": self.instance_id,
                "strategy": instance.strategy_name,
                "mode": instance.mode,
            },
        )
        return instance

    def _loop(self, instance: StrategyInstance, parts: InstanceParts) -> InstanceStatus:
        stats = instance.stats.model_copy()
        last_control = last_stats = float("-inf")
        control_interval = max(MIN_CONTROL_INTERVAL_SECONDS, min(self.poll_seconds, parts.feed.pause_seconds))
        status = instance.status
        while True:
            now = self.monotonic()
            if now - last_control >= control_interval:
                status = self.repository.get(self.instance_id).status
                last_control = now
            if self.stop_requested() or status not in (InstanceStatus.RUNNING, InstanceStatus.PAUSED):
                self._write_stats(stats)
                return self._end(InstanceStatus.STOPPED, "stopped on request")
            if status == InstanceStatus.PAUSED:
                self.sleep(self.poll_seconds)
                continue
            for candle in parts.feed.poll():
                stats.bars_processed += 1
                stats.last_bar_time, stats.last_price = candle.time, candle.close
                stats.last_prices[candle.symbol] = candle.close
                decision = parts.trader.on_candle(candle)
                if decision is not None:
                    stats.signals += 1
                    self._send(decision, instance, parts, stats)
            if now - last_stats >= STATS_INTERVAL_SECONDS:
                self._write_stats(stats)
                last_stats = now
            if parts.feed.finished:
                self._write_stats(stats)
                return self._end(InstanceStatus.STOPPED, "replay finished: no more stored bars")
            self.sleep(parts.feed.pause_seconds)

    def _send(
        self, decision: TradeDecision, instance: StrategyInstance, parts: InstanceParts, stats: InstanceStats
    ) -> None:
        result = parts.orders.submit(decision, instance)
        if result.denied:
            stats.orders_denied += 1
            log.warning(
                "order denied: %s %s %.8g %s (%s)",
                decision.side,
                decision.symbol,
                decision.quantity,
                decision.signal,
                result.detail,
            )
            return
        stats.orders_submitted += 1
        if result.filled_quantity > 0:
            parts.trader.filled(decision, result.filled_quantity)
        log.info(
            "order %s %s %.8g at %.8g (%s): filled %.8g",
            decision.side,
            decision.symbol,
            decision.quantity,
            decision.price,
            decision.signal,
            result.filled_quantity,
        )

    def _write_stats(self, stats: InstanceStats) -> None:
        now = self.clock()
        self.repository.record(
            self.instance_id,
            at=now,
            changes={"stats": stats.model_dump(mode="json"), "heartbeat_at": now.isoformat()},
        )

    def _end(self, status: InstanceStatus, message: str) -> InstanceStatus:
        now = self.clock()
        try:
            self.repository.transition(
                self.instance_id, status, at=now, changes={"message": message, "stopped_at": now.isoformat()}
            )
        except InvalidInstanceTransition as error:
            return error.current or status
        log.info("instance %s: %s", status.value, message, extra={"instance_id": self.instance_id})
        return status

    def _fail(self, code: str, message: str) -> InstanceStatus:
        now = self.clock()
        lines = traceback.format_exc().strip().splitlines()[-FAILURE_TRACE_LINES:]
        log.error("instance failed: %s", message, extra={"instance_id": self.instance_id, "code": code})
        try:
            self.repository.transition(
                self.instance_id,
                InstanceStatus.FAILED,
                at=now,
                changes={
                    "message": message,
                    "stopped_at": now.isoformat(),
                    "error": {"code": code, "message": message, "last_log_lines": lines},
                },
            )
        except InvalidInstanceTransition as error:
            return error.current or InstanceStatus.FAILED
        return InstanceStatus.FAILED
