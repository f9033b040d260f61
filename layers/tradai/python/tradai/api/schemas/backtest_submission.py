"""Submitting a backtest job (seed 001's body) and the queued job it answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.jobs import JobStatus


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
