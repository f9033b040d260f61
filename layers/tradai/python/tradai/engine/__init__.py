"""The TradAI backtest engine: strategies, a numba simulator, metrics, sweeps, walk-forward, Monte Carlo.

Depends only on numpy, pandas and numba. Public API: `backtest`, `sweep`, `walk_forward`, `monte_carlo`.
"""

from __future__ import annotations

from tradai.domain.errors import (
    InvalidBars,
    InvalidParameter,
    InvalidSettings,
    StrategyError,
    StrategyNotFound,
)
from tradai.engine.api import backtest
from tradai.engine.config import SimulationSettings
from tradai.engine.monte_carlo import MonteCarloResult, monte_carlo
from tradai.engine.parameters import BoolParameter, CategoricalParameter, DecimalParameter, IntParameter
from tradai.engine.result import ENGINE_VERSION, BacktestResult
from tradai.engine.strategy import BarArrays, Signals, Strategy
from tradai.engine.sweep import SweepResult, sweep
from tradai.engine.walk_forward import WalkForwardResult, walk_forward

__all__ = [
    "ENGINE_VERSION",
    "BacktestResult",
    "BarArrays",
    "BoolParameter",
    "CategoricalParameter",
    "DecimalParameter",
    "IntParameter",
    "InvalidBars",
    "InvalidParameter",
    "InvalidSettings",
    "MonteCarloResult",
    "Signals",
    "SimulationSettings",
    "Strategy",
    "StrategyError",
    "StrategyNotFound",
    "SweepResult",
    "WalkForwardResult",
    "backtest",
    "monte_carlo",
    "sweep",
    "walk_forward",
]
