"""SMA crossover: long when the fast SMA crosses above the slow one, out when it crosses below."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from tradai.domain.errors import InvalidParameter
from tradai.engine import indicators as ta
from tradai.engine.parameters import BoolParameter, IntParameter
from tradai.engine.strategy import BarArrays, Signals, Strategy


class SmaCross(Strategy):
    """Trend following on two simple moving averages; shorts the opposite cross when `allow_short`."""

    name = "sma_cross"
    version = "1.0.0"
    timeframe = "1h"
    pairs = ("BTC/USDT",)
    can_short = True

    fast = IntParameter(2, 200, 10)
    slow = IntParameter(3, 500, 30)
    allow_short = BoolParameter(False)

    def validate_params(self, params: Mapping[str, Any]) -> None:
        """Refuse a fast average that is not faster than the slow one."""
        if params["fast"] >= params["slow"]:
            raise InvalidParameter(
                f"fast ({params['fast']}) must be below slow ({params['slow']})", parameter="fast"
            )

    def warmup(self) -> int:
        """Return the slow average's length."""
        return int(self.params["slow"])

    def signals(self, bars: BarArrays) -> Signals:
        """Return crossover signals from numba SMAs."""
        fast, slow = self.params["fast"], self.params["slow"]
        if bars.memo is None:  # one run: both averages and their crossings in one pass
            up, down = ta.sma_crosses(bars.close, fast, slow)
        else:  # a sweep: each window's average is computed once and shared by the sets using it
            averages = bars.indicator(ta.sma, "close", fast), bars.indicator(ta.sma, "close", slow)
            up, down = ta.crosses(*averages)
        short = bool(self.params["allow_short"])
        return Signals(
            enter_long=up,
            exit_long=down,
            enter_short=down if short else None,
            exit_short=up if short else None,
        )

    def populate_indicators(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Add the two averages."""
        close = frame["close"].to_numpy()
        frame["sma_fast"] = ta.sma(close, self.params["fast"])
        frame["sma_slow"] = ta.sma(close, self.params["slow"])
        return frame

    def populate_entry_trend(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Enter long on the cross up (and short on the cross down when allowed)."""
        fast, slow = frame["sma_fast"], frame["sma_slow"]
        frame["enter_long"] = (fast > slow) & (fast.shift(1) <= slow.shift(1))
        if self.params["allow_short"]:
            frame["enter_short"] = (fast < slow) & (fast.shift(1) >= slow.shift(1))
        return frame

    def populate_exit_trend(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Exit long on the cross down (and short on the cross up)."""
        fast, slow = frame["sma_fast"], frame["sma_slow"]
        frame["exit_long"] = (fast < slow) & (fast.shift(1) >= slow.shift(1))
        if self.params["allow_short"]:
            frame["exit_short"] = (fast > slow) & (fast.shift(1) <= slow.shift(1))
        return frame
