"""Check OHLCV bars, fingerprint them and align several symbols on one time axis."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

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
    lanes = np.empty((len(OHLCV) + 1, 8), dtype=np.uint64)
    # one pass hashes every column (for the fingerprint) and counts defects; locate the first if any
    open_, high, low, close, volume = columns
    if _scan(time, open_, high, low, close, volume, lanes):
        raise InvalidBars(f"{symbol}: {PROBLEMS[_first_problem(time, open_, high, low, close)]}")
    return BarArrays(time, open_, high, low, close, volume, lanes=lanes)


PROBLEMS = {
    1: "timestamps must be strictly increasing",
    2: "prices must be finite numbers (found NaN or inf)",
    3: "prices must be positive",
}


@njit(cache=True, nogil=True, error_model="numpy")
def _scan(
    time: npt.NDArray[np.int64],
    open_: FloatArray,
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    lanes: npt.NDArray[np.uint64],
) -> int:  # pragma: no cover - compiled
    """Write each column's `_lanes` hash into a row of `lanes` and return how many defects the bars
    have (timestamps not increasing; prices not positive, NaN or +inf), reading each column once."""
    bad = _hash_checked(time.view(np.uint64), time, _CHECK_INCREASING, lanes[0])
    bad += _hash_checked(open_.view(np.uint64), open_, _CHECK_POSITIVE, lanes[1])
    bad += _hash_checked(high.view(np.uint64), high, _CHECK_POSITIVE, lanes[2])
    bad += _hash_checked(low.view(np.uint64), low, _CHECK_POSITIVE, lanes[3])
    bad += _hash_checked(close.view(np.uint64), close, _CHECK_POSITIVE, lanes[4])
    bad += _hash_checked(volume.view(np.uint64), volume, _CHECK_NOTHING, lanes[5])
    return bad


_CHECK_NOTHING, _CHECK_INCREASING, _CHECK_POSITIVE = 0, 1, 2


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
        lanes = bars.lanes
        if lanes is None:
            lanes = np.stack([_lanes(getattr(bars, name)) for name in ("time", *OHLCV)])
        digest.update(lanes.tobytes())
    return digest.hexdigest()


_SEEDS = (
    0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0x2545F4914F6CDD1D,
    0xD6E8FEB86659FD93, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3,
)  # fmt: skip


@njit(cache=True, nogil=True, inline="always")
def _step(lane: np.uint64, word: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """Rotate a lane left by 31, xor in the word, multiply by an odd constant (a bijection)."""
    mixed: np.uint64 = (((lane << np.uint64(31)) | (lane >> np.uint64(33))) ^ word) * np.uint64(
        0x9E3779B97F4A7C15
    )
    return mixed


@njit(cache=True, nogil=True, inline="always")
def _finish(z: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """Return the splitmix64 finalizer of `z`."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    finished: np.uint64 = z ^ (z >> np.uint64(31))
    return finished


_BLOCK = 1024  # words hashed, then checked, while they are in L1 (a multiple of 8)
_POSITIVE_FINITE = np.uint64(0x7FEFFFFFFFFFFFFE)  # bits - 1 of the largest finite double


@njit(cache=True, nogil=True, error_model="numpy")
def _hash_checked(
    words: npt.NDArray[np.uint64], values: npt.NDArray[Any], check: int, out: npt.NDArray[np.uint64]
) -> int:  # pragma: no cover - compiled
    """Write eight 64-bit hashes of `words` into `out`, lane j taking every eighth word from j, and
    return the defects `check` finds in `values` (the same memory) on the way.

    Each step (rotate, xor the word, multiply by an odd constant) is a bijection of the lane, so
    changing any one word always changes its lane; eight independent lanes, held in registers,
    keep the CPU busy. A splitmix64 finalizer then mixes every lane. The words are read once from
    memory: each block is hashed, then checked while it is in L1 (the checks in their own loops,
    branch-free, vectorize; mixed into the hash loop they don't).
    """
    h0, h1, h2, h3 = np.uint64(_SEEDS[0]), np.uint64(_SEEDS[1]), np.uint64(_SEEDS[2]), np.uint64(_SEEDS[3])
    h4, h5, h6, h7 = np.uint64(_SEEDS[4]), np.uint64(_SEEDS[5]), np.uint64(_SEEDS[6]), np.uint64(_SEEDS[7])
    n = words.shape[0]
    full = n - n % 8
    bad = 0
    for start in range(0, full, _BLOCK):
        end = min(start + _BLOCK, full)
        for k in range(start, end, 8):
            at = np.uint64(k)  # an unsigned index: no wraparound check for negative ones
            h0, h1 = _step(h0, words[at]), _step(h1, words[at + np.uint64(1)])
            h2, h3 = _step(h2, words[at + np.uint64(2)]), _step(h3, words[at + np.uint64(3)])
            h4, h5 = _step(h4, words[at + np.uint64(4)]), _step(h5, words[at + np.uint64(5)])
            h6, h7 = _step(h6, words[at + np.uint64(6)]), _step(h7, words[at + np.uint64(7)])
        bad += _defects(words, values, check, start, end)
    out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = h0, h1, h2, h3, h4, h5, h6, h7
    for i in range(full, n):
        out[i - full] = _step(out[i - full], words[i])
    for j in range(8):
        out[j] = _finish(out[j])
    return bad + _defects(words, values, check, full, n)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _defects(
    words: npt.NDArray[np.uint64], values: npt.NDArray[Any], check: int, start: int, end: int
) -> int:  # pragma: no cover - compiled
    """Return the defects `check` finds in values[start:end]: a timestamp not above the one before,
    or a price that is not a positive finite number (its bits minus 1, unsigned, above those of the
    largest finite double: 0, negatives, NaN and inf alike)."""
    bad = 0
    if check == _CHECK_INCREASING:
        for i in range(np.uint64(max(start, 1)), np.uint64(end)):  # unsigned: no negative-index checks
            bad += values[i] <= values[i - np.uint64(1)]
    elif check == _CHECK_POSITIVE:
        for i in range(np.uint64(start), np.uint64(end)):
            bad += (words[i] - np.uint64(1)) > _POSITIVE_FINITE
    return bad


def _lanes(values: npt.NDArray[Any]) -> npt.NDArray[np.uint64]:
    """Return the eight lane hashes of a column (see `_hash_checked`)."""
    out = np.empty(8, dtype=np.uint64)
    _hash_checked(np.ascontiguousarray(values).view(np.uint64), values, _CHECK_NOTHING, out)
    return out


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
