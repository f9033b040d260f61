"""Sweeps share indicators between parameter sets and give the numbers of single runs."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from tests.unit.engine.candles import bars_from_closes
from tradai.engine import BarArrays, IntParameter, Signals, Strategy, backtest, sweep
from tradai.engine import indicators as ta
from tradai.engine.memo import IndicatorMemo
from tradai.engine.metrics import CURVE_METRICS

RNG = np.random.default_rng(7)
BARS = bars_from_closes(100 * np.exp(np.cumsum(RNG.normal(0.0001, 0.012, 3000))), spread=0.004)
SETTINGS: dict[str, Any] = {"fees_bps": 7.5, "slippage": 0.0005}

# every built-in, with values repeating across sets so indicators are shared, both directions
# where a strategy can short, and the risk exits of its class (PascalStrategy) or of the settings
BUILTIN_GRIDS: list[tuple[str, dict[str, list[Any]], dict[str, Any]]] = [
    ("sma_cross", {"fast": [5, 12], "slow": [20, 50], "allow_short": [False, True]}, {}),
    ("sma_cross", {"fast": [8], "slow": [30, 60]}, {"stoploss": 0.03, "take_profit": 0.05, "leverage": 2.0}),
    ("rsi_reversion", {"period": [7, 14], "oversold": [25.0, 35.0], "allow_short": [False, True]}, {}),
    ("bollinger_breakout", {"period": [10, 30], "width": [1.5, 2.5], "allow_short": [False, True]}, {}),
    ("PascalStrategy", {"ema_fast": [10, 21], "ema_slow": [55], "rsi_period": [9, 14]}, {}),
    ("PascalStrategy", {"atr_period": [7, 14], "min_atr_pct": [0.0, 0.004]}, {"trailing_stop": 0.02}),
]


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, float) and math.isnan(theirs):
        return isinstance(ours, float) and math.isnan(ours)
    return bool(ours == pytest.approx(theirs, rel=1e-9, abs=1e-12))


@pytest.mark.parametrize(("strategy", "space", "settings"), BUILTIN_GRIDS)
def test_given_a_builtin_grid_when_swept_then_every_row_equals_its_single_run(
    strategy: str, space: dict[str, list[Any]], settings: dict[str, Any]
) -> None:
    # Given
    options = {**SETTINGS, **settings}

    # When
    table = sweep(BARS, strategy, space, metric="sharpe", **options).table

    # Then: every scalar metric of every row is what backtest() gives for that row's parameters
    assert len(table) == math.prod(len(values) for values in space.values())
    assert table["trades_count"].sum() > 0
    for row in table.to_dict("records"):
        params = {name: row[name] for name in space}
        single = backtest(BARS, strategy, params, **options).metrics
        mismatched = {k: (row[k], v) for k, v in single.items() if k in row and not _same(row[k], v)}
        assert not mismatched, f"{strategy} {params}: {mismatched}"


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
