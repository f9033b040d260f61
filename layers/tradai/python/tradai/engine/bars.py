"""Check OHLCV bars, fingerprint them and align several symbols on one time axis."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from tradai.engine.errors import InvalidBars

OHLCV = ("open", "high", "low", "close", "volume")
DEFAULT_SYMBOL = "SYMBOL"


def validate_bars(frame: object, symbol: str = DEFAULT_SYMBOL) -> pd.DataFrame:
    """Return `frame` with a UTC DatetimeIndex and float OHLCV columns, or raise.

    A naive index is taken as UTC. Column names are matched case-insensitively.

    Raises:
        InvalidBars: not a DataFrame, empty, missing columns, non-numeric or missing prices,
            or timestamps that are not strictly increasing.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidBars(f"{symbol}: bars must be a pandas DataFrame, got {type(frame).__name__}")
    if frame.empty:
        raise InvalidBars(f"{symbol}: no bars")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise InvalidBars(f"{symbol}: bars must be indexed by timestamps")
    lower = {str(column).lower(): column for column in frame.columns}
    missing = [name for name in OHLCV if name not in lower]
    if missing:
        raise InvalidBars(f"{symbol}: missing column(s) {', '.join(missing)}")
    try:
        data = frame[[lower[name] for name in OHLCV]].astype(np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidBars(f"{symbol}: OHLCV columns must be numeric ({error})") from None
    data.columns = list(OHLCV)
    index = frame.index.tz_localize("UTC") if frame.index.tz is None else frame.index.tz_convert("UTC")
    data.index = index.rename("timestamp")
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise InvalidBars(f"{symbol}: timestamps must be strictly increasing")
    prices = data[["open", "high", "low", "close"]].to_numpy()
    if not np.isfinite(prices).all():
        raise InvalidBars(f"{symbol}: prices must be finite numbers (found NaN or inf)")
    if (prices <= 0).any():
        raise InvalidBars(f"{symbol}: prices must be positive")
    return data


def normalize_universe(bars: pd.DataFrame | Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Return validated bars by symbol from one frame or a symbol -> frame mapping.

    Raises:
        InvalidBars: no symbols, or any symbol's bars are invalid.
    """
    universe = {DEFAULT_SYMBOL: bars} if isinstance(bars, pd.DataFrame) else dict(bars)
    if not universe:
        raise InvalidBars("no symbols given")
    return {symbol: validate_bars(frame, symbol) for symbol, frame in universe.items()}


def common_index(universe: Mapping[str, pd.DataFrame]) -> pd.DatetimeIndex:
    """Return the union of every symbol's timestamps."""
    frames = list(universe.values())
    index = pd.DatetimeIndex(frames[0].index)
    for frame in frames[1:]:
        index = index.union(pd.DatetimeIndex(frame.index))
    return index


def fingerprint(universe: Mapping[str, pd.DataFrame]) -> str:
    """Return a sha256 over symbols, timestamps and OHLCV values: equal bars, equal fingerprint."""
    digest = hashlib.sha256()
    for symbol in sorted(universe):
        frame = universe[symbol]
        digest.update(symbol.encode())
        digest.update(pd.DatetimeIndex(frame.index).asi8.tobytes())
        digest.update(np.ascontiguousarray(frame[list(OHLCV)].to_numpy(dtype=np.float64)).tobytes())
    return digest.hexdigest()


def bar_seconds(timeframe: str | None, index: pd.DatetimeIndex) -> float:
    """Return the bar length in seconds from a timeframe like "15m"/"1h"/"1d", else the median gap.

    Raises:
        InvalidBars: the timeframe is malformed, or it is absent and there are fewer than two bars.
    """
    if timeframe:
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
        amount, unit = timeframe[:-1], timeframe[-1]
        if unit not in units or not amount.isdigit() or int(amount) <= 0:
            raise InvalidBars(f"timeframe {timeframe!r} is not like 15m, 1h, 4h or 1d")
        return float(int(amount) * units[unit])
    if len(index) < 2:
        raise InvalidBars("need a timeframe or at least two bars to infer it")
    return float(np.median(np.diff(index.asi8)) / 1e9)
