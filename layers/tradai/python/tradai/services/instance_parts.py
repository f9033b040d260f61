"""Build what an instance trades with: its strategy, its candle feed, and where its orders go."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tradai.domain.clock import utc_now
from tradai.domain.errors import InvalidInput, Unavailable
from tradai.domain.instances import StrategyInstance
from tradai.domain.orders import Position, PositionStatus
from tradai.ports import Broker, DocumentStore, Exchange
from tradai.services.ab_tests import record_trade
from tradai.services.instance_worker import InstanceParts, OrderResult
from tradai.services.order_pipeline import OrderPipeline
from tradai.services.replay_feed import CandleFeed, LiveFeed, ReplayFeed
from tradai.services.signal_trader import SignalTrader, TradeDecision
from tradai.services.strategy_classes import strategy_class
from tradai.services.unsettled_orders import settle_predecessors
from tradai.settings import Settings

if TYPE_CHECKING:
    from tradai.bootstrap import Container

BrokerFactory = Callable[[StrategyInstance, Callable[[str], float | None]], Broker]
"""The broker of an instance, given the feed's next price of a symbol (the paper broker fills at it)."""


def build_parts(
    instance: StrategyInstance,
    *,
    container: Container,
    settings: Settings,
    brokers: BrokerFactory,
    exchange: Exchange | None = None,
) -> InstanceParts:
    """The strategy, feed and order sink (the order pipeline on the instance's broker) of `instance`.

    Orders that ended instances of the strategy left unsettled at the same broker are settled
    first (`settle_predecessors`), so their reservations do not hold the budget.

    Raises:
        StrategyNotFound, InvalidInput: the strategy or its parameters no longer resolve.
        BarsNotFound: a replay without bars.
    """
    engine_name = instance.strategy_class or instance.strategy_name
    strategy = strategy_class(engine_name, settings)(instance.parameters)
    feed = _feed(instance, container, exchange, warmup_bars=max(strategy.warmup(), 1) * 2)
    broker = brokers(instance, feed.next_price)
    trader = SignalTrader(
        strategy,
        symbols=instance.symbols,
        capital=instance.capital,
        window_bars=settings.instance_window_bars,
        cost_buffer=broker.cost_buffer,
    )
    pipeline = OrderPipeline(store=container.store, broker=broker)
    orders = PipelineOrders(pipeline, instance, store=container.store)
    # Before trading: book what ended instances of the strategy left at this broker (issue 8).
    settle_predecessors(store=container.store, pipeline=pipeline, instance=instance)
    return InstanceParts(feed=feed, trader=trader, orders=orders)


def _feed(
    instance: StrategyInstance, container: Container, exchange: Exchange | None, *, warmup_bars: int
) -> CandleFeed:
    if instance.feed == "live":
        if exchange is None:
            raise Unavailable("this worker has no exchange to read live candles from")
        return LiveFeed(
            exchange=exchange,
            exchange_name=instance.exchange,
            symbols=instance.symbols,
            timeframe=instance.timeframe,
            warmup_bars=warmup_bars,
        )
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


class PipelineOrders:
    """Sends decisions through the order pipeline: budget check, broker, fills, positions, audit.

    The strategy's budget in each traded currency is created at the instance's capital when it has
    none (an admin's cap wins). Client order ids are derived from the bar and the signal, so a
    decision re-sent after a restart is not traded twice.
    """

    def __init__(self, pipeline: OrderPipeline, instance: StrategyInstance, *, store: DocumentStore) -> None:
        from tradai.domain.orders import quote_currency

        self._pipeline = pipeline
        self._store = store
        self._instance = instance
        for currency in sorted({quote_currency(symbol) for symbol in instance.symbols}):
            pipeline.budgets.ensure(instance.strategy_name, currency, instance.capital)

    def _record_closed_trades(self, positions: list[Position], instance: StrategyInstance) -> None:
        """Feed each trade this order closed to the strategy's performance (and its A/B arm)."""
        for position in positions:
            return_pct = _return_pct(position)
            if (
                position.status is not PositionStatus.CLOSED
                or position.closed_at is None
                or return_pct is None
            ):
                continue
            record_trade(
                store=self._store,
                strategy_name=instance.strategy_name,
                version=instance.strategy_version,
                trade_id=position.position_id,
                return_pct=return_pct,
                closed_at=position.closed_at,
                mode="live" if instance.mode == "live" else "dry_run",
            )

    def submit(self, decision: TradeDecision, instance: StrategyInstance) -> OrderResult:
        from tradai.domain.orders import OrderIntent, Side

        outcome = self._pipeline.submit(
            OrderIntent(
                strategy_id=instance.strategy_name,
                strategy_name=instance.strategy_name,
                instance_id=instance.instance_id,
                symbol=decision.symbol,
                exchange=instance.exchange,
                side=Side(decision.side),
                quantity=decision.quantity,
                reference_price=decision.price,
                tag=decision.tag or decision.signal,
                confidence=decision.confidence,
                client_order_id=client_order_id(instance.instance_id, decision),
                created_at=utc_now(),
            )
        )
        self._record_closed_trades(outcome.positions, instance)
        filled = sum(fill.quantity for fill in outcome.fills)
        reason = outcome.deny_reason
        if reason is not None and filled == 0:
            return OrderResult(0.0, denied=True, detail=f"{reason.value}: {outcome.order.deny_detail}")
        return OrderResult(filled)


def _return_pct(position: Position) -> float | None:
    cost = position.entry_price * position.closed_quantity
    return position.realized_pnl / cost * 100 if cost > 0 else None


def client_order_id(instance_id: str, decision: TradeDecision) -> str:
    """One id per instance, market, bar and signal: `<instance>-<BASEQUOTE>-<bar epoch>-<signal>`."""
    market = "".join(char for char in decision.symbol.split(":", 1)[0] if char.isalnum())
    return f"{instance_id}-{market}-{int(decision.time.timestamp())}-{decision.signal}"
