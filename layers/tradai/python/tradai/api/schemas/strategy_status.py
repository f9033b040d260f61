"""Where a strategy stands, as `GET /api/v1/strategies/{name}/status` shows it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from tradai.api.schemas.strategies import MetricsPublic, metrics_of
from tradai.domain.strategy_versions import Stage

if TYPE_CHECKING:
    from tradai.services.strategy_status import StrategyStatus


class BacktestRef(BaseModel):
    """A completed backtest and its headline metrics."""

    job_id: str
    completed_at: datetime | None
    metrics: MetricsPublic | None


class VersionStage(BaseModel):
    """A version and its stage."""

    version: str
    stage: Stage


class StrategyStatusPublic(BaseModel):
    """Where a strategy stands."""

    name: str
    stage: Stage
    champion_version: str | None
    challenger_version: str | None
    versions: list[VersionStage]
    running_instances: int = Field(description="Dry-run and live instances that have not ended")
    last_backtest: BacktestRef | None

    @classmethod
    def of(cls, status: StrategyStatus) -> StrategyStatusPublic:
        """The status view."""
        last = status.last_backtest
        return cls(
            name=status.name,
            stage=status.stage,
            champion_version=status.champion_version,
            challenger_version=status.challenger_version,
            versions=[VersionStage(version=v.version, stage=v.stage) for v in status.versions],
            running_instances=status.running_instances,
            last_backtest=BacktestRef(
                job_id=last.job_id, completed_at=last.completed_at, metrics=metrics_of(last)
            )
            if last
            else None,
        )
