"""The worker image's numba warm-up leaves nothing for a task to compile (issue 9).

numba compiles a kernel once per signature (argument types and layouts: a strategy's tags or
confidence, each built-in's fused sweep kernel, the walk-forward's windowed markets), and caches
it under NUMBA_CACHE_DIR. Whatever the build's warm-up does not run, every Fargate task compiles
at its first use, seconds to minutes of a job. So: the Dockerfile's warm-up command into an empty
cache, then a new process running every built-in through every path a job takes must add nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infrastructure.test_worker_image import runtime_stage

# What a task runs: each built-in through backtest (plain and with a job's settings), one and two
# symbols, grid and random sweeps, rolling and anchored walk-forward, Monte Carlo; on other bars
# than the warm-up's (another length and start), as a job's would be.
_TASK = """
import numpy as np
import pandas as pd

import tradai.engine as engine
from tradai.strategies import BUILTINS

n = 500
index = pd.date_range("2024-03-01", periods=n, freq="1h", tz="UTC")
close = 200 + 20 * np.sin(np.arange(n) / 11) + np.arange(n) * 0.05
bars = pd.DataFrame(
    {"open": close, "high": close + 1, "low": close - 1, "close": close, "volume": np.ones(n)}, index=index
)
job = {"capital": 10000.0, "fees": 0.001, "slippage": 0.0005, "leverage": 2.0, "position_size": 0.5,
       "stoploss": 0.05, "take_profit": 0.1, "trailing_stop": 0.02}
for cls in BUILTINS:
    result = engine.backtest(bars, cls.name)
    engine.backtest(bars, cls.name, **job)
    engine.backtest({"X": bars, "Y": bars.iloc[100:]}, cls.name, **job)
    engine.sweep(bars, cls.name, points=2)
    engine.sweep(bars, cls.name, method="random", samples=3, metric="total_return", full_metrics=1, **job)
    engine.sweep({"X": bars, "Y": bars}, cls.name, points=2)
    engine.walk_forward(bars, cls.name, windows=2, points=2)
    engine.walk_forward(bars, cls.name, windows=2, points=2, anchored=True, **job)
    engine.monte_carlo(result, simulations=10)
"""


def warm_up_command() -> str:
    """Return the Python code the image's build runs to warm numba's cache."""
    runs = " ".join(rest for keyword, rest in runtime_stage() if keyword == "RUN")
    (code,) = re.findall(r'python -c "([^"]*engine_warmup[^"]*)"', runs)
    return code


def cache_files(cache: Path) -> dict[str, tuple[int, int]]:
    """Return every file of a numba cache folder: its size and modification time."""
    return {
        str(path.relative_to(cache)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in cache.rglob("*")
        if path.is_file()
    }


@pytest.mark.slow
@pytest.mark.timeout(1800)  # compiles every kernel from nothing: minutes on a loaded machine
def test_given_the_images_warm_up_in_an_empty_cache_when_a_task_runs_every_builtin_then_nothing_compiles(
    tmp_path: Path,
) -> None:
    # Given: the build's warm-up, run as the Dockerfile runs it, into an empty cache
    env = os.environ | {"NUMBA_CACHE_DIR": str(tmp_path), "TRADAI_RUNTIME": "local"}
    subprocess.run([sys.executable, "-c", warm_up_command()], env=env, check=True, timeout=1500)
    warmed = cache_files(tmp_path)

    # When: a task's process runs every built-in through every path
    subprocess.run([sys.executable, "-c", _TASK], env=env, check=True, timeout=600)

    # Then: it found every signature in the cache (a new one adds a .nbc file and rewrites an index)
    assert sum(name.endswith(".nbi") for name in warmed) > 20
    after = cache_files(tmp_path)
    assert sorted(set(after) - set(warmed)) == []
    assert sorted(name for name in warmed if after[name] != warmed[name]) == []
