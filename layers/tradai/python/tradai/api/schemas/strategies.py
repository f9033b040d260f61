"""Strategy shapes shared by the list routes (seed 001's strategy list) and the catalog: a version's
metrics and its summary. A strategy's detail and metrics are `strategy_detail`, its status
`strategy_status`, registering one `strategy_registration`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from tradai.domain.strategy_versions import Stage, StrategyVersion, VersionMetrics

if TYPE_CHECKING:
    from tradai.services.strategy_listing import ListedVersion
    from tradai.services.version_metrics import BacktestEvidence


class MetricsPublic(VersionMetrics):
    """Headline metrics of the latest completed backtest."""

    @classmethod
    def of(cls, metrics: VersionMetrics | None) -> MetricsPublic | None:
        """The public form, or None without metrics."""
        return cls.model_validate(metrics.model_dump()) if metrics else None


class StrategySummary(BaseModel):
    """One strategy version in a list."""

    id: str
    name: str
    version: str
    stage: Stage
    description: str
    timeframe: str
    exchange: str
    metrics: MetricsPublic | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, item: ListedVersion) -> StrategySummary:
        """The list view of a version and its evidence."""
        return cls(**version_fields(item.version), metrics=metrics_of(item.evidence))


class StrategyList(BaseModel):
    """A page of strategy versions."""

    strategies: list[StrategySummary]
    total: int
    limit: int
    offset: int


def version_fields(version: StrategyVersion) -> dict[str, Any]:
    """The fields every view of a version shows."""
    return version.model_dump(
        include={
            "id",
            "name",
            "version",
            "stage",
            "description",
            "timeframe",
            "exchange",
            "created_at",
            "updated_at",
        }
    )


def metrics_of(evidence: BacktestEvidence | None) -> MetricsPublic | None:
    """The public metrics of a backtest, or None without one."""
    return MetricsPublic.of(evidence.metrics) if evidence else None
