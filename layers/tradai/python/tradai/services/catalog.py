"""The strategy catalog: versions ranked by a composite score, detail, comparison, leaderboard and
performance over time (backtests, and dry-run/live trades).

The composite score (0-100, docs/strategies.md) blends the latest completed backtest's metrics:

    score = 100 * (0.35 * S + 0.25 * R + 0.25 * D + 0.15 * W) * min(1, trades / 30)

with S = clamp((sharpe + 1) / 4), R = clamp((total_return + 0.5) / 1.5), D = 1 - clamp(|max_drawdown| / 0.5),
W = clamp(win_rate), clamp to [0, 1] and a missing metric counting 0. A version never backtested
has no score and ranks last.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from tradai.domain.errors import StrategyError
from tradai.domain.registry import ModelVersionNotFound
from tradai.domain.strategies import StrategyInfo, UnknownStrategy
from tradai.domain.strategy_versions import StrategyNotFound, VersionMetrics
from tradai.ports import DocumentStore, StrategyCatalog
from tradai.services.ab_tests import TradeRecord, trades_of
from tradai.services.strategies import (
    ListedVersion,
    SortBy,
    SortOrder,
    prod_version,
    sort_versions,
    versions_of,
)
from tradai.services.version_metrics import BacktestEvidence, backtests_by_version, latest_metrics

FULL_CONFIDENCE_TRADES = 30
WEIGHTS = {"sharpe": 0.35, "return": 0.25, "drawdown": 0.25, "win_rate": 0.15}
COMPARED = ("sharpe_ratio", "total_return", "max_drawdown", "trades", "win_rate", "profit_factor")


def composite_score(metrics: VersionMetrics | None) -> float | None:
    """The version's score, 0-100 (None without a completed backtest)."""
    if metrics is None:
        return None
    parts = {  # a missing metric scores 0 on its part
        "sharpe": _clamp((_or(metrics.sharpe_ratio, -1.0) + 1.0) / 4.0),
        "return": _clamp((_or(metrics.total_return, -0.5) + 0.5) / 1.5),
        "drawdown": 1.0 - _clamp(abs(_or(metrics.max_drawdown, 0.5)) / 0.5),
        "win_rate": _clamp(_or(metrics.win_rate, 0.0)),
    }
    confidence = min(1.0, _or(metrics.trades, 0) / FULL_CONFIDENCE_TRADES)
    return round(100.0 * sum(WEIGHTS[name] * value for name, value in parts.items()) * confidence, 2)


@dataclass(frozen=True)
class Ranked:
    """A listed version with its score and its rank by score (1 = best) among those listed."""

    item: ListedVersion
    score: float | None
    rank: int


def rank(items: list[ListedVersion]) -> list[Ranked]:
    """Rank by score, best first; versions without a score come last, by name."""
    scored = [(item, composite_score(item.evidence.metrics if item.evidence else None)) for item in items]
    ordered = sorted(
        scored, key=lambda pair: (pair[1] is None, -(pair[1] or 0.0), pair[0].version.name.lower())
    )
    return [Ranked(item, score, position) for position, (item, score) in enumerate(ordered, start=1)]


def ordered(ranked: list[Ranked], sort_by: SortBy | Literal["score"], sort_order: SortOrder) -> list[Ranked]:
    """Order ranked versions by score or by the strategies list's keys; the unscored come last."""
    if sort_by == "score":
        scored = [entry for entry in ranked if entry.score is not None]
        missing = [entry for entry in ranked if entry.score is None]
        return (scored if sort_order == "desc" else scored[::-1]) + missing
    by_item = {id(entry.item): entry for entry in ranked}
    return [
        by_item[id(item)] for item in sort_versions([entry.item for entry in ranked], sort_by, sort_order)
    ]


def leaderboard(ranked: list[Ranked]) -> list[Ranked]:
    """One entry per strategy: its best-scoring version; unscored strategies are left out."""
    best: dict[str, Ranked] = {}
    for entry in ranked:
        if entry.score is not None:
            best.setdefault(entry.item.version.name, entry)
    return [
        Ranked(entry.item, entry.score, position) for position, entry in enumerate(best.values(), start=1)
    ]


@dataclass(frozen=True)
class CatalogDetail:
    """A strategy in the catalog: its engine class and its registered versions."""

    name: str
    info: StrategyInfo | None
    versions: list[Ranked]
    champion_version: str | None
    info_error: str | None = None  # why a registered strategy's class cannot be described


def catalog_detail(*, store: DocumentStore, catalog: StrategyCatalog, name: str) -> CatalogDetail:
    """A registered strategy, or an engine strategy nobody registered yet.

    A registered strategy whose class cannot be loaded (its user file fails to import) is still
    shown, without the class's details and with `info_error` saying why.

    Raises:
        StrategyNotFound: neither goes by `name`.
        StrategyError: no registered strategy goes by `name` and the engine cannot load the one
            that might (a broken user file).
    """
    try:
        versions = versions_of(store, name)
    except StrategyNotFound:
        versions = []
    strategy_class = versions[-1].strategy_class if versions else name
    info_error = None
    try:
        info = _describe(catalog, strategy_class)
    except StrategyError as exc:  # e.g. its user file fails to import: still show the versions
        if not versions:
            raise
        info, info_error = None, exc.detail
    if info is None and not versions:
        raise StrategyNotFound(f"no strategy named {name!r} is registered or built in")
    evidence = latest_metrics(store=store, versions=versions)
    listed = [ListedVersion(v, evidence.get((v.name, v.version))) for v in versions]
    champion = prod_version(versions)
    return CatalogDetail(
        name=versions[0].name if versions else (info.name if info else name),
        info=info,
        versions=sorted(rank(listed), key=lambda entry: entry.item.version.created_at),
        champion_version=champion.version if champion else None,
        info_error=info_error,
    )


@dataclass(frozen=True)
class Comparison:
    """Two versions side by side and their differences (b - a)."""

    name: str
    a: Ranked
    b: Ranked
    differences: dict[str, float | None]


def compare_versions(*, store: DocumentStore, name: str, version_a: str, version_b: str) -> Comparison:
    """Compare two versions' latest backtest metrics and scores.

    Raises:
        StrategyNotFound: no such strategy.
        ModelVersionNotFound: a version is not one of its versions.
    """
    versions = versions_of(store, name)
    evidence = latest_metrics(store=store, versions=versions)

    def entry(version: str) -> Ranked:
        found = next((v for v in versions if v.version == version), None)
        if found is None:
            raise ModelVersionNotFound(f"{versions[0].name} has no version {version!r}")
        listed = ListedVersion(found, evidence.get((found.name, found.version)))
        return Ranked(listed, composite_score(listed.evidence.metrics if listed.evidence else None), 0)

    a, b = entry(version_a), entry(version_b)
    metrics_a, metrics_b = _metrics_map(a), _metrics_map(b)
    differences: dict[str, float | None] = {}
    for key in (*COMPARED, "score"):
        left, right = metrics_a.get(key), metrics_b.get(key)
        differences[key] = None if left is None or right is None else round(float(right) - float(left), 10)
    return Comparison(name=versions[0].name, a=a, b=b, differences=differences)


@dataclass(frozen=True)
class BacktestPoint:
    """One completed backtest of a version."""

    version: str
    evidence: BacktestEvidence
    score: float | None


@dataclass(frozen=True)
class LiveDay:
    """The dry-run or live trades of one version closed on one day."""

    day: date
    version: str
    mode: str
    trades: int
    return_pct: float
    """Compounded over the day's trades."""
    cumulative_return: float
    """Compounded since the first recorded trade of this version and mode."""


@dataclass(frozen=True)
class Performance:
    """A strategy's performance over time."""

    name: str
    backtests: list[BacktestPoint]
    live: list[LiveDay]


def performance(*, store: DocumentStore, name: str) -> Performance:
    """Completed backtests of every version (oldest first) and daily dry-run/live results.

    Raises:
        StrategyNotFound: no such strategy.
    """
    versions = versions_of(store, name)
    runs = backtests_by_version(store=store, versions=versions)
    points = [
        BacktestPoint(version=version, evidence=run, score=composite_score(run.metrics))
        for (_, version), version_runs in runs.items()
        for run in version_runs
    ]
    points.sort(key=lambda point: point.evidence.completed_at or datetime.min.replace(tzinfo=UTC))
    return Performance(
        name=versions[0].name,
        backtests=points,
        live=_daily(trades_of(store=store, strategy_name=versions[0].name)),
    )


def _daily(trades: list[TradeRecord]) -> list[LiveDay]:
    buckets: dict[tuple[str, str, date], list[float]] = defaultdict(list)
    for trade in trades:
        buckets[(trade.version, trade.mode, trade.closed_at.date())].append(trade.return_pct)
    days: list[LiveDay] = []
    growth: dict[tuple[str, str], float] = defaultdict(lambda: 1.0)
    for (version, mode, day), returns in sorted(
        buckets.items(), key=lambda pair: (pair[0][2], pair[0][0], pair[0][1])
    ):
        day_growth = math.prod(1.0 + value for value in returns)
        growth[(version, mode)] *= day_growth
        days.append(
            LiveDay(
                day=day,
                version=version,
                mode=mode,
                trades=len(returns),
                return_pct=day_growth - 1.0,
                cumulative_return=growth[(version, mode)] - 1.0,
            )
        )
    return days


def _metrics_map(entry: Ranked) -> dict[str, Any]:
    metrics = entry.item.evidence.metrics.model_dump() if entry.item.evidence else {}
    return {**metrics, "score": entry.score}


def _describe(catalog: StrategyCatalog, name: str) -> StrategyInfo | None:
    try:
        return catalog.describe(name)
    except UnknownStrategy:
        return None


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _or(value: float | None, missing: float) -> float:
    return missing if value is None else float(value)
