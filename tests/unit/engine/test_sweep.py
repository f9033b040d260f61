"""Sweeps share indicators between parameter sets and give the numbers of single runs."""

from __future__ import annotations

import hashlib
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from tests.unit.engine.candles import bars_from_closes
from tradai.engine import (
    BarArrays,
    IntParameter,
    Signals,
    SimulationSettings,
    Strategy,
    backtest,
    kernel,
    metrics,
    sweep,
    sweep_kernel,
)
from tradai.engine import indicators as ta
from tradai.engine.memo import IndicatorMemo
from tradai.engine.metrics import CURVE_METRICS
from tradai.engine.run import build_market
from tradai.engine.sweep_fused import fused_sweep
from tradai.strategies import SmaCross

RNG = np.random.default_rng(7)
BARS = bars_from_closes(100 * np.exp(np.cumsum(RNG.normal(0.0001, 0.012, 3000))), spread=0.004)
SETTINGS: dict[str, Any] = {"fees_bps": 7.5, "slippage": 0.0005}

# every built-in, with values repeating across sets so indicators are shared, both directions
# where a strategy can short, and the risk exits of its class (PascalStrategy) or of the settings:
# fixed levels (stop loss, liquidation), trailing stops and ROI tables, fills at the close, partial sizes
BUILTIN_GRIDS: list[tuple[str, dict[str, list[Any]], dict[str, Any]]] = [
    ("sma_cross", {"fast": [5, 12], "slow": [20, 50], "allow_short": [False, True]}, {}),
    ("sma_cross", {"fast": [8], "slow": [30, 60]}, {"stoploss": 0.03, "take_profit": 0.05, "leverage": 2.0}),
    ("sma_cross", {"fast": [5], "slow": [20, 50], "allow_short": [True]}, {"leverage": 25.0}),
    (
        "sma_cross",
        {"fast": [5, 12], "slow": [30], "allow_short": [True]},
        {"fill": "close", "position_size": 0.5},
    ),
    ("rsi_reversion", {"period": [7, 14], "oversold": [25.0, 35.0], "allow_short": [False, True]}, {}),
    ("rsi_reversion", {"period": [7], "overbought": [65.0, 75.0], "allow_short": [True]}, {"stoploss": 0.02}),
    ("bollinger_breakout", {"period": [10, 30], "width": [1.5, 2.5], "allow_short": [False, True]}, {}),
    (
        "bollinger_breakout",
        {"period": [20], "width": [1.0, 2.0], "allow_short": [True]},
        {"minimal_roi": {0: 0.03, 600: 0.01}, "trailing_stop": 0.02},
    ),
    ("PascalStrategy", {"ema_fast": [10, 21], "ema_slow": [55], "rsi_period": [9, 14]}, {}),
    ("PascalStrategy", {"atr_period": [7, 14], "min_atr_pct": [0.0, 0.004]}, {"trailing_stop": 0.02}),
]


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, float) and math.isnan(theirs):
        return isinstance(ours, float) and math.isnan(ours)
    return bool(ours == pytest.approx(theirs, rel=1e-9, abs=1e-12))


@pytest.mark.parametrize(("metric", "full_metrics"), [("sharpe", None), ("total_return", 1)])
@pytest.mark.parametrize(("strategy", "space", "settings"), BUILTIN_GRIDS)
def test_given_a_builtin_grid_when_swept_then_every_row_equals_its_single_run(
    strategy: str,
    space: dict[str, list[Any]],
    settings: dict[str, Any],
    metric: str,
    full_metrics: int | None,
) -> None:
    # Given: a built-in on one symbol, which the fused kernel sweeps
    options = {**SETTINGS, **settings}

    # When: every set measured in full, or (ranked by total return) only the best one
    table = sweep(BARS, strategy, space, metric=metric, full_metrics=full_metrics, **options).table

    # Then: every scalar metric of every row is what backtest() gives for that row's parameters
    # (except the curve metrics of the rows not measured in full, which stay NaN)
    assert len(table) == math.prod(len(values) for values in space.values())
    assert table["trades_count"].sum() > 0
    for position, row in enumerate(table.to_dict("records")):
        params = {name: row[name] for name in space}
        single = backtest(BARS, strategy, params, **options).metrics
        measured = {k: v for k, v in single.items() if k in row}
        if full_metrics is not None and position >= full_metrics:
            assert all(math.isnan(row[k]) for k in CURVE_METRICS)
            measured = {k: v for k, v in measured.items() if k not in CURVE_METRICS}
        mismatched = {k: (row[k], v) for k, v in measured.items() if not _same(row[k], v)}
        assert not mismatched, f"{strategy} {params}: {mismatched}"


class PlainCross(SmaCross):
    """sma_cross under another class: sweeps run it through its signals and the general kernel."""

    name = "plain_cross"


class NoEntryCross(SmaCross):
    """sma_cross with its signals replaced: a sweep must run these, not the built-in's."""

    name = "no_entry_cross"

    def signals(self, bars: BarArrays) -> Signals:
        flat = np.zeros(len(bars), dtype=np.bool_)
        return Signals(enter_long=flat, exit_long=flat)


@pytest.mark.parametrize(
    ("metric", "full_metrics"),
    [("sharpe", None), ("var_95", None), ("max_drawdown_duration_bars", None), ("win_rate", 2), ("cagr", 3)],
)
def test_given_a_ranking_metric_when_the_builtin_is_swept_then_its_table_is_the_general_paths(
    metric: str, full_metrics: int | None
) -> None:
    # Given: the same strategy as a built-in (fused kernel) and as another class (general path)
    space = {"fast": [4, 6, 9, 12], "slow": [20, 35, 50], "allow_short": [False, True]}

    # When
    fused = sweep(BARS, "sma_cross", space, metric=metric, full_metrics=full_metrics, **SETTINGS).table
    general = sweep(BARS, PlainCross, space, metric=metric, full_metrics=full_metrics, **SETTINGS).table

    # Then: the same ranking, every metric equal (NaN where the general path leaves NaN)
    pd.testing.assert_frame_equal(fused, general, check_exact=False, rtol=1e-9, atol=1e-12)


def test_given_a_builtin_subclass_or_several_symbols_when_planned_then_the_fused_kernel_is_not_used() -> None:
    # Given
    instances = [SmaCross({"fast": 5, "slow": 20})]
    one = build_market(BARS)
    two = build_market({"A": BARS, "B": BARS.iloc[500:]})

    # When / Then: only an exact built-in on one symbol is laid out for the fused kernel
    with ThreadPoolExecutor(1) as pool:
        assert fused_sweep(SmaCross, instances, one, SimulationSettings(), pool) is not None
        assert fused_sweep(PlainCross, [PlainCross({})], one, SimulationSettings(), pool) is None
        assert fused_sweep(SmaCross, instances, two, SimulationSettings(), pool) is None


def test_given_a_subclass_overriding_signals_when_swept_then_its_own_signals_are_run() -> None:
    # When
    table = sweep(BARS, NoEntryCross, {"fast": [5, 9], "slow": [20, 40]}, metric="total_return").table

    # Then
    assert (table["trades_count"] == 0).all()
    assert (table["final_value"] == 10_000.0).all()


def test_given_two_symbols_when_swept_then_rows_equal_single_runs() -> None:
    # Given: symbols sharing the capital, which the general kernel runs
    universe = {"A": BARS, "B": BARS.iloc[700:] * 1.5}
    space = {"fast": [5, 9], "slow": [30], "allow_short": [True]}

    # When
    table = sweep(universe, "sma_cross", space, metric="sharpe", **SETTINGS).table

    # Then
    for row in table.to_dict("records"):
        params = {name: row[name] for name in space}
        single = backtest(universe, "sma_cross", params, **SETTINGS).metrics
        assert not {k: (row[k], v) for k, v in single.items() if k in row and not _same(row[k], v)}


def test_given_the_sweep_kernel_when_loaded_then_its_cache_entries_are_keyed_by_its_dependencies() -> None:
    # Given: the modules whose jitted functions the kernel inlines or calls
    digest = hashlib.sha256()
    for module in (kernel, metrics, ta):
        digest.update(Path(str(module.__file__)).read_bytes())

    # When: numba keys a cached function's entries on its closure's values
    closures = {rule: kernel.py_func.__closure__ for rule, kernel in sweep_kernel.KERNELS.items()}

    # Then: an edit to any of them keys the kernels anew, so a stale compiled copy is never loaded
    stamp = int(digest.hexdigest()[:15], 16)
    for rule, closure in closures.items():
        assert closure is not None
        assert sorted(cell.cell_contents for cell in closure) == sorted([rule, stamp])


class CountedCross(Strategy):
    """An SMA cross whose averages go through `BarArrays.indicator`, counting the computations."""

    name = "counted_cross"
    fast = IntParameter(2, 50, 5)
    slow = IntParameter(10, 200, 20)
    computed: ClassVar[list[int]] = []

    @staticmethod
    def average(values: np.ndarray, window: int) -> np.ndarray:
        CountedCross.computed.append(window)
        return ta.sma(values, window)

    def signals(self, bars: BarArrays) -> Signals:
        fast = bars.indicator(self.average, "close", self.params["fast"])
        slow = bars.indicator(self.average, "close", self.params["slow"])
        up, down = ta.crosses(fast, slow)
        return Signals(enter_long=up, exit_long=down)


def test_given_bar_indicators_when_swept_then_each_distinct_window_is_computed_once() -> None:
    # Given: 4 fast x 5 slow windows, 20 parameter sets, 9 distinct averages
    CountedCross.computed.clear()
    space = {"fast": [3, 5, 8, 13], "slow": [21, 34, 55, 89, 144]}

    # When
    result = sweep(BARS, CountedCross, space, metric="total_return", workers=1)

    # Then
    assert len(result.table) == 20
    assert sorted(CountedCross.computed) == [3, 5, 8, 13, 21, 34, 55, 89, 144]
    single = backtest(BARS, CountedCross, result.best_params)
    assert single.metrics["total_return"] == pytest.approx(result.table.loc[0, "total_return"], rel=1e-12)


def test_given_a_small_budget_when_memo_fills_then_the_least_recently_used_value_is_dropped() -> None:
    # Given: room for two 800-byte arrays
    memo = IndicatorMemo(budget_bytes=1600)
    computed: list[str] = []

    def make(key: str) -> np.ndarray:
        computed.append(key)
        return np.zeros(100)

    # When
    for key in ("a", "b", "a", "c", "a", "b"):
        memo.get(key, lambda key=key: make(key))

    # Then: "b" was least recently used when "c" came, so it is computed again at the end
    assert computed == ["a", "b", "c", "b"]
    assert (memo.hits, memo.misses) == (2, 4)


def test_given_frame_form_strategy_when_swept_then_rows_equal_single_runs(tmp_path: Any) -> None:
    # Given: sma_cross's DataFrame form, the path user strategies take
    class FrameCross(Strategy):
        name = "frame_cross"
        fast = IntParameter(2, 50, 5)
        slow = IntParameter(10, 200, 20)

        def populate_indicators(self, frame: pd.DataFrame) -> pd.DataFrame:
            frame["f"] = frame["close"].rolling(self.params["fast"]).mean()
            frame["s"] = frame["close"].rolling(self.params["slow"]).mean()
            return frame

        def populate_entry_trend(self, frame: pd.DataFrame) -> pd.DataFrame:
            frame["enter_long"] = (frame["f"] > frame["s"]) & (frame["f"].shift() <= frame["s"].shift())
            return frame

        def populate_exit_trend(self, frame: pd.DataFrame) -> pd.DataFrame:
            frame["exit_long"] = (frame["f"] < frame["s"]) & (frame["f"].shift() >= frame["s"].shift())
            return frame

    # When
    table = sweep(BARS, FrameCross, {"fast": [5, 9], "slow": [30, 40]}, metric="sharpe").table

    # Then
    for row in table.to_dict("records"):
        single = backtest(BARS, FrameCross, {"fast": row["fast"], "slow": row["slow"]}).metrics
        assert row["final_value"] == pytest.approx(single["final_value"], rel=1e-12)
        assert row["trades_count"] == single["trades_count"]


def test_given_full_metrics_when_ranked_by_total_return_then_only_the_best_get_curve_metrics() -> None:
    # Given
    space = {"fast": [4, 6, 9, 12], "slow": [20, 35, 50]}
    everything = sweep(BARS, "sma_cross", space, metric="total_return", **SETTINGS).table

    # When
    table = sweep(BARS, "sma_cross", space, metric="total_return", full_metrics=3, **SETTINGS).table

    # Then: the same ranking; the best 3 rows in full, the rest without the equity-curve metrics
    pd.testing.assert_frame_equal(
        table[["fast", "slow", "total_return"]], everything[["fast", "slow", "total_return"]]
    )
    # (a column with NaN rows is float: the drawdown duration in bars too)
    pd.testing.assert_frame_equal(table.head(3), everything.head(3), check_dtype=False)
    rest = table.iloc[3:]
    assert rest[sorted(CURVE_METRICS)].isna().all().all()
    light = [column for column in table.columns if column not in CURVE_METRICS]
    pd.testing.assert_frame_equal(rest[light], everything.iloc[3:][light])


def test_given_full_metrics_when_ranking_by_sharpe_then_every_row_is_complete() -> None:
    # When: sharpe needs the equity curve, so every set is measured in full anyway
    table = sweep(
        BARS, "sma_cross", {"fast": [5, 9], "slow": [30, 60]}, metric="sharpe", full_metrics=1
    ).table

    # Then
    assert not table[sorted(CURVE_METRICS)].isna().any().any()
