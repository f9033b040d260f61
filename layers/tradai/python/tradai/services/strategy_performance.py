"""A strategy's performance over time: every completed backtest with its score, and the daily
results of its dry-run and live trades."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tradai.ports import DocumentStore
from tradai.services.catalog import composite_score
from tradai.services.strategy_lookup import versions_of
from tradai.services.trade_records import TradeRecord, trades_of
from tradai.services.version_metrics import BacktestEvidence, backtests_by_version


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
