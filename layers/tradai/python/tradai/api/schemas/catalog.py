"""Catalog shapes: seed 001's strategy list with a score and rank, seed 000's leaderboard."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from tradai.api.schemas.strategies import MetricsPublic, StrategySummary
from tradai.domain.strategy_versions import Stage
from tradai.services.catalog import BacktestPoint, CatalogDetail, Comparison, LiveDay, Ranked


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
