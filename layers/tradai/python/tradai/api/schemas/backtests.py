"""Backtest job shapes (seed 001, with seed 002's progress fields and seed 004's result fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.jobs import BacktestJob, JobStatus


class ProgressPublic(BaseModel):
    """How far a running job is."""

    current: int
    total: int
    percentage: float


class ResultSummary(BaseModel):
    """The headline metrics of a finished job; the full set is in the report data."""

    model_config = ConfigDict(extra="allow")

    total_return: float | None = None
    sharpe_ratio: float | None = None
    max_drawdown: float | None = None
    trades_count: int | None = None
    win_rate: float | None = None
    profit_factor: float | None = None


class JobErrorPublic(BaseModel):
    """Why a job failed."""

    code: str
    message: str


class BacktestJobPublic(BaseModel):
    """A backtest job as clients see it."""

    job_id: str
    status: JobStatus
    strategy_name: str
    strategy_version: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    progress: ProgressPublic | None = None
    message: str | None = None
    current_date: str | None = None
    trades_executed: int | None = None
    result: ResultSummary | None = None
    error: JobErrorPublic | None = None
    reproducibility: dict[str, Any] | None = Field(
        default=None, description="What reproduces the result: strategy, code hash, parameters, data, seed."
    )

    @classmethod
    def from_job(cls, job: BacktestJob) -> BacktestJobPublic:
        """The public view of a stored job."""
        progress = job.progress
        return cls(
            **job.model_dump(include={"job_id", "status", "strategy_name", "strategy_version", "created_at"}),
            updated_at=job.updated_at,
            started_at=job.started_at,
            completed_at=job.completed_at,
            progress=ProgressPublic(
                current=progress.current, total=progress.total, percentage=progress.percentage
            )
            if progress
            else None,
            message=job.message,
            current_date=job.current_date,
            trades_executed=job.trades_executed,
            result=ResultSummary.model_validate(job.result) if job.result else None,
            error=JobErrorPublic(code=job.error.code, message=job.error.message) if job.error else None,
            reproducibility=job.reproducibility,
        )


class BacktestJobList(BaseModel):
    """A page of jobs, newest first; pass `cursor` back for the next page (null: no more)."""

    jobs: list[BacktestJobPublic]
    cursor: str | None
    total: int


class BacktestSubmit(BacktestSpec):
    """Submit a backtest job (seed 001's body; everything but strategy and range has a default)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "strategy_config": {
                    "name": "sma_cross",
                    "version": "1.0.0",
                    "parameters": {"fast": 10, "slow": 30},
                },
                "date_range": {"start": "2024-01-01T00:00:00Z", "end": "2024-12-31T23:59:59Z"},
                "exchange": "binance_futures",
                "timeframe": "1h",
                "capital": 10000,
                "leverage": 1.0,
                "symbols": ["BTC/USDT:USDT"],
            }
        },
    )


class BacktestCreated(BaseModel):
    """The queued job (the same job again when an Idempotency-Key is replayed)."""

    job_id: str
    status: JobStatus
    created_at: datetime


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
