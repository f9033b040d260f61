"""Sweeps of a built-in strategy on one symbol through the fused kernel (engine/sweep_kernel.py).

Each distinct indicator is computed once into a shared matrix; every parameter set becomes a row
of indices into it and values, and the kernel runs the sets on a pool of threads (it releases the
GIL), a few sets per call so fast and slow sets balance across threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradai.engine import indicators as ta
from tradai.engine import sweep_kernel as fk
from tradai.engine.bars import bar_seconds
from tradai.engine.config import SimulationSettings
from tradai.engine.metrics import metrics_from_stats
from tradai.engine.run import Market, risk_arrays
from tradai.engine.strategy import Strategy

FloatArray = npt.NDArray[np.float64]
Indicator = tuple[Any, ...]  # (function, *arguments), as `BarArrays.indicator` takes them
Rule = Callable[[dict[str, Any]], tuple[list[Indicator], list[float], bool]]
SETS_PER_CALL = 4  # small enough to balance threads, large enough that a call's overhead is noise


def _sma_cross(p: dict[str, Any]) -> tuple[list[Indicator], list[float], bool]:
    return [(ta.sma, "close", p["fast"]), (ta.sma, "close", p["slow"])], [], bool(p["allow_short"])


def _rsi_reversion(p: dict[str, Any]) -> tuple[list[Indicator], list[float], bool]:
    thresholds = [float(p["oversold"]), float(p["overbought"])]
    return [(ta.rsi, "close", p["period"])], thresholds, bool(p["allow_short"])


def _bollinger_breakout(p: dict[str, Any]) -> tuple[list[Indicator], list[float], bool]:
    bands = [(ta.sma, "close", p["period"]), (ta.rolling_std, "close", p["period"])]
    return bands, [float(p["width"])], bool(p["allow_short"])


def _pascal(p: dict[str, Any]) -> tuple[list[Indicator], list[float], bool]:
    series = [
        (ta.ema, "close", p["ema_fast"]),
        (ta.ema, "close", p["ema_slow"]),
        (ta.rsi, "close", p["rsi_period"]),
        (ta.atr, "high", "low", "close", p["atr_period"]),
    ]
    return series, [float(p["rsi_exit"]), float(p["min_atr_pct"])], True


def _rules() -> dict[type[Strategy], tuple[int, Rule]]:
    """Return the fused rule of each built-in class (exactly that class: a subclass may change it)."""
    from tradai.strategies import BollingerBreakout, PascalStrategy, RsiReversion, SmaCross

    return {
        SmaCross: (fk.SMA_CROSS, _sma_cross),
        RsiReversion: (fk.RSI_REVERSION, _rsi_reversion),
        BollingerBreakout: (fk.BOLLINGER_BREAKOUT, _bollinger_breakout),
        PascalStrategy: (fk.PASCAL, _pascal),
    }


@dataclass(frozen=True)
class FusedSweep:
    """Parameter sets laid out for the fused kernel, and how to run them."""

    rule: int
    series: FloatArray  # (distinct indicators, bars), the closes first
    cols: npt.NDArray[np.int64]  # (sets, SLOTS): rows of `series` each set reads
    vals: FloatArray  # (sets, SLOTS): each set's numeric thresholds
    shorts: npt.NDArray[np.bool_]  # (sets,)
    market: Market
    cls: type[Strategy]
    settings: SimulationSettings

    def run(
        self, sets: Sequence[int], *, curve: bool, pool: Executor, done: Callable[[int], None]
    ) -> FloatArray:
        """Run the sets (indices into the rows) and return their kernel output rows, in that order.

        `done(count)` is called as each call of a few sets finishes.
        """
        market, config = self.market, self.settings
        seconds = bar_seconds(config.timeframe or self.cls.timeframe, market.time)
        stoploss, trailing, roi_bars, roi_values = risk_arrays(self.cls, config, seconds)
        open_, high, low, _ = (prices[0] for prices in market.prices)
        todo = np.asarray(sets, dtype=np.int64)
        out = np.full((len(self.shorts), fk.OUTPUT_FIELDS), np.nan)
        arguments = (
            open_, high, low, market.benchmark_prices, config.capital, config.fees, config.slippage,
            config.leverage, config.position_size, config.fill == "close", stoploss, trailing,
            roi_bars, roi_values, curve, out,
        )  # fmt: skip

        def call(chunk: npt.NDArray[np.int64]) -> int:
            fk.KERNELS[self.rule](self.series, self.cols, self.vals, self.shorts, chunk, *arguments)
            return len(chunk)

        chunks = [todo[k : k + SETS_PER_CALL] for k in range(0, len(todo), SETS_PER_CALL)]
        for count in pool.map(call, chunks):
            done(count)
        return out[todo]

    def metrics(self, row: FloatArray) -> dict[str, Any]:
        """Return the scalar metrics of one kernel output row (as `compute_metrics` gives them)."""
        return metrics_from_stats(
            row[fk.O_CURVE_STATS : fk.OUTPUT_FIELDS],
            row[fk.O_TRADE_STATS : fk.O_CURVE_STATS],
            final=float(row[fk.O_FINAL]),
            bars=len(self.market),
            trades_count=int(row[fk.O_TRADES]),
            in_market=int(row[fk.O_IN_MARKET]),
            capital=self.settings.capital,
            bar_seconds=bar_seconds(self.settings.timeframe or self.cls.timeframe, self.market.time),
        )


def fused_sweep(
    cls: type[Strategy],
    instances: Sequence[Strategy],
    market: Market,
    settings: SimulationSettings,
    pool: Executor,
) -> FusedSweep | None:
    """Return the sets laid out for the fused kernel, or None when it does not apply: a strategy
    that is not exactly a built-in, or several symbols (they share capital bar by bar)."""
    rule = _rules().get(cls)
    if rule is None or len(market.symbols) != 1:
        return None
    code, layout = rule
    bars = market.arrays[market.symbols[0]]
    rows: dict[Indicator, int] = {("close",): fk.CLOSE}
    cols = np.zeros((len(instances), fk.SLOTS), dtype=np.int64)
    vals = np.zeros((len(instances), fk.SLOTS))
    shorts = np.zeros(len(instances), dtype=np.bool_)
    for k, instance in enumerate(instances):
        series, values, short = layout(instance.params)
        cols[k, : len(series)] = [rows.setdefault(key, len(rows)) for key in series]
        vals[k, : len(values)] = values
        shorts[k] = short
    matrix = np.empty((len(rows), len(bars)))

    def compute(item: tuple[Indicator, int]) -> None:
        (function, *args), row = item
        if isinstance(function, str):  # a bar column
            matrix[row] = getattr(bars, function)
        else:
            matrix[row] = function(*(getattr(bars, a) if isinstance(a, str) else a for a in args))

    list(pool.map(compute, rows.items()))
    return FusedSweep(code, matrix, cols, vals, shorts, market, cls, settings)
