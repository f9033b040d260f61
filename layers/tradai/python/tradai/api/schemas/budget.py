"""Budget shapes (seed 003's BudgetSummaryResponse, per strategy and currency)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class BudgetSummary(BaseModel):
    """A strategy's budget in one currency, and what uses it."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                "strategy_id": "sma-cross-prod",
                "currency": "USDT",
                "allocated": 1000.0,
                "reserved": 200.0,
                "committed": 0.0,
                "available": 800.0,
                "realized_pnl": 42.5,
                "total_fees": 1.2,
                "updated_at": "2026-01-01T00:00:00Z",
            }
        },
    )

    strategy_id: str
    currency: str
    allocated: float = Field(description="The cap")
    reserved: float = Field(description="Held by orders at the broker")
    committed: float = Field(description="Held by open positions at entry cost")
    available: float = Field(description="allocated - reserved - committed")
    realized_pnl: float = Field(description="From closing positions, before fees")
    total_fees: float
    updated_at: datetime


class StrategyBudgets(BaseModel):
    """Every currency budget of one strategy."""

    strategy_id: str
    budgets: list[BudgetSummary]


class BudgetRegistry(BaseModel):
    """Every budget, by strategy and currency."""

    budgets: list[BudgetSummary]
    count: int


class BudgetAllocation(BaseModel):
    """The cap to set."""

    model_config = ConfigDict(extra="forbid")

    allocated: float = Field(ge=0, le=1e12, allow_inf_nan=False, description="In the budget's currency")


class RealizedPnl(BaseModel):
    """Realized P&L from fills, per currency."""

    strategy_id: str
    realized_pnl: dict[str, float] = Field(description="Currency -> P&L before fees")
    total_fees: dict[str, float]
    net: dict[str, float] = Field(description="Currency -> P&L after fees")
