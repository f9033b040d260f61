"""Candle feeds of an instance: a replay of stored bars, or the exchange's closed candles.

A feed hands the instance the bars it warms up on, then the bars that closed since the last poll.
The replay serves one time step per poll (every symbol's bar at that time), so the loop's pacing
is the replay speed; `next_price` is the next bar's open, the price the paper broker fills at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from tradai.domain.clock import Clock, utc_now
from tradai.domain.errors import BarsNotFound
from tradai.domain.market import Timeframe
from tradai.ports import Exchange, MarketData

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Candle:
    """One closed bar of one symbol."""

    symbol: str
    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float


class CandleFeed(Protocol):
    """Where an instance's bars come from (stored bars replayed, or the exchange's candles)."""

    pause_seconds: float
    """How long the loop waits between polls."""

    def history(self, symbol: str) -> pd.DataFrame:
        """The bars before the first poll (the strategy's warm-up), oldest first."""

    def poll(self) -> list[Candle]:
        """The bars that closed since the last poll, oldest first (empty when none did)."""

    @property
    def finished(self) -> bool:
        """Whether no bar will come any more (a replay at its end)."""

    def next_price(self, symbol: str) -> float | None:
        """The price an order placed now would fill at, or None when unknown."""


class ReplayFeed:
    """Stored bars between two times, one time step per poll."""

    def __init__(
        self,
        *,
        market_data: MarketData,
        exchange: str,
        symbols: list[str],
        timeframe: str,
        start: datetime,
        end: datetime,
        warmup_bars: int,
        bars_per_second: float,
    ) -> None:
        """Read the bars in [start - warm-up, end] of every symbol.

        Raises:
            BarsNotFound: a symbol has no bar in the range.
        """

        self.pause_seconds = 1.0 / bars_per_second
        start, end = start.astimezone(UTC), end.astimezone(UTC)  # stored times carry pydantic's tz class
        first = start - Timeframe.parse(timeframe).delta * warmup_bars
        self._history: dict[str, pd.DataFrame] = {}
        replayed: dict[str, pd.DataFrame] = {}
        for symbol in symbols:
            frame = market_data.read_bars(
                exchange=exchange, symbol=symbol, timeframe=timeframe, start=first, end=end
            )
            if frame.empty:
                raise BarsNotFound(f"no {timeframe} bars of {symbol} on {exchange} to replay")
            self._history[symbol] = frame[frame.index < start]
            replayed[symbol] = frame[frame.index >= start]
        self._steps = sorted({moment for frame in replayed.values() for moment in frame.index})
        self._bars = replayed
        self._position = 0

    def history(self, symbol: str) -> pd.DataFrame:
        return self._history[symbol]

    def poll(self) -> list[Candle]:
        if self.finished:
            return []
        moment = self._steps[self._position]
        self._position += 1
        candles = []
        for symbol, frame in self._bars.items():
            if moment in frame.index:
                row = frame.loc[moment]
                candles.append(
                    Candle(
                        symbol,
                        moment.to_pydatetime(),
                        float(row["open"]),
                        float(row["high"]),
                        float(row["low"]),
                        float(row["close"]),
                        float(row["volume"]),
                    )
                )
        return candles

    @property
    def finished(self) -> bool:
        return self._position >= len(self._steps)

    def next_price(self, symbol: str) -> float | None:
        """The open of the symbol's next replayed bar (where a market order placed now fills)."""
        frame = self._bars.get(symbol)
        if frame is None or self.finished:
            return None
        later = frame[frame.index >= self._steps[self._position]]
        return float(later["open"].iloc[0]) if len(later) else None


class LiveFeed:
    """The exchange's closed candles, through the `Exchange` port (ccxt in production).

    The exchange is asked only once a new bar can have closed (one timeframe after the last one
    seen), so a poll in between costs nothing. The open candle never arrives: the port drops it.
    """

    def __init__(
        self,
        *,
        exchange: Exchange,
        exchange_name: str,
        symbols: list[str],
        timeframe: str,
        warmup_bars: int,
        clock: Clock = utc_now,
        poll_seconds: float = 10.0,
    ) -> None:
        self._exchange = exchange
        self._name = exchange_name
        self._symbols = symbols
        self._timeframe = Timeframe.parse(timeframe)
        self._warmup = warmup_bars
        self._clock = clock
        self.pause_seconds = min(poll_seconds, self._timeframe.seconds / 4)
        self._last: dict[str, datetime] = {}
        self._last_close: dict[str, float] = {}

    def history(self, symbol: str) -> pd.DataFrame:
        start = self._clock() - self._timeframe.delta * (self._warmup + 1)
        frame = self._fetch(symbol, start)
        if len(frame):
            self._remember(symbol, frame.index[-1].to_pydatetime(), float(frame["close"].iloc[-1]))
        return frame

    def poll(self) -> list[Candle]:
        now = self._clock()
        candles: list[Candle] = []
        for symbol in self._symbols:
            last = self._last.get(symbol)
            if last is not None and now < last + 2 * self._timeframe.delta:
                continue  # the bar after `last` is still open
            start = last + self._timeframe.delta if last is not None else now - self._timeframe.delta * 2
            for moment, row in self._fetch(symbol, start).iterrows():
                time = moment.to_pydatetime()  # type: ignore[attr-defined]
                candle = Candle(
                    symbol,
                    time,
                    float(row["open"]),
                    float(row["high"]),
                    float(row["low"]),
                    float(row["close"]),
                    float(row["volume"]),
                )
                candles.append(candle)
                self._remember(symbol, time, candle.close)
        return sorted(candles, key=lambda candle: candle.time)

    @property
    def finished(self) -> bool:
        return False

    def next_price(self, symbol: str) -> float | None:
        """The last close seen (a live broker prices orders itself)."""
        return self._last_close.get(symbol)

    def _fetch(self, symbol: str, start: datetime) -> pd.DataFrame:
        import pandas as pd

        pages = list(
            self._exchange.fetch_bars(
                exchange=self._name, symbol=symbol, timeframe=self._timeframe.name, start=start
            )
        )
        frames = [page for page in pages if len(page)]
        if not frames:
            return pd.DataFrame(columns=["open", "high", "low", "close", "volume"])
        return pd.concat(frames).sort_index()

    def _remember(self, symbol: str, time: datetime, close: float) -> None:
        self._last[symbol] = time
        self._last_close[symbol] = close
