"""A strategy as its detail route shows it (seed 000's detail by config name), and a version's metrics."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from tradai.api.schemas.strategies import MetricsPublic, StrategySummary, metrics_of, version_fields

if TYPE_CHECKING:
    from tradai.services.strategies import StrategyDetail
    from tradai.services.strategy_listing import ListedVersion


class StrategyDetailPublic(StrategySummary):
    """A strategy version with its run settings (a config's, when found by config name)."""

    strategy_class: str
    code_hash: str
    pairs: list[str]
    parameters: dict[str, Any]
    config_id: str | None
    config_name: str | None
    backtest_job_id: str | None

    @classmethod
    def of_detail(cls, detail: StrategyDetail) -> StrategyDetailPublic:
        """The detail view."""
        version = detail.version
        return cls(
            **version_fields(version) | {"timeframe": detail.timeframe, "exchange": detail.exchange},
            metrics=metrics_of(detail.evidence),
            strategy_class=version.strategy_class,
            code_hash=version.code_hash,
            pairs=detail.pairs,
            parameters=detail.parameters,
            config_id=detail.config_id,
            config_name=detail.config_name,
            backtest_job_id=detail.evidence.job_id if detail.evidence else None,
        )


class StrategyMetricsPublic(BaseModel):
    """A version's metrics and the backtest they come from."""

    name: str
    version: str
    metrics: MetricsPublic | None
    backtest_job_id: str | None
    completed_at: datetime | None

    @classmethod
    def of(cls, item: ListedVersion) -> StrategyMetricsPublic:
        """The metrics view."""
        evidence = item.evidence
        return cls(
            name=item.version.name,
            version=item.version.version,
            metrics=metrics_of(evidence),
            backtest_job_id=evidence.job_id if evidence else None,
            completed_at=evidence.completed_at if evidence else None,
        )
