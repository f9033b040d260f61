"""Listing strategy versions: each with the evidence of its latest backtest, filtered and ordered.

Shared by `GET /api/v1/strategies` and the catalog, which ranks the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tradai.domain.strategy_versions import Stage, StrategyVersion
from tradai.ports import DocumentStore
from tradai.services.strategy_repository import StrategyRepository
from tradai.services.version_metrics import BacktestEvidence, latest_metrics

SortBy = Literal["name", "sharpe", "return", "trades"]
SortOrder = Literal["asc", "desc"]


@dataclass(frozen=True)
class ListedVersion:
    """A version with the evidence of its latest completed backtest (None: never backtested)."""

    version: StrategyVersion
    evidence: BacktestEvidence | None


@dataclass(frozen=True)
class StrategyFilters:
    """The filters and order of `GET /api/v1/strategies` (and the catalog)."""

    stage: Stage | None = None
    exchange: str | None = None
    timeframe: str | None = None
    search: str | None = None
    min_sharpe: float | None = None
    max_drawdown: float | None = None
    """The deepest drawdown allowed, as a positive fraction (0.2 = 20%)."""


def list_versions(
    *,
    store: DocumentStore,
    filters: StrategyFilters,
    sort_by: SortBy = "name",
    sort_order: SortOrder = "asc",
) -> list[ListedVersion]:
    """Every registered version matching `filters`, with its latest backtest, in the asked order."""
    versions = StrategyRepository(store).all()
    evidence = latest_metrics(store=store, versions=versions)
    listed = [ListedVersion(v, evidence.get((v.name, v.version))) for v in versions]
    kept = [item for item in listed if _matches(item, filters)]
    return sort_versions(kept, sort_by, sort_order)


def sort_versions(items: list[ListedVersion], sort_by: SortBy, sort_order: SortOrder) -> list[ListedVersion]:
    """Order by name (then version) or by a metric; versions without the metric always come last."""
    if sort_by == "name":
        ordered = sorted(items, key=lambda item: (item.version.name.lower(), item.version.created_at))
        return ordered[::-1] if sort_order == "desc" else ordered
    field_name = {"sharpe": "sharpe_ratio", "return": "total_return", "trades": "trades"}[sort_by]

    def value(item: ListedVersion) -> float | None:
        metric = getattr(item.evidence.metrics, field_name) if item.evidence else None
        return None if metric is None else float(metric)

    present = [item for item in items if value(item) is not None]
    missing = [item for item in items if value(item) is None]
    present.sort(key=lambda item: value(item) or 0.0, reverse=sort_order == "desc")
    return present + missing


def _matches(item: ListedVersion, filters: StrategyFilters) -> bool:
    version, metrics = item.version, item.evidence.metrics if item.evidence else None
    if filters.stage is not None and version.stage is not filters.stage:
        return False
    if filters.exchange is not None and version.exchange != filters.exchange:
        return False
    if filters.timeframe is not None and version.timeframe != filters.timeframe:
        return False
    if filters.search:
        needle = filters.search.lower()
        if needle not in version.name.lower() and needle not in version.description.lower():
            return False
    if filters.min_sharpe is not None and (
        metrics is None or metrics.sharpe_ratio is None or metrics.sharpe_ratio < filters.min_sharpe
    ):
        return False
    return filters.max_drawdown is None or (
        metrics is not None
        and metrics.max_drawdown is not None
        and abs(metrics.max_drawdown) <= filters.max_drawdown
    )
