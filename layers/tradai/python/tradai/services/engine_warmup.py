"""Warm the engine up: load it and compile (or load from numba's cache) the kernels jobs run.

Imported once by the local executor's forkserver, which then runs a tiny backtest and sweep:
every job process is forked from that server, so each starts with pandas, numba and the compiled
kernels already in memory instead of paying several seconds of imports and JIT loading.

The worker image's build calls `every_builtin()` as well (containers/worker/Dockerfile): every
built-in's backtest, sweep and walk-forward, so numba's cache in the image holds each kernel
signature a task can meet and no task compiles at first use (tests/integration/test_engine_warmup.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import tradai.engine as engine
import tradai.services.backtest_runner  # noqa: F401  (what the jobs run)
from tradai.strategies import BUILTINS

_BARS = 200


def _bars() -> pd.DataFrame:
    index = pd.date_range("2024-01-01", periods=_BARS, freq="1h", tz="UTC")
    close = 100 + np.cumsum(np.sin(np.arange(_BARS) / 7))
    return pd.DataFrame(
        {"open": close, "high": close + 1, "low": close - 1, "close": close, "volume": np.ones(_BARS)},
        index=index,
    )


def _warm_up() -> None:
    bars = _bars()
    result = engine.backtest(bars, "sma_cross", {"fast": 5, "slow": 20})
    engine.monte_carlo(result, simulations=100)
    engine.sweep(bars, "sma_cross", {"fast": [5], "slow": [20]})  # the built-ins' fused sweep kernel


def every_builtin() -> None:
    """Run each built-in strategy once through every path a job takes: backtest (its own signal
    columns: tags and confidence change the kernel's signature), sweep (each built-in has its own
    fused kernel), walk-forward (windows of a market) and a two-symbol run (the generic sweep)."""
    bars = _bars()
    for cls in BUILTINS:
        defaults = {name: [value] for name, value in cls().params.items()}
        engine.backtest(bars, cls)
        engine.sweep(bars, cls, defaults)
        engine.walk_forward(bars, cls, defaults, windows=2)
        engine.sweep({"A": bars, "B": bars}, cls, defaults)


_warm_up()
