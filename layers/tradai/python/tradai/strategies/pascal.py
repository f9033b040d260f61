"""PascalStrategy 2.0.0: trend pullbacks with momentum confirmation on BTC perpetuals, hourly."""

from __future__ import annotations

import numpy as np

from tradai.engine import indicators as ta
from tradai.engine.parameters import DecimalParameter, IntParameter
from tradai.engine.strategy import BarArrays, Signals, Strategy


class PascalStrategy(Strategy):
    """Trade with the trend after a pullback, confirmed by momentum; ATR filters dead markets.

    Trend: fast EMA above (below) slow EMA. Entry: the close crosses back above (below) the fast
    EMA while RSI is on the trend's side of 50 and ATR is at least `min_atr_pct` of the price.
    Exit: the close crosses the slow EMA, or RSI reaches an extreme. Protected by a 5% stop loss
    and a 3% trailing stop.
    """

    name = "PascalStrategy"
    version = "2.0.0"
    timeframe = "1h"
    pairs = ("BTC/USDT:USDT",)
    can_short = True
    stoploss = 0.05
    trailing_stop = 0.03

    ema_fast = IntParameter(5, 100, 21)
    ema_slow = IntParameter(20, 400, 55)
    rsi_period = IntParameter(5, 50, 14)
    rsi_exit = DecimalParameter(60.0, 95.0, 80.0, decimals=1)
    atr_period = IntParameter(5, 100, 14)
    min_atr_pct = DecimalParameter(0.0, 0.05, 0.002, decimals=4)

    def warmup(self) -> int:
        """Return the longest indicator window."""
        return int(max(self.params["ema_slow"], self.params["rsi_period"] + 1, self.params["atr_period"]))

    def signals(self, bars: BarArrays) -> Signals:
        """Return trend-pullback entries and trend-break or exhaustion exits, both directions."""
        p = self.params
        close = bars.close
        fast = bars.indicator(ta.ema, "close", p["ema_fast"])
        slow = bars.indicator(ta.ema, "close", p["ema_slow"])
        momentum = bars.indicator(ta.rsi, "close", p["rsi_period"])
        lively = bars.indicator(ta.atr, "high", "low", "close", p["atr_period"]) >= p["min_atr_pct"] * close
        up, down = fast > slow, fast < slow
        long_entry = up & lively & ta.crossed_above(close, fast) & (momentum > 50.0)
        short_entry = down & lively & ta.crossed_below(close, fast) & (momentum < 50.0)
        exhausted_up = momentum >= p["rsi_exit"]
        exhausted_down = momentum <= 100.0 - p["rsi_exit"]
        strength = np.clip(np.abs(np.nan_to_num(momentum, nan=50.0) - 50.0) * 2.0, 0.0, 100.0)
        enter_tag = np.where(
            long_entry, "trend_pullback_long", np.where(short_entry, "trend_pullback_short", "")
        )
        exit_tag = np.where(exhausted_up | exhausted_down, "momentum_exhausted", "trend_break")
        return Signals(
            enter_long=long_entry,
            exit_long=ta.crossed_below(close, slow) | exhausted_up,
            enter_short=short_entry,
            exit_short=ta.crossed_above(close, slow) | exhausted_down,
            confidence=strength,
            enter_tag=enter_tag.astype(object),
            exit_tag=exit_tag.astype(object),
        )
