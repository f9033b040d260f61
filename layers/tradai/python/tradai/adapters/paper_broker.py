"""The paper broker: dry-run fills at the next price, with configurable fees and slippage.

It trades nothing: an order fills at once at the price the feed gives (the next bar's open in a
replay), else at the order's reference price, moved against the trader by `slippage_bps`; a fee of
`fee_rate` times the notional is charged. A limit order whose limit the price does not reach
expires unfilled. `partial_fills` splits each fill into that many equal parts, as an exchange
filling against several resting orders would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import uuid4

from tradai.domain.clock import utc_now
from tradai.domain.orders import BrokerFill, Execution, ExecutionStatus, Order, Side

PriceSource = Callable[[str], float | None]
"""Returns the next price of a symbol (e.g. a replay feed's next bar open), or None if unknown."""


class PaperBroker:
    """A `Broker` that simulates fills; safe to share between threads."""

    name = "paper"

    def __init__(
        self,
        *,
        fee_rate: float = 0.001,
        slippage_bps: float = 0.0,
        partial_fills: int = 1,
        prices: PriceSource | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if not 0 <= fee_rate < 1 or slippage_bps < 0 or partial_fills < 1:
            raise ValueError("fee_rate must be in [0, 1), slippage_bps >= 0 and partial_fills >= 1")
        self._fee_rate = fee_rate
        self._slippage = slippage_bps / 10_000
        # A fill at the valued price moved by the slippage, plus its fee: the most it can cost.
        self.cost_buffer = (1 + self._slippage) * (1 + fee_rate) - 1
        self._parts = partial_fills
        self._prices = prices
        self._clock = clock

    def price(self, *, symbol: str, exchange: str) -> float | None:
        """The feed's next price of `symbol`, when a feed is attached."""
        return self._prices(symbol) if self._prices else None

    def execute(self, order: Order) -> Execution:
        """Fill `order` at once at the next price with slippage, or expire it if its limit is not reached."""
        broker_order_id = f"paper-{uuid4().hex[:16]}"
        market = self.price(symbol=order.symbol, exchange=order.exchange) or order.reference_price
        market = market or order.limit_price
        if market is None:
            return Execution(
                status=ExecutionStatus.REJECTED, broker_order_id=broker_order_id, reason="no price to fill at"
            )
        price = market * (1 + self._slippage * order.side.sign)
        if order.limit_price is not None and not _limit_reached(order.side, price, order.limit_price):
            return Execution(
                status=ExecutionStatus.EXPIRED,
                broker_order_id=broker_order_id,
                reason=f"limit {order.limit_price} not reached at {price:.8g}",
            )
        at = self._clock()
        part = order.quantity / self._parts
        fills = tuple(
            BrokerFill(quantity=part, price=price, fee=part * price * self._fee_rate, filled_at=at)
            for _ in range(self._parts)
        )
        return Execution(status=ExecutionStatus.FILLED, fills=fills, broker_order_id=broker_order_id)

    def resolve(self, order: Order) -> Execution:
        """A paper order fills only in the `execute` call that sent it: a lost answer means no trade."""
        return Execution(
            status=ExecutionStatus.REJECTED, reason="the paper broker never filled it (no fill was booked)"
        )


def _limit_reached(side: Side, price: float, limit: float) -> bool:
    return price <= limit if side is Side.BUY else price >= limit
