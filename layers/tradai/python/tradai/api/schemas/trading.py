"""Trading dashboard shapes (seed 003): orders, fills, positions, balances, counts, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tradai.api.schemas.budget import BudgetSummary
from tradai.domain.orders import (
    AuditAction,
    DenyReason,
    OrderStatus,
    PositionSide,
    PositionStatus,
    Side,
)


class _FromDomain(BaseModel):
    """Public models read the domain models' fields and money properties by name."""

    model_config = ConfigDict(from_attributes=True)


class _Page(BaseModel):
    count: int = Field(description="Items on this page")
    limit: int
    offset: int
    has_more: bool = Field(description="Whether a next page (offset + limit) may hold more")


class OrderPublic(_FromDomain):
    """One order and what became of it."""

    client_order_id: str
    strategy_id: str
    strategy_name: str | None
    instance_id: str
    instrument_id: str = Field(examples=["BTCUSDT.BINANCE"])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    exchange: str
    currency: str
    side: Side
    quantity: float
    limit_price: float | None
    reference_price: float | None
    status: OrderStatus
    deny_reason: DenyReason | None
    filled_quantity: float
    average_price: float | None
    fees: float
    realized_pnl: float
    tag: str | None = Field(description="The strategy's enter/exit tag")
    confidence: float | None
    broker_order_id: str | None
    created_at: datetime
    updated_at: datetime


class OrderList(_Page):
    """A page of orders, newest first."""

    orders: list[OrderPublic]


class FillPublic(_FromDomain):
    """One execution of (part of) an order."""

    fill_id: str
    client_order_id: str
    strategy_id: str
    instance_id: str
    instrument_id: str
    symbol: str
    currency: str
    side: Side
    quantity: float
    price: float
    notional: float
    fee: float
    realized_pnl: float
    liquidity: str
    filled_at: datetime


class FillList(_Page):
    """A page of fills, newest first."""

    fills: list[FillPublic]


class OrderFills(BaseModel):
    """The fills of one order, oldest first."""

    client_order_id: str
    fills: list[FillPublic]
    count: int


class DenyReasonPublic(BaseModel):
    """Why an order did not trade."""

    client_order_id: str
    status: OrderStatus
    deny_reason: DenyReason
    detail: str | None
    at: datetime


class FillTotalsPublic(BaseModel):
    """Counts, volume, fees and realized P&L over fills."""

    fills: int
    buys: int
    sells: int
    quantity: float
    notional: float
    fees: float
    realized_pnl: float


class FillSummary(FillTotalsPublic):
    """Fill statistics overall and per instrument."""

    by_instrument: dict[str, FillTotalsPublic]


class PositionPublic(_FromDomain):
    """A position: open, or closed (a finished trade)."""

    position_id: str
    strategy_id: str
    strategy_name: str | None
    instance_id: str
    instrument_id: str
    symbol: str
    currency: str
    side: PositionSide
    status: PositionStatus
    quantity: float
    entry_price: float
    exit_price: float | None
    closed_quantity: float
    cost: float = Field(description="Capital the open quantity holds, at entry prices")
    realized_pnl: float
    fees: float
    entry_tag: str | None
    exit_tag: str | None
    opened_at: datetime
    closed_at: datetime | None


class PositionList(_Page):
    """A page of positions, newest first."""

    positions: list[PositionPublic]


class BalanceList(BaseModel):
    """Balances per strategy and currency."""

    balances: list[BudgetSummary]
    count: int


class TradingSummary(BaseModel):
    """How many signals became orders, were denied and filled; open positions."""

    signals: int
    orders: int
    denied: int
    fills: int
    strategies: int
    open_positions: int


class TradingStrategyPublic(BaseModel):
    """A strategy that trades, with its counts and budget currencies."""

    strategy_id: str
    strategy_name: str | None
    signals: int
    orders: int
    denied: int
    fills: int
    currencies: list[str]
    first_seen_at: datetime | None
    last_signal_at: datetime | None


class TradingStrategyList(BaseModel):
    """Every strategy that has a budget or sent a signal."""

    strategies: list[TradingStrategyPublic]
    count: int


class AuditEntryPublic(_FromDomain):
    """One recorded decision."""

    audit_id: str
    action: AuditAction
    at: datetime
    strategy_id: str
    instance_id: str | None
    client_order_id: str | None
    currency: str | None
    actor: str
    detail: str
    data: dict[str, Any]


class AuditList(_Page):
    """A page of audit entries, newest first."""

    entries: list[AuditEntryPublic]
