"""The public shape of a job, shared by backtests and market-data sync jobs.

Apart from `schemas/backtests.py` so the data Lambda, which shows sync jobs, does not import the
backtest request models (`domain/backtest_spec.py`) at its cold start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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
