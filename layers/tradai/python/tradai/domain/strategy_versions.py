"""Strategy versions: what users register, promote through stages and trade.

A strategy (a name) has versions; each version runs one strategy class of the engine's catalog with
default parameters, and sits in one stage: dev, then staging (validated by a backtest), then prod.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tradai.domain.errors import Conflict, NotFound


class Stage(StrEnum):
    """Where a version is in its life. `archived`: was prod, replaced by another version."""

    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"
    ARCHIVED = "archived"


class StrategyNotFound(NotFound):
    """No strategy, strategy version or config goes by this name."""

    code = "STRATEGY_NOT_FOUND"


class StrategyVersionExists(Conflict):
    """This strategy already has this version."""

    code = "STRATEGY_VERSION_EXISTS"


class VersionMetrics(BaseModel):
    """The headline metrics of a version's latest completed backtest (seed 001's strategy metrics)."""

    model_config = ConfigDict(extra="ignore")

    sharpe_ratio: float | None = None
    total_return: float | None = None
    max_drawdown: float | None = None
    trades: int | None = None
    win_rate: float | None = None
    profit_factor: float | None = None

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> VersionMetrics:
        """Read a job's result summary (the runner names the trade count `trades_count`)."""
        trades = result.get("trades", result.get("trades_count"))
        return cls.model_validate({**result, "trades": int(trades) if trades is not None else None})


class StrategyVersion(BaseModel):
    """One registered version of a strategy, as stored."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    version: str
    strategy_class: str
    """The engine strategy it runs (a built-in or one of the user strategies folder)."""
    description: str = ""
    stage: Stage = Stage.DEV
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Default parameter values, complete (the class's defaults filled in)."""
    timeframe: str
    pairs: list[str]
    exchange: str = "binance_futures"
    code_hash: str
    validation_job_id: str | None = None
    """The backtest that validated the version when it was staged."""
    validation_config_id: str | None = None
    """The config whose values the validation ran with (the strategy's active config then)."""
    created_at: datetime
    updated_at: datetime
