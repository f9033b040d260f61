"""Catalog shapes: seed 001's strategy list with a score and rank, seed 000's leaderboard, a
comparison and performance over time (a strategy's page is `catalog_detail`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from tradai.api.schemas.catalog_detail import CatalogVersion
from tradai.api.schemas.strategies import MetricsPublic, StrategySummary
from tradai.domain.strategy_versions import Stage

if TYPE_CHECKING:
    from tradai.services.catalog import Comparison, Ranked
    from tradai.services.strategy_performance import BacktestPoint, LiveDay


class CatalogEntry(StrategySummary):
    """A strategy version with its composite score (0-100) and its rank by score (1 = best)."""

    score: float | None
    rank: int

    @classmethod
    def of_ranked(cls, entry: Ranked) -> CatalogEntry:
        """The public view."""
        return cls(**StrategySummary.of(entry.item).model_dump(), score=entry.score, rank=entry.rank)


class CatalogList(BaseModel):
    """A page of versions (the strategies filters), best score first unless sorted otherwise."""

    strategies: list[CatalogEntry]
    total: int
    limit: int
    offset: int


class LeaderboardEntry(BaseModel):
    """A strategy's best-scoring version."""

    rank: int
    name: str
    version: str
    stage: Stage
    score: float
    metrics: MetricsPublic | None


class Leaderboard(BaseModel):
    """Strategies by their best composite score."""

    entries: list[LeaderboardEntry]
    total: int
    limit: int
    offset: int


class ComparisonPublic(BaseModel):
    """Two versions side by side; `differences` are b - a (null where either lacks the metric)."""

    name: str
    version_a: CatalogVersion
    version_b: CatalogVersion
    differences: dict[str, float | None]

    @classmethod
    def of(cls, comparison: Comparison) -> ComparisonPublic:
        """The public view."""
        return cls(
            name=comparison.name,
            version_a=CatalogVersion.of(comparison.a),
            version_b=CatalogVersion.of(comparison.b),
            differences=comparison.differences,
        )


class BacktestPointPublic(BaseModel):
    """One completed backtest."""

    version: str
    job_id: str
    completed_at: datetime | None
    metrics: MetricsPublic
    score: float | None

    @classmethod
    def of(cls, point: BacktestPoint) -> BacktestPointPublic:
        """The public view."""
        return cls(
            version=point.version,
            job_id=point.evidence.job_id,
            completed_at=point.evidence.completed_at,
            metrics=MetricsPublic.model_validate(point.evidence.metrics.model_dump()),
            score=point.score,
        )


class LiveDayPublic(BaseModel):
    """One day of a version's dry-run or live trades."""

    date: date
    version: str
    mode: str
    trades: int
    return_pct: float
    cumulative_return: float

    @classmethod
    def of(cls, day: LiveDay) -> LiveDayPublic:
        """The public view."""
        return cls(date=day.day, **{k: v for k, v in vars(day).items() if k != "day"})


class PerformancePublic(BaseModel):
    """A strategy's performance over time: backtests (oldest first) and daily dry-run/live results."""

    name: str
    backtests: list[BacktestPointPublic]
    live: list[LiveDayPublic]
