"""Per-strategy P&L and trades (seed 000's `/strategies/pnl` and `/strategies/{id}/trades`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tradai.domain.orders import Position, PositionStatus


class CurrencyPnlPublic(BaseModel):
    """A strategy's money in one currency."""

    model_config = ConfigDict(from_attributes=True)

    currency: str
    realized_pnl: float
    total_fees: float
    net_pnl: float = Field(description="realized_pnl - total_fees")
    unrealized_pnl: float = Field(
        description="Open positions marked to the last price their instance saw of their symbol (before fees)"
    )
    total_pnl: float = Field(description="net_pnl + unrealized_pnl")
    allocated: float
    committed: float
    unpriced_positions: int = Field(
        description="Open positions without a price to mark them at (not in unrealized)"
    )
    marked_at: datetime | None = Field(description="Time of the newest bar a mark comes from")


class StrategyPnlPublic(BaseModel):
    """One strategy's P&L; a strategy whose config is missing is listed with the reason."""

    model_config = ConfigDict(from_attributes=True)

    strategy_id: str
    strategy_name: str | None
    currencies: list[CurrencyPnlPublic]
    open_positions: int
    config_found: bool
    reason: str | None = Field(description="Why the config could not be found, when it could not")


class StrategyPnlList(BaseModel):
    """P&L of every strategy that traded or has a budget."""

    strategies: list[StrategyPnlPublic]
    count: int


class TradePublic(BaseModel):
    """One trade: a position from open to close (still open when `exit_time` is null)."""

    trade_id: str
    status: PositionStatus
    instance_id: str
    symbol: str
    instrument_id: str
    side: str = Field(examples=["long"])
    quantity: float = Field(description="Open quantity, or the closed quantity once closed")
    entry_time: datetime
    exit_time: datetime | None
    entry_price: float
    exit_price: float | None
    pnl: float = Field(description="Realized P&L before fees")
    fees: float
    entry_tag: str | None
    exit_tag: str | None

    @classmethod
    def from_position(cls, position: Position) -> TradePublic:
        """The trade a position is."""
        is_open = position.status is PositionStatus.OPEN
        return cls(
            trade_id=position.position_id,
            status=position.status,
            instance_id=position.instance_id,
            symbol=position.symbol,
            instrument_id=position.instrument_id,
            side=position.side.value.lower(),
            quantity=position.quantity if is_open else position.closed_quantity,
            entry_time=position.opened_at,
            exit_time=position.closed_at,
            entry_price=position.entry_price,
            exit_price=position.exit_price,
            pnl=position.realized_pnl,
            fees=position.fees,
            entry_tag=position.entry_tag,
            exit_tag=position.exit_tag,
        )


class TradeList(BaseModel):
    """A strategy's trades: open ones first, then closed ones newest first."""

    strategy_id: str
    trades: list[TradePublic]
    count: int
    limit: int
    offset: int
    has_more: bool
