"""Imported once by the local executor's forkserver: loads the engine and runs a tiny backtest and sweep.

Every job process is forked from that server, so each starts with pandas, numba and the compiled
kernels already in memory instead of paying several seconds of imports and JIT loading.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import tradai.engine as engine
import tradai.services.backtest_runner  # noqa: F401  (what the jobs run)


def _warm_up() -> None:
    index = pd.date_range("2024-01-01", periods=200, freq="1h", tz="UTC")
    close = 100 + np.cumsum(np.sin(np.arange(200) / 7))
    bars = pd.DataFrame(
        {"open": close, "high": close + 1, "low": close - 1, "close": close, "volume": np.ones(200)},
        index=index,
    )
    result = engine.backtest(bars, "sma_cross", {"fast": 5, "slow": 20})
    engine.monte_carlo(result, simulations=100)
    engine.sweep(bars, "sma_cross", {"fast": [5], "slow": [20]})  # the built-ins' fused sweep kernel


_warm_up()
