"""Check OHLCV bars, fingerprint them and align several symbols on one time axis."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd
from numba import njit

from tradai.domain.errors import InvalidBars
from tradai.engine.strategy import BarArrays

FloatArray = npt.NDArray[np.float64]

OHLCV = ("open", "high", "low", "close", "volume")
DEFAULT_SYMBOL = "SYMBOL"


def validate_bars(frame: object, symbol: str = DEFAULT_SYMBOL) -> BarArrays:
    """Return one symbol's bars as arrays (timestamps UTC), checked.

    A naive index is taken as UTC. Column names are matched case-insensitively. Float64 columns
    are used without copying: don't change the frame while a run uses it.

    Raises:
        InvalidBars: not a DataFrame, empty, missing columns, non-numeric, missing or non-positive
            prices, or timestamps that are not strictly increasing.
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
        columns = [np.ascontiguousarray(frame[lower[name]].to_numpy(dtype=np.float64)) for name in OHLCV]
    except (TypeError, ValueError) as error:
        raise InvalidBars(f"{symbol}: OHLCV columns must be numeric ({error})") from None
    index = frame.index if frame.index.unit == "ns" else frame.index.as_unit("ns")
    time = np.ascontiguousarray(index.asi8)  # UTC for aware and naive-as-UTC alike
    if _defects(time, *columns[:4]):  # a fast branch-free count; locate the first defect only if any
        raise InvalidBars(f"{symbol}: {PROBLEMS[_first_problem(time, *columns[:4])]}")
    return BarArrays(time, *columns)


PROBLEMS = {
    1: "timestamps must be strictly increasing",
    2: "prices must be finite numbers (found NaN or inf)",
    3: "prices must be positive",
}


@njit(cache=True, nogil=True, error_model="numpy")
def _defects(
    time: npt.NDArray[np.int64], open_: FloatArray, high: FloatArray, low: FloatArray, close: FloatArray
) -> int:  # pragma: no cover - compiled
    """Return how many defects the bars have; loops without early exits, so they vectorize."""
    bad = 0
    for i in range(1, time.shape[0]):
        bad += time[i] <= time[i - 1]
    for prices in (open_, high, low, close):
        for i in range(prices.shape[0]):
            v = prices[i]
            bad += (v <= 0.0) | (v != v) | (v == np.inf)  # non-positive, NaN or +inf
    return bad


@njit(cache=True, nogil=True)
def _first_problem(
    time: npt.NDArray[np.int64], open_: FloatArray, high: FloatArray, low: FloatArray, close: FloatArray
) -> int:  # pragma: no cover - compiled
    """Return 0 when bars are sound, else the PROBLEMS code of the first defect, in one pass."""
    for i in range(time.shape[0]):
        if i > 0 and time[i] <= time[i - 1]:
            return 1
        for price in (open_[i], high[i], low[i], close[i]):
            if not np.isfinite(price):
                return 2
            if price <= 0.0:
                return 3
    return 0


def normalize_universe(bars: pd.DataFrame | Mapping[str, pd.DataFrame]) -> dict[str, BarArrays]:
    """Return validated bars by symbol from one frame or a symbol -> frame mapping.

    Raises:
        InvalidBars: no symbols, or any symbol's bars are invalid.
    """
    universe = {DEFAULT_SYMBOL: bars} if isinstance(bars, pd.DataFrame) else dict(bars)
    if not universe:
        raise InvalidBars("no symbols given")
    return {symbol: validate_bars(frame, symbol) for symbol, frame in universe.items()}


def common_index(universe: Mapping[str, BarArrays]) -> npt.NDArray[np.int64]:
    """Return the sorted union of every symbol's timestamps (ns since epoch, UTC)."""
    times = [bars.time for bars in universe.values()]
    return times[0] if len(times) == 1 else np.unique(np.concatenate(times))


def fingerprint(universe: Mapping[str, BarArrays]) -> str:
    """Return a fingerprint of symbols, timestamps and OHLCV values: equal bars, equal fingerprint.

    The bulk is hashed by a numba 8-lane rotate-xor-multiply hash (SHA-256 over 48 MB would cost
    more than the whole backtest); SHA-256 then binds the lanes to the symbols and lengths.
    """
    digest = hashlib.sha256()
    for symbol in sorted(universe):
        bars = universe[symbol]
        digest.update(f"{symbol}:{len(bars)}".encode())
        for name in ("time", *OHLCV):
            digest.update(_lanes(np.ascontiguousarray(getattr(bars, name)).view(np.uint64)).tobytes())
    return digest.hexdigest()


@njit(cache=True, nogil=True)
def _lanes(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:  # pragma: no cover - compiled
    """Return eight 64-bit hashes of `words`, lane j taking every eighth word from j.

    Each step (rotate, xor the word, multiply by an odd constant) is a bijection of the lane, so
    changing any one word always changes its lane; eight independent lanes keep the CPU busy.
    A splitmix64 finalizer then mixes every lane.
    """
    h = np.array(
        [0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0x2545F4914F6CDD1D,
         0xD6E8FEB86659FD93, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3],
        np.uint64,
    )  # fmt: skip
    multiplier, left, right = np.uint64(0x9E3779B97F4A7C15), np.uint64(31), np.uint64(33)
    n = words.shape[0]
    full = n - n % 8
    for i in range(0, full, 8):
        for j in range(8):
            x = h[j]
            h[j] = (((x << left) | (x >> right)) ^ words[i + j]) * multiplier
    for i in range(full, n):
        x = h[i - full]
        h[i - full] = (((x << left) | (x >> right)) ^ words[i]) * multiplier
    for j in range(8):
        z = h[j]
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        h[j] = z ^ (z >> np.uint64(31))
    return h


def bar_seconds(timeframe: str | None, index: npt.NDArray[np.int64]) -> float:
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
    return float(np.median(np.diff(index)) / 1e9)
