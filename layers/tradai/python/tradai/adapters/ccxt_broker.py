"""The `Broker` port on an exchange account through ccxt (live trading; ccxt imported on first use).

Market orders trade at once; a limit order the exchange leaves open is cancelled and reported
expired, so an instance never leaves orders resting behind it. The client order id goes to the
exchange hashed to 32 characters (Binance allows 36), so a retried order keeps its id there too.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from tradai.adapters.ccxt_exchange import ccxt_id
from tradai.domain.clock import Clock, utc_now
from tradai.domain.errors import UnknownExchange
from tradai.domain.market import from_ms
from tradai.domain.orders import BrokerFill, BrokerUnavailable, Execution, ExecutionStatus, Order

ClientFactory = Callable[[str, str, str], Any]
"""(ccxt id, API key, secret) -> a ccxt exchange object."""


def exchange_client_order_id(order: Order) -> str:
    """The id the exchange knows the order by: the client order id hashed to 32 characters."""
    return hashlib.sha256(order.client_order_id.encode()).hexdigest()[:32]


def build_private_client(exchange_id: str, api_key: str, secret: str) -> Any:
    """A ccxt exchange object signed with the account's keys, throttled by ccxt itself."""
    import ccxt

    if exchange_id not in ccxt.exchanges:
        raise UnknownExchange(f"unknown exchange {exchange_id!r}")
    return getattr(ccxt, exchange_id)(
        {
            "apiKey": api_key,
            "secret": secret,
            "enableRateLimit": True,
            "timeout": 10_000,
            # Orders need markets, not the wallet's currency list (a signed call Binance rate-limits hard).
            "options": {"fetchCurrencies": False},
        }
    )


class CcxtBroker:
    """Trades on one exchange account."""

    name = "ccxt"

    def __init__(
        self,
        *,
        exchange: str,
        api_key: str,
        secret: str,
        factory: ClientFactory = build_private_client,
        clock: Clock = utc_now,
        fee_rate: float = 0.001,
        slippage_bps: float = 50.0,
    ) -> None:
        """Trade on `exchange` with the account's keys.

        Args:
            fee_rate, slippage_bps: the taker fee and the worst slippage expected of a market
                order; the order pipeline reserves them on top of each order's notional.
        """
        self.cost_buffer = (1 + slippage_bps / 10_000) * (1 + fee_rate) - 1
        self._exchange = exchange
        self._keys = (api_key, secret)
        self._factory = factory
        self._clock = clock
        self._client: Any = None
        self._lock = threading.Lock()

    def price(self, *, symbol: str, exchange: str) -> float | None:
        """The exchange's last traded price."""
        ticker = self._call(lambda client: client.fetch_ticker(symbol))
        last = ticker.get("last") or ticker.get("close")
        return float(last) if last else None

    def execute(self, order: Order) -> Execution:
        """Send `order`; a refusal by the exchange is REJECTED, a network failure `BrokerUnavailable`."""
        import ccxt

        kind = "limit" if order.limit_price is not None else "market"
        params = {"newClientOrderId": exchange_client_order_id(order)}
        try:
            placed = self._call(
                lambda client: client.create_order(
                    order.symbol, kind, order.side.value.lower(), order.quantity, order.limit_price, params
                )
            )
        except ccxt.ExchangeError as error:  # insufficient funds, invalid order, ...: nothing traded
            return Execution(status=ExecutionStatus.REJECTED, reason=f"{type(error).__name__}: {error}")
        broker_order_id = str(placed.get("id")) if placed.get("id") else None
        if float(placed.get("filled") or 0.0) <= 0:
            if placed.get("status") == "open" and broker_order_id:
                self._call(lambda client: client.cancel_order(broker_order_id, order.symbol))
            return Execution(
                status=ExecutionStatus.EXPIRED,
                broker_order_id=broker_order_id,
                reason=f"the exchange filled nothing (status {placed.get('status')})",
            )
        return self._filled(order, placed)

    def resolve(self, order: Order) -> Execution:
        """Look the order up by its client order id; cancel it if still open; book what filled.

        An order the exchange does not know never arrived (REJECTED).
        """
        import ccxt

        params = {"origClientOrderId": exchange_client_order_id(order)}
        try:
            found = self._call(lambda client: client.fetch_order(None, order.symbol, params))
            if found.get("status") == "open":
                self._call(lambda client: client.cancel_order(None, order.symbol, params))
                found = self._call(lambda client: client.fetch_order(None, order.symbol, params))
        except ccxt.OrderNotFound:
            return Execution(status=ExecutionStatus.REJECTED, reason="the exchange has no such order")
        except ccxt.ExchangeError as error:
            raise BrokerUnavailable(f"{self._exchange} could not tell: {error}") from error
        broker_order_id = str(found.get("id")) if found.get("id") else None
        if float(found.get("filled") or 0.0) <= 0:
            return Execution(
                status=ExecutionStatus.REJECTED,
                broker_order_id=broker_order_id,
                reason=f"the exchange filled nothing (status {found.get('status')})",
            )
        return self._filled(order, found)

    def _filled(self, order: Order, answer: dict[str, Any]) -> Execution:
        """The fill an exchange's order structure reports (its filled amount at its average price)."""
        broker_order_id = str(answer.get("id")) if answer.get("id") else None
        filled = float(answer.get("filled") or 0.0)
        price = float(answer.get("average") or answer.get("price") or 0.0)
        fee = answer.get("fee") or {}
        at = from_ms(int(answer["timestamp"])) if answer.get("timestamp") else self._clock()
        complete = filled >= order.quantity * (1 - 1e-9)
        return Execution(
            status=ExecutionStatus.FILLED if complete else ExecutionStatus.PARTIALLY_FILLED,
            fills=(
                BrokerFill(quantity=filled, price=price, fee=float(fee.get("cost") or 0.0), filled_at=at),
            ),
            broker_order_id=broker_order_id,
        )

    def _call(self, call: Callable[[Any], Any]) -> Any:
        import ccxt

        with self._lock:
            if self._client is None:
                self._client = self._factory(ccxt_id(self._exchange), *self._keys)
            client = self._client
        try:
            return call(client)
        except (ccxt.NetworkError, ccxt.ExchangeNotAvailable) as error:
            raise BrokerUnavailable(f"{self._exchange} cannot be reached: {error}") from error
