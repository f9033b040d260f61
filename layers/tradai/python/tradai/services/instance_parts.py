"""Build what an instance trades with: its strategy, its candle feed, and where its orders go."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tradai.domain.errors import InvalidInput, Unavailable
from tradai.domain.instances import StrategyInstance
from tradai.services.instance_worker import InstanceParts, OrderResult
from tradai.services.replay_feed import CandleFeed, ReplayFeed
from tradai.services.signal_trader import SignalTrader, TradeDecision
from tradai.settings import Settings

if TYPE_CHECKING:
    from tradai.bootstrap import Container

log = logging.getLogger(__name__)


def build_parts(instance: StrategyInstance, *, container: Container, settings: Settings) -> InstanceParts:
    """The strategy, feed and order sink of `instance`.

    Raises:
        StrategyNotFound, InvalidInput: the strategy or its parameters no longer resolve.
        BarsNotFound: a replay without bars.
    """
    from tradai.engine.registry import resolve_strategy

    strategy = resolve_strategy(instance.strategy_name, settings.strategy_path)(instance.parameters)
    feed = _feed(instance, container, warmup_bars=max(strategy.warmup(), 1) * 2)
    trader = SignalTrader(
        strategy,
        symbols=instance.symbols,
        capital=instance.capital,
        window_bars=settings.instance_window_bars,
    )
    return InstanceParts(feed=feed, trader=trader, orders=UnbookedOrders())


def _feed(instance: StrategyInstance, container: Container, *, warmup_bars: int) -> CandleFeed:
    if instance.feed == "live":
        raise InvalidInput("live candle feeds are not available yet")
    if instance.replay is None:
        raise InvalidInput(f"instance {instance.instance_id} has no replay range")
    if container.market_data is None:
        raise Unavailable("this worker has no market-data store to replay")
    return ReplayFeed(
        market_data=container.market_data,
        exchange=instance.exchange,
        symbols=instance.symbols,
        timeframe=instance.timeframe,
        start=instance.replay.start,
        end=instance.replay.end,
        warmup_bars=warmup_bars,
        bars_per_second=instance.replay.bars_per_second,
    )


class UnbookedOrders:
    """Fills every decision at its reference price without booking it (until the order pipeline lands)."""

    def submit(self, decision: TradeDecision, instance: StrategyInstance) -> OrderResult:
        return OrderResult(filled_quantity=decision.quantity)
