"""`backtest`: the one-call entry point of the engine."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from tradai.engine.progress import Progress
from tradai.engine.result import BacktestResult
from tradai.engine.run import run_backtest
from tradai.engine.strategy import Strategy


def backtest(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame],
    strategy: str | type[Strategy],
    params: Mapping[str, Any] | None = None,
    *,
    strategy_path: Path | None = None,
    progress: Progress | None = None,
    form: str = "auto",
    **settings: Any,
) -> BacktestResult:
    """Backtest a strategy on OHLCV bars.

    Args:
        bars: a DataFrame indexed by UTC timestamps with open, high, low, close, volume columns,
            or a mapping symbol -> such a DataFrame (the symbols share the capital).
        strategy: a strategy name (built-in or from `strategy_path`) or a Strategy subclass.
        params: parameter values; undeclared ones take their defaults.
        strategy_path: the user strategies folder (the TRADAI_STRATEGY_PATH setting).
        progress: called with (fraction done, message) as the run advances, and with
            `bar_time=` (UTC datetime of the last bar simulated) when it takes that keyword.
        form: "auto" (the array form when the strategy has one), "arrays" or "frame" (DataFrame form).
        **settings: SimulationSettings fields: capital, fees (fraction) or fees_bps, slippage,
            leverage, position_size, fill ("open"/"close"), allocation, stoploss, take_profit,
            trailing_stop, minimal_roi, timeframe, seed.

    Returns:
        The metrics, trades, equity curve and reproducibility record.

    Raises:
        StrategyNotFound: no strategy by that name.
        InvalidParameter: unknown or out-of-range parameter.
        InvalidSettings: unknown or out-of-range setting.
        InvalidBars: malformed bars.
        StrategyError: the strategy's code failed or returned unusable signals.
    """
    return run_backtest(
        bars, strategy, params, strategy_path=strategy_path, progress=progress, form=form, **settings
    )
