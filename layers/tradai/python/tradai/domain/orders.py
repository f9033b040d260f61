"""Orders, fills, positions and the audit trail of dry-run and live trading (issue 8).

A strategy instance turns each signal into an `OrderIntent`; the order pipeline
(`tradai.services.order_pipeline`) checks it against the strategy's budget, sends it to a broker,
and books what the broker reports: `Fill`s move a `Position`, release the reservation and book
realized P&L and fees. An order the pipeline refuses is stored `DENIED` with a `DenyReason`.

Money (notionals, P&L, fees, budgets) is counted in integer `units` of 1e-8 of the currency, so
conditional budget checks are exact and identical on SQLite and DynamoDB; the models expose floats.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from tradai.domain.errors import Conflict, InvalidInput, NotFound, Unavailable
from tradai.domain.market import check_exchange, check_symbol

UNITS_PER_CURRENCY = 100_000_000
"""Money is stored in integer units of 1e-8 (a satoshi of the quote currency)."""

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
"""Strategy, instance and client order ids: they become parts of store keys."""
CURRENCY_PATTERN = r"^[A-Z0-9]{2,12}$"
_ID = re.compile(IDENTIFIER_PATTERN)
_CURRENCY = re.compile(CURRENCY_PATTERN)


def to_units(amount: float) -> int:
    """An amount of money as integer units (rounded half away from zero)."""
    scaled = abs(amount) * UNITS_PER_CURRENCY
    units = int(scaled + 0.5)
    return units if amount >= 0 else -units


def from_units(units: int) -> float:
    """Integer units back as an amount of money."""
    return units / UNITS_PER_CURRENCY


ROUNDING_SLACK_UNITS = 64
"""Reserved on top of a worst-case cost with fees: each fill's fee is rounded to units on its own."""


def cost_units(notional: float) -> int:
    """The units a position's entry cost holds: rounded down, so fills never sum above their notional."""
    return math.floor(notional * UNITS_PER_CURRENCY)


def reservation_units(notional: float, cost_buffer: float) -> int:
    """What to reserve for exposure worth `notional`: its worst-case cost, rounded up.

    `cost_buffer` is the broker's bound on how much dearer than its notional a fill may come out,
    slippage and fees included (`Broker.cost_buffer`); a broker filling at the valued price
    without fees (buffer 0) needs exactly the notional.
    """
    if notional <= 0:
        return 0
    slack = ROUNDING_SLACK_UNITS if cost_buffer > 0 else 0
    return math.ceil(notional * (1 + cost_buffer) * UNITS_PER_CURRENCY) + slack


def affordable_notional(amount: float, cost_buffer: float) -> float:
    """The largest notional whose reservation (`reservation_units`) fits in `amount`."""
    slack = ROUNDING_SLACK_UNITS + 1 if cost_buffer > 0 else 0
    units = to_units(amount) - slack
    return max(0.0, units / UNITS_PER_CURRENCY / (1 + cost_buffer) * (1 - 1e-12))


def check_identifier(value: str) -> str:
    """Refuse ids that could not be keys: letters, digits and ``._:-``, at most 128 characters."""
    if not _ID.match(value):
        raise ValueError("use letters, digits and ._:- (at most 128 characters, starting alphanumeric)")
    return value


def check_currency(value: str) -> str:
    """A currency code such as ``USDT`` (upper case letters and digits)."""
    if not _CURRENCY.match(value):
        raise ValueError("a currency is 2-12 upper case letters or digits, e.g. USDT")
    return value


def _market_symbol(value: str) -> str:
    try:
        return check_symbol(value)
    except InvalidInput as exc:
        raise ValueError(exc.detail) from exc


def _exchange_name(value: str) -> str:
    try:
        return check_exchange(value)
    except InvalidInput as exc:
        raise ValueError(exc.detail) from exc


Identifier = Annotated[str, AfterValidator(check_identifier)]
Currency = Annotated[str, AfterValidator(check_currency)]
MarketSymbol = Annotated[str, AfterValidator(_market_symbol)]
ExchangeName = Annotated[str, AfterValidator(_exchange_name)]


def quote_currency(symbol: str) -> str:
    """The currency a market is priced in: ``BTC/USDT:USDT`` -> ``USDT``, ``ETH/BTC`` -> ``BTC``."""
    if "/" not in symbol:
        raise InvalidInput(f"symbol {symbol!r} is not a ccxt unified symbol like BTC/USDT:USDT")
    return symbol.split("/", 1)[1].split(":", 1)[0].upper()


def instrument_id(symbol: str, exchange: str) -> str:
    """Seed 003's instrument id: ``BTC/USDT:USDT`` on ``binance_futures`` is ``BTCUSDT.BINANCE``."""
    base, _, rest = symbol.partition("/")
    quote = rest.split(":", 1)[0]
    venue = exchange.split("_", 1)[0]
    return f"{base}{quote}.{venue}".upper()


class Side(StrEnum):
    """Which way an order trades."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell: the signed change of a position's quantity."""
        return 1 if self is Side.BUY else -1


class OrderStatus(StrEnum):
    """Where an order is in its life.

    PENDING (budget being checked) -> SUBMITTED (reserved, at the broker) -> FILLED |
    PARTIALLY_FILLED (the broker filled part and the rest expired) | REJECTED (the broker refused) |
    EXPIRED (a limit that was not reached); PENDING -> DENIED (refused before the broker).
    """

    PENDING = "PENDING"
    SUBMITTED = "SUBMITTED"
    FILLED = "FILLED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    DENIED = "DENIED"

    @property
    def is_final(self) -> bool:
        """Whether the order can change no more."""
        return self not in (OrderStatus.PENDING, OrderStatus.SUBMITTED)


class DenyReason(StrEnum):
    """Why an order did not trade; stored on the order and served by `/orders/{id}/deny-reason`."""

    NO_BUDGET = "NO_BUDGET"
    """The strategy has no budget in the order's currency."""
    INSUFFICIENT_BUDGET = "INSUFFICIENT_BUDGET"
    """The order's notional exceeds what is available in the budget."""
    NO_PRICE = "NO_PRICE"
    """Neither the intent nor the broker gave a price to value the order at."""
    BROKER_REJECTED = "BROKER_REJECTED"
    """The broker refused the order."""
    BROKER_ERROR = "BROKER_ERROR"
    """The broker could not be reached or failed; nothing was traded."""
    LIMIT_NOT_REACHED = "LIMIT_NOT_REACHED"
    """A limit order whose price the market did not reach; it expired unfilled."""
    ABANDONED = "ABANDONED"
    """The instance stopped before the order was settled; its reservation was released."""


class OrderIntent(BaseModel):
    """What a strategy instance wants to trade: the input of `OrderPipeline.submit`.

    The notional is valued at `limit_price`, else `reference_price` (the last price the strategy
    saw), else the broker's current price. `client_order_id` makes a submit idempotent: a retry
    with the same id returns the stored outcome instead of trading twice.
    """

    model_config = ConfigDict(frozen=True)

    strategy_id: Identifier
    instance_id: Identifier
    symbol: MarketSymbol = Field(description="ccxt unified symbol, e.g. BTC/USDT:USDT")
    side: Side
    quantity: float = Field(gt=0, allow_inf_nan=False, description="Base-currency amount to trade")
    strategy_name: str | None = Field(default=None, max_length=128)
    exchange: ExchangeName = "binance_futures"
    limit_price: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    reference_price: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    tag: str | None = Field(default=None, max_length=64, description="The strategy's enter/exit tag")
    confidence: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    client_order_id: Identifier | None = None
    created_at: datetime

    @property
    def currency(self) -> str:
        """The currency the order's notional is counted in (the market's quote currency)."""
        return quote_currency(self.symbol)

    @property
    def price_hint(self) -> float | None:
        """The price the intent values itself at, if it names one."""
        return self.limit_price or self.reference_price


class Order(BaseModel):
    """One order as stored: the intent, the budget it reserved, and what became of it."""

    model_config = ConfigDict(extra="ignore")

    client_order_id: str
    strategy_id: str
    strategy_name: str | None = None
    instance_id: str
    symbol: str
    exchange: str
    instrument_id: str
    currency: str
    side: Side
    quantity: float
    limit_price: float | None = None
    reference_price: float | None = None
    tag: str | None = None
    confidence: float | None = None
    status: OrderStatus = OrderStatus.PENDING
    deny_reason: DenyReason | None = None
    deny_detail: str | None = None
    reserved_units: int = 0
    """Budget units this order holds reserved while at the broker: its worst-case cost."""
    filled_quantity: float = 0.0
    average_price: float | None = None
    fees_units: int = 0
    realized_pnl_units: int = 0
    broker_order_id: str | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def fees(self) -> float:
        """Fees paid on this order's fills."""
        return from_units(self.fees_units)

    @property
    def realized_pnl(self) -> float:
        """P&L this order's fills realized by reducing a position (before fees)."""
        return from_units(self.realized_pnl_units)


class Fill(BaseModel):
    """One execution of (part of) an order."""

    model_config = ConfigDict(extra="ignore")

    fill_id: str
    client_order_id: str
    strategy_id: str
    instance_id: str
    symbol: str
    instrument_id: str
    currency: str
    side: Side
    quantity: float
    price: float
    fee_units: int
    realized_pnl_units: int = 0
    liquidity: str = "TAKER"
    filled_at: datetime

    @property
    def notional(self) -> float:
        """Quantity times price, in the quote currency."""
        return self.quantity * self.price

    @property
    def fee(self) -> float:
        """The fee paid on this fill."""
        return from_units(self.fee_units)

    @property
    def realized_pnl(self) -> float:
        """P&L this fill realized (before fees)."""
        return from_units(self.realized_pnl_units)


class PositionSide(StrEnum):
    """Long holds the asset, short owes it."""

    LONG = "LONG"
    SHORT = "SHORT"


class PositionStatus(StrEnum):
    """An open position can still change; a closed one is a finished trade."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class Position(BaseModel):
    """A strategy instance's net holding of one market, from flat back to flat: one trade.

    `cost_units` is the capital the open quantity holds in the budget: entry price times quantity
    plus the fees paid to enter; reducing the position releases it pro rata.
    """

    model_config = ConfigDict(extra="ignore")

    position_id: str
    strategy_id: str
    strategy_name: str | None = None
    instance_id: str
    symbol: str
    instrument_id: str
    currency: str
    side: PositionSide
    status: PositionStatus = PositionStatus.OPEN
    quantity: float = Field(ge=0)
    entry_price: float
    exit_price: float | None = None
    """Average price of the fills that reduced the position."""
    closed_quantity: float = 0.0
    cost_units: int
    realized_pnl_units: int = 0
    fees_units: int = 0
    entry_tag: str | None = None
    exit_tag: str | None = None
    opened_at: datetime
    closed_at: datetime | None = None
    updated_at: datetime
    version: int = 1
    """Incremented on every write; writes are conditional on it."""

    @property
    def realized_pnl(self) -> float:
        """P&L realized so far (before fees)."""
        return from_units(self.realized_pnl_units)

    @property
    def fees(self) -> float:
        """Fees paid on the position's fills."""
        return from_units(self.fees_units)

    @property
    def cost(self) -> float:
        """Capital the open quantity holds: at entry prices, entry fees included."""
        return from_units(self.cost_units)

    @property
    def signed_quantity(self) -> float:
        """Quantity with the sign of the side: positive long, negative short."""
        return self.quantity if self.side is PositionSide.LONG else -self.quantity


class AuditAction(StrEnum):
    """What an audit entry records."""

    SIGNAL = "SIGNAL"
    BUDGET_RESERVED = "BUDGET_RESERVED"
    ORDER_DENIED = "ORDER_DENIED"
    ORDER_SUBMITTED = "ORDER_SUBMITTED"
    ORDER_FILLED = "ORDER_FILLED"
    ORDER_REJECTED = "ORDER_REJECTED"
    ORDER_EXPIRED = "ORDER_EXPIRED"
    POSITION_OPENED = "POSITION_OPENED"
    POSITION_CLOSED = "POSITION_CLOSED"
    BUDGET_SET = "BUDGET_SET"
    BUDGET_DELETED = "BUDGET_DELETED"


class AuditEntry(BaseModel):
    """One decision, with who/what it concerned; entries are never changed."""

    model_config = ConfigDict(extra="ignore")

    audit_id: str
    action: AuditAction
    at: datetime
    strategy_id: str
    instance_id: str | None = None
    client_order_id: str | None = None
    currency: str | None = None
    actor: str = "system"
    detail: str
    data: dict[str, Any] = Field(default_factory=dict)


class Budget(BaseModel):
    """A strategy's capital cap in one currency, and what is currently using it.

    available = allocated - reserved - committed, kept as its own attribute so a reservation is
    one conditional add (`available_units >= notional`) that no concurrent order can overrun.
    """

    model_config = ConfigDict(extra="ignore")

    strategy_id: str
    currency: str
    allocated_units: int = Field(ge=0)
    reserved_units: int = 0
    """Held by orders at the broker."""
    committed_units: int = 0
    """Held by open positions, at their entry cost (entry fees included)."""
    available_units: int
    realized_pnl_units: int = 0
    total_fees_units: int = 0
    updated_at: datetime

    @property
    def allocated(self) -> float:
        """The cap."""
        return from_units(self.allocated_units)

    @property
    def reserved(self) -> float:
        """Held by orders at the broker."""
        return from_units(self.reserved_units)

    @property
    def committed(self) -> float:
        """Held by open positions at their entry cost (entry fees included)."""
        return from_units(self.committed_units)

    @property
    def available(self) -> float:
        """What new orders may still reserve."""
        return from_units(self.available_units)

    @property
    def realized_pnl(self) -> float:
        """P&L realized by closing positions, before fees."""
        return from_units(self.realized_pnl_units)

    @property
    def total_fees(self) -> float:
        """Fees paid on fills."""
        return from_units(self.total_fees_units)


class OrderNotFound(NotFound):
    """No order has this client order id."""

    code = "ORDER_NOT_FOUND"


class OrderNotDenied(NotFound):
    """The order exists but was not denied, so it has no deny reason."""

    code = "ORDER_NOT_DENIED"


class BudgetNotFound(NotFound):
    """The strategy has no budget in this currency."""

    code = "BUDGET_NOT_FOUND"


class InsufficientBudget(Conflict):
    """The order's notional exceeds what the budget has available."""

    code = "INSUFFICIENT_BUDGET"


class BudgetInUse(Conflict):
    """The budget change would leave less than what orders and positions already hold."""

    code = "BUDGET_IN_USE"


class ExecutionStatus(StrEnum):
    """What the broker did with an order."""

    FILLED = "FILLED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class BrokerFill(BaseModel):
    """One execution as the broker reports it; the pipeline turns it into a stored `Fill`."""

    model_config = ConfigDict(frozen=True)

    quantity: float = Field(gt=0, allow_inf_nan=False)
    price: float = Field(gt=0, allow_inf_nan=False)
    fee: float = Field(ge=0, allow_inf_nan=False, description="In the order's quote currency")
    liquidity: str = "TAKER"
    filled_at: datetime


class Execution(BaseModel):
    """The broker's answer to one order: its fills, or why it did not trade."""

    model_config = ConfigDict(frozen=True)

    status: ExecutionStatus
    fills: tuple[BrokerFill, ...] = ()
    broker_order_id: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _fills_match_status(self) -> Execution:
        traded = self.status in (ExecutionStatus.FILLED, ExecutionStatus.PARTIALLY_FILLED)
        if traded != bool(self.fills):
            raise ValueError("a filled execution needs fills, and only a filled one may have them")
        return self


class BrokerUnavailable(Unavailable):
    """The broker could not be reached or failed before trading; the order did not trade."""

    code = "BROKER_UNAVAILABLE"
