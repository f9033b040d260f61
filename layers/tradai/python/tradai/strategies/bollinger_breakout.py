"""Bollinger breakout: buy a close above the upper band, exit when the close falls under the middle."""

from __future__ import annotations

from tradai.engine import indicators as ta
from tradai.engine.parameters import BoolParameter, DecimalParameter, IntParameter
from tradai.engine.strategy import BarArrays, Signals, Strategy


class BollingerBreakout(Strategy):
    """Volatility breakout on Bollinger bands; the mirror short when `allow_short`."""

    name = "bollinger_breakout"
    version = "1.0.0"
    timeframe = "1h"
    pairs = ("BTC/USDT",)
    can_short = True

    period = IntParameter(5, 200, 20)
    width = DecimalParameter(0.5, 4.0, 2.0, decimals=2)
    allow_short = BoolParameter(False)

    def warmup(self) -> int:
        """Return the band length."""
        return int(self.params["period"])

    def signals(self, bars: BarArrays) -> Signals:
        """Enter on a close crossing out of the bands; exit on crossing back over the middle."""
        period = self.params["period"]
        # ta.bollinger's bands, from a middle and deviation shared by every width a sweep tries
        middle = bars.indicator(ta.sma, "close", period)
        spread = bars.indicator(ta.rolling_std, "close", period) * self.params["width"]
        upper, lower = middle + spread, middle - spread
        short = bool(self.params["allow_short"])
        return Signals(
            enter_long=ta.crossed_above(bars.close, upper),
            exit_long=ta.crossed_below(bars.close, middle),
            enter_short=ta.crossed_below(bars.close, lower) if short else None,
            exit_short=ta.crossed_above(bars.close, middle) if short else None,
        )
