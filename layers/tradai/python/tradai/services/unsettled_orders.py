"""Orders a dead instance left unsettled: asked about with the broker, then booked (issue 8).

An instance that dies after its order reached the broker, before the answer was booked, leaves the
order SUBMITTED with its budget reserved. Two places settle such orders through the pipeline's
`reconcile_unsettled`: the server, once it sees the instance's process gone, and every new
instance of the strategy when it starts (it holds the broker: a live task has the exchange keys
the server may not have). Either may run any number of times; nothing is booked twice.
"""

from __future__ import annotations

import logging

from tradai.domain.errors import Unavailable
from tradai.domain.instances import InstanceNotFound, StrategyInstance
from tradai.domain.orders import BrokerUnavailable, Execution, Order, OrderStatus
from tradai.ports import Broker, DocumentStore
from tradai.services.instance_repository import InstanceRepository
from tradai.services.order_pipeline import OrderPipeline
from tradai.services.trading_ledger import TradingLedger

log = logging.getLogger(__name__)


class _NoBrokerHere:
    """Stands in where no broker can be asked: orders never sent are closed, the others wait."""

    name = "none"
    cost_buffer = 0.0

    def price(self, *, symbol: str, exchange: str) -> float | None:
        return None

    def execute(self, order: Order) -> Execution:
        raise Unavailable("no broker here: this pipeline only settles a dead instance's orders")

    def resolve(self, order: Order) -> Execution:
        raise BrokerUnavailable(
            "this server cannot ask the exchange; the strategy's next live instance on it will"
        )


def settle_dead_instance(
    *, store: DocumentStore, instance: StrategyInstance, broker: Broker | None
) -> list[Order]:
    """Settle the orders of an instance whose process is gone, with its broker if there is one here."""
    pipeline = OrderPipeline(store=store, broker=broker or _NoBrokerHere())
    closed = pipeline.reconcile_unsettled(
        strategy_id=instance.strategy_name, instance_id=instance.instance_id
    )
    if closed:
        log.warning("settled %d unsettled orders of instance %s", len(closed), instance.instance_id)
    return closed


def settle_predecessors(
    *, store: DocumentStore, pipeline: OrderPipeline, instance: StrategyInstance
) -> list[Order]:
    """On an instance's start: settle what ended instances of its strategy left at the same broker.

    Only instances that have ended (their process cannot settle anything any more), of the same
    mode and exchange (so the same kind of broker, on the same account), and this instance's own
    orders from an earlier run of its process.
    """
    ledger = TradingLedger(store)
    owners = {
        order.instance_id
        for status in (OrderStatus.PENDING, OrderStatus.SUBMITTED)
        for order in ledger.orders(strategy_id=instance.strategy_name, status=status, limit=1000).items
    }
    repository = InstanceRepository(store)
    closed: list[Order] = []
    for owner in sorted(owners):
        if owner != instance.instance_id and not _same_broker_and_ended(repository, owner, instance):
            continue
        closed += pipeline.reconcile_unsettled(strategy_id=instance.strategy_name, instance_id=owner)
    if closed:
        log.warning("settled %d orders left unsettled by ended instances", len(closed))
    return closed


def _same_broker_and_ended(
    repository: InstanceRepository, instance_id: str, starting: StrategyInstance
) -> bool:
    try:
        other = repository.get(instance_id)
    except InstanceNotFound:
        return False
    return other.status.is_terminal and (other.mode, other.exchange) == (starting.mode, starting.exchange)
