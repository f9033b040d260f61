"""From bars to trade decisions: the engine strategy's signals on a growing window of bars.

On each new bar the strategy's signal computation (array form when it has one) runs on the
window, and only the newest bar's signals count: an entry when flat, the matching exit when in a
position. A decision becomes an order; the position changes only by what the order filled.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import numpy as np

from tradai.domain.orders import affordable_notional
from tradai.engine.strategy import BarArrays, Signals, Strategy, compute_signals
from tradai.services.replay_feed import Candle

if TYPE_CHECKING:
    import pandas as pd

Side = Literal["BUY", "SELL"]


@dataclass(frozen=True)
class TradeDecision:
    """What the strategy wants to do now, sized by the instance's capital."""

    symbol: str
    side: Side
    quantity: float
    price: float
    """The close the signal was computed on (the order's reference price)."""
    signal: Literal["enter_long", "exit_long", "enter_short", "exit_short"]
    time: datetime
    tag: str | None = None
    confidence: float | None = None
    """0-1 (the engine's 0-100 scaled)."""


class SignalTrader:
    """Keeps each symbol's window of bars and position, and decides on every new bar."""

    def __init__(
        self,
        strategy: Strategy,
        *,
        symbols: list[str],
        capital: float,
        window_bars: int,
        cost_buffer: float = 0.0,
    ) -> None:
        """Prepare empty windows.

        Args:
            strategy: the engine strategy, parameters resolved.
            symbols: the markets traded; the capital is split evenly between them.
            capital: what the instance trades with; an entry's notional is the largest whose
                reservation (notional plus the broker's slippage and fee buffer) fits in
                `capital / len(symbols)`, so its budget covers it exactly.
            window_bars: bars kept per symbol (raised to 3x the strategy's warm-up if smaller).
            cost_buffer: the broker's `cost_buffer`.
        """
        self._strategy = strategy
        self._stake = affordable_notional(capital / len(symbols), cost_buffer)
        size = max(window_bars, 3 * strategy.warmup() + 2)
        self._windows: dict[str, deque[Candle]] = {symbol: deque(maxlen=size) for symbol in symbols}
        self.positions: dict[str, float] = dict.fromkeys(symbols, 0.0)
        """Signed quantity held per symbol: positive long, negative short."""

    def seed(self, symbol: str, frame: pd.DataFrame) -> None:
        """Fill a symbol's window with the bars before the first live one (the warm-up)."""
        for moment, row in frame.iterrows():
            self._windows[symbol].append(
                Candle(
                    symbol,
                    moment.to_pydatetime(),  # type: ignore[attr-defined]
                    float(row["open"]),
                    float(row["high"]),
                    float(row["low"]),
                    float(row["close"]),
                    float(row["volume"]),
                )
            )

    def on_candle(self, candle: Candle) -> TradeDecision | None:
        """Add a closed bar and return what its signals ask for, if anything."""
        window = self._windows[candle.symbol]
        window.append(candle)
        if len(window) <= self._strategy.warmup():
            return None
        signals = compute_signals(self._strategy, _arrays(window))
        return self._decide(candle, signals)

    def filled(self, decision: TradeDecision, quantity: float) -> None:
        """Move the position by what an order of `decision` filled."""
        signed = quantity if decision.side == "BUY" else -quantity
        held = self.positions[decision.symbol] + signed
        self.positions[decision.symbol] = 0.0 if abs(held) < 1e-12 else held

    def _decide(self, candle: Candle, signals: Signals) -> TradeDecision | None:
        held = self.positions[candle.symbol]

        def flag(values: np.ndarray | None) -> bool:
            return bool(values is not None and values[-1])

        def decision(side: Side, quantity: float, signal: str, tags: np.ndarray | None) -> TradeDecision:
            confidence = signals.confidence[-1] if signals.confidence is not None else float("nan")
            tag = tags[-1] if tags is not None else None
            return TradeDecision(
                symbol=candle.symbol,
                side=side,
                quantity=quantity,
                price=candle.close,
                signal=signal,  # type: ignore[arg-type]
                time=candle.time,
                tag=str(tag)[:64] if tag else None,
                confidence=None if np.isnan(confidence) else float(confidence) / 100,
            )

        if held > 0 and flag(signals.exit_long):
            return decision("SELL", held, "exit_long", signals.exit_tag)
        if held < 0 and flag(signals.exit_short):
            return decision("BUY", -held, "exit_short", signals.exit_tag)
        if held == 0 and candle.close > 0:
            quantity = self._stake / candle.close
            if flag(signals.enter_long):
                return decision("BUY", quantity, "enter_long", signals.enter_tag)
            if flag(signals.enter_short):
                return decision("SELL", quantity, "enter_short", signals.enter_tag)
        return None


def _arrays(window: deque[Candle]) -> BarArrays:
    times = np.array([int(candle.time.timestamp() * 1e9) for candle in window], dtype=np.int64)

    def column(name: str) -> np.ndarray:
        return np.array([getattr(candle, name) for candle in window], dtype=np.float64)

    return BarArrays(times, column("open"), column("high"), column("low"), column("close"), column("volume"))
