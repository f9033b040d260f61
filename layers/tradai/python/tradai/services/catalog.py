"""The strategy catalog: versions ranked by a composite score, the leaderboard and comparisons (a
strategy's page is `catalog_detail`, its performance over time `strategy_performance`).

The composite score (0-100, docs/strategies.md) blends the latest completed backtest's metrics:

    score = 100 * (0.35 * S + 0.25 * R + 0.25 * D + 0.15 * W) * min(1, trades / 30)

with S = clamp((sharpe + 1) / 4), R = clamp((total_return + 0.5) / 1.5), D = 1 - clamp(|max_drawdown| / 0.5),
W = clamp(win_rate), clamp to [0, 1] and a missing metric counting 0. A version never backtested
has no score and ranks last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tradai.domain.registry import ModelVersionNotFound
from tradai.domain.strategy_versions import VersionMetrics
from tradai.ports import DocumentStore
from tradai.services.strategy_listing import ListedVersion, SortBy, SortOrder, sort_versions
from tradai.services.strategy_lookup import versions_of
from tradai.services.version_metrics import latest_metrics

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


def _metrics_map(entry: Ranked) -> dict[str, Any]:
    metrics = entry.item.evidence.metrics.model_dump() if entry.item.evidence else {}
    return {**metrics, "score": entry.score}


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _or(value: float | None, missing: float) -> float:
    return missing if value is None else float(value)
