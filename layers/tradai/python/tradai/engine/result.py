"""What a backtest returns: metrics, trades, equity curve and the record that reproduces it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

# 1.1: max_drawdown <= 0, 8-lane bar fingerprint; 1.2: returns of the equity floored at 0, vector sums;
# 1.3: bar fingerprint from two vectorized sums per column (docs/engine.md)
ENGINE_VERSION = "1.3.0"


@dataclass(frozen=True)
class Reproducibility:
    """Everything needed to reproduce a run exactly."""

    strategy: str
    strategy_version: str
    code_hash: str
    params: dict[str, Any]
    settings: dict[str, Any]
    engine_version: str
    bars_fingerprint: str
    seed: int | None
    search: dict[str, Any] | None = None
    """How a sweep, walk-forward or Monte Carlo searched or sampled (mode, space, method, ...);
    None for a single run."""

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-ready data (`search` only when there is one)."""
        record = {
            "strategy": self.strategy,
            "strategy_version": self.strategy_version,
            "code_hash": self.code_hash,
            "params": self.params,
            "settings": json_safe(self.settings),
            "engine_version": self.engine_version,
            "bars_fingerprint": self.bars_fingerprint,
            "seed": self.seed,
        }
        if self.search is not None:
            record["search"] = json_safe(self.search)
        return record


@dataclass(frozen=True)
class BacktestResult:
    """A finished backtest.

    Attributes:
        metrics: metric name -> value (see docs/metrics.md).
        record: what reproduces the run.
        trades: one row per closed trade (entry_time, exit_time, symbol, side, entry_price,
            exit_price, size, pnl, pnl_pct, fees, enter_tag, exit_tag, exit_reason, confidence,
            entry_bar, exit_bar); built on first access.
        equity: per bar: portfolio_value, drawdown_percent, benchmark_price; indexed by timestamp;
            built on first access (a sweep's thousand runs never pay for frames nobody reads).
    """

    metrics: dict[str, Any]
    record: Reproducibility
    build_trades: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    build_equity: Callable[[], pd.DataFrame] = field(repr=False, compare=False)

    @cached_property
    def trades(self) -> pd.DataFrame:
        """Return the trades table."""
        return self.build_trades()

    @cached_property
    def equity(self) -> pd.DataFrame:
        """Return the equity curve."""
        return self.build_equity()

    def to_dict(self) -> dict[str, Any]:
        """Return metrics, record and trade count as JSON-ready data (non-finite numbers as null)."""
        return {
            "metrics": json_safe(self.metrics),
            "trades_count": int(self.metrics["trades_count"]),
            "reproducibility": self.record.to_dict(),
        }


def json_safe(value: Any) -> Any:
    """Return `value` with NaN/inf floats replaced by None and numpy scalars made plain, recursively."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
