"""RSI mean reversion: buy when RSI leaves oversold, sell when it reaches overbought."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tradai.domain.errors import InvalidParameter
from tradai.engine import indicators as ta
from tradai.engine.parameters import BoolParameter, DecimalParameter, IntParameter
from tradai.engine.strategy import BarArrays, Signals, Strategy


class RsiReversion(Strategy):
    """Fade extremes of Wilder's RSI; mirror image short when `allow_short`."""

    name = "rsi_reversion"
    version = "1.0.0"
    timeframe = "1h"
    pairs = ("BTC/USDT",)
    can_short = True

    period = IntParameter(2, 100, 14)
    oversold = DecimalParameter(1.0, 50.0, 30.0, decimals=1)
    overbought = DecimalParameter(50.0, 99.0, 70.0, decimals=1)
    allow_short = BoolParameter(False)

    def validate_params(self, params: Mapping[str, Any]) -> None:
        """Refuse an oversold level at or above the overbought one."""
        if params["oversold"] >= params["overbought"]:
            raise InvalidParameter("oversold must be below overbought", parameter="oversold")

    def warmup(self) -> int:
        """Return the RSI period plus one change."""
        return int(self.params["period"]) + 1

    def signals(self, bars: BarArrays) -> Signals:
        """Enter as RSI crosses back over a band; exit at the opposite band."""
        value = bars.indicator(ta.rsi, "close", self.params["period"])
        low = np.full(len(bars), float(self.params["oversold"]))
        high = np.full(len(bars), float(self.params["overbought"]))
        short = bool(self.params["allow_short"])
        return Signals(
            enter_long=ta.crossed_above(value, low),
            exit_long=value >= high,
            enter_short=ta.crossed_below(value, high) if short else None,
            exit_short=value <= low if short else None,
            # how far RSI sits from the middle says how stretched the move was
            confidence=np.clip(np.abs(np.nan_to_num(value, nan=50.0) - 50.0) * 2.0, 0.0, 100.0),
        )
