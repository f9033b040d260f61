"""A strategy's catalog page: its engine class and its registered versions with their scores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from tradai.api.schemas.strategies import MetricsPublic
from tradai.domain.strategy_versions import Stage

if TYPE_CHECKING:
    from tradai.services.catalog import Ranked
    from tradai.services.catalog_detail import CatalogDetail


class CatalogVersion(BaseModel):
    """A registered version in a strategy's catalog page."""

    version: str
    stage: Stage
    metrics: MetricsPublic | None
    score: float | None
    backtest_job_id: str | None

    @classmethod
    def of(cls, entry: Ranked) -> CatalogVersion:
        """The public view."""
        evidence = entry.item.evidence
        return cls(
            version=entry.item.version.version,
            stage=entry.item.version.stage,
            metrics=MetricsPublic.of(evidence.metrics) if evidence else None,
            score=entry.score,
            backtest_job_id=evidence.job_id if evidence else None,
        )


class CatalogStrategy(BaseModel):
    """A strategy: its engine class (timeframe, pairs, parameter schema) and its registered versions."""

    name: str
    strategy_class: str | None
    timeframe: str | None
    pairs: list[str]
    can_short: bool | None
    parameters: dict[str, dict[str, Any]]
    champion_version: str | None
    best_score: float | None
    versions: list[CatalogVersion]
    class_error: str | None = Field(
        default=None, description="Why the engine class cannot be described (e.g. its file fails to import)."
    )

    @classmethod
    def of(cls, detail: CatalogDetail) -> CatalogStrategy:
        """The public view."""
        info = detail.info
        scores = [entry.score for entry in detail.versions if entry.score is not None]
        return cls(
            name=detail.name,
            strategy_class=info.name if info else None,
            timeframe=info.timeframe if info else None,
            pairs=list(info.pairs) if info else [],
            can_short=info.can_short if info else None,
            parameters=info.parameters if info else {},
            champion_version=detail.champion_version,
            best_score=max(scores, default=None),
            versions=[CatalogVersion.of(entry) for entry in detail.versions],
            class_error=detail.info_error,
        )
