"""Backtest job shapes (seed 001, with seed 002's progress fields and seed 004's result fields);
submitting one is `backtest_submission`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Re-exported: the job's public shape lives in schemas/jobs.py (shared with sync jobs).
from tradai.api.schemas.jobs import BacktestJobPublic as BacktestJobPublic
from tradai.api.schemas.jobs import JobErrorPublic as JobErrorPublic
from tradai.api.schemas.jobs import ProgressPublic as ProgressPublic
from tradai.api.schemas.jobs import ResultSummary as ResultSummary


class BacktestJobList(BaseModel):
    """A page of jobs, newest first; pass `cursor` back for the next page (null: no more)."""

    jobs: list[BacktestJobPublic]
    cursor: str | None
    total: int


class EquityPoint(BaseModel):
    """One point of the equity curve."""

    model_config = ConfigDict(extra="allow")

    timestamp: datetime
    portfolio_value: float
    drawdown_percent: float
    benchmark_price: float | None = None


class EquityCurve(BaseModel):
    """The equity curve, downsampled to `max_points` with peaks and troughs kept."""

    equity_curve: list[EquityPoint]


class ChartLinks(BaseModel):
    """Where the report's charts are served (SVG)."""

    equity_curve_url: str
    drawdown_url: str


class ReportData(BaseModel):
    """Everything a report shows: summary, every metric, a page of trades, charts, mode extras."""

    summary: dict[str, Any]
    metrics: dict[str, Any]
    trades: list[dict[str, Any]]
    trades_total: int
    charts: ChartLinks
    extras: dict[str, Any] = Field(
        default_factory=dict, description="sweep table, walk-forward windows, Monte Carlo"
    )
