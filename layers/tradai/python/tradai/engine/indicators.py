"""Technical indicators as numba kernels: float64 arrays in, arrays of the same length out.

Values before an indicator has enough history are NaN. Kernels release the GIL so sweeps can
run them on several threads at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
RESUM = 1024  # bars between exact recomputations of a running sum


@njit(cache=True, nogil=True)
def sma(values: FloatArray, period: int) -> FloatArray:  # pragma: no cover - compiled
    """Return the simple moving average over `period` values.

    A running sum is fast but drifts on millions of values, so it is recomputed exactly every
    `RESUM` bars; results stay within a few ulps of a direct mean, as pandas' rolling mean does.
    """
    n = values.shape[0]
    out = np.full(n, np.nan)
    if period < 1 or n < period:
        return out
    total = 0.0
    for i in range(period):
        total += values[i]
    out[period - 1] = total / period
    for i in range(period, n):
        if i % RESUM == 0:
            total = 0.0
            for j in range(i - period + 1, i + 1):
                total += values[j]
        else:
            total += values[i] - values[i - period]
        out[i] = total / period
    return out


@njit(cache=True, nogil=True)
def ema(values: FloatArray, period: int) -> FloatArray:  # pragma: no cover - compiled
    """Return the exponential moving average, alpha = 2 / (period + 1), seeded with the first SMA."""
    n = values.shape[0]
    out = np.full(n, np.nan)
    if period < 1 or n < period:
        return out
    alpha = 2.0 / (period + 1.0)
    seed = 0.0
    for i in range(period):
        seed += values[i]
    level = seed / period
    out[period - 1] = level
    for i in range(period, n):
        level = alpha * values[i] + (1.0 - alpha) * level
        out[i] = level
    return out


@njit(cache=True, nogil=True)
def rsi(close: FloatArray, period: int) -> FloatArray:  # pragma: no cover - compiled
    """Return Wilder's relative strength index (0-100); 100 when there were no losses."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    if period < 1 or n <= period:
        return out
    gain = 0.0
    loss = 0.0
    for i in range(1, period + 1):
        change = close[i] - close[i - 1]
        if change > 0:
            gain += change
        else:
            loss -= change
    gain /= period
    loss /= period
    out[period] = 100.0 if loss == 0.0 else 100.0 - 100.0 / (1.0 + gain / loss)
    for i in range(period + 1, n):
        change = close[i] - close[i - 1]
        up = change if change > 0 else 0.0
        down = -change if change < 0 else 0.0
        gain = (gain * (period - 1) + up) / period
        loss = (loss * (period - 1) + down) / period
        out[i] = 100.0 if loss == 0.0 else 100.0 - 100.0 / (1.0 + gain / loss)
    return out


@njit(cache=True, nogil=True)
def rolling_std(values: FloatArray, period: int) -> FloatArray:  # pragma: no cover - compiled
    """Return the population (ddof=0) standard deviation over `period` values."""
    n = values.shape[0]
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        mean = 0.0
        for j in range(i - period + 1, i + 1):
            mean += values[j]
        mean /= period
        var = 0.0
        for j in range(i - period + 1, i + 1):
            var += (values[j] - mean) ** 2
        out[i] = np.sqrt(var / period)
    return out


@njit(cache=True, nogil=True)
def bollinger(
    values: FloatArray, period: int, width: float
) -> tuple[FloatArray, FloatArray, FloatArray]:  # pragma: no cover - compiled
    """Return Bollinger bands (middle, upper, lower): SMA +/- width x population std."""
    middle = sma(values, period)
    spread = rolling_std(values, period) * width
    return middle, middle + spread, middle - spread


@njit(cache=True, nogil=True)
def atr(high: FloatArray, low: FloatArray, close: FloatArray, period: int) -> FloatArray:  # pragma: no cover
    """Return Wilder's average true range, seeded with the mean of the first `period` true ranges."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    if period < 1 or n < period:
        return out
    level = 0.0
    for i in range(n):
        true_range = high[i] - low[i]
        if i > 0:
            true_range = max(true_range, abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1]))
        if i < period:
            level += true_range
            if i == period - 1:
                level /= period
                out[i] = level
        else:
            level = (level * (period - 1) + true_range) / period
            out[i] = level
    return out


@njit(cache=True, nogil=True)
def crossed_above(a: FloatArray, b: FloatArray) -> BoolArray:  # pragma: no cover - compiled
    """Return where `a` moves from at-or-below `b` to above it; False where either is NaN."""
    n = a.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    for i in range(1, n):
        out[i] = a[i] > b[i] and a[i - 1] <= b[i - 1]
    return out


@njit(cache=True, nogil=True)
def crossed_below(a: FloatArray, b: FloatArray) -> BoolArray:  # pragma: no cover - compiled
    """Return where `a` moves from at-or-above `b` to below it; False where either is NaN."""
    return crossed_above(b, a)


@njit(cache=True, nogil=True)
def crosses(a: FloatArray, b: FloatArray) -> tuple[BoolArray, BoolArray]:  # pragma: no cover - compiled
    """Return (crossed_above(a, b), crossed_below(a, b)) in one pass."""
    n = a.shape[0]
    up = np.zeros(n, dtype=np.bool_)
    down = np.zeros(n, dtype=np.bool_)
    for i in range(1, n):
        up[i] = a[i] > b[i] and a[i - 1] <= b[i - 1]
        down[i] = b[i] > a[i] and b[i - 1] <= a[i - 1]
    return up, down


@njit(cache=True, nogil=True, inline="always")
def _running_sum(values: FloatArray, period: int, i: int, total: float) -> float:  # pragma: no cover
    """Return the sum of the `period` values ending at `i`, from the sum ending at i - 1.

    The same steps as `sma` (a plain sum at i = period - 1, an exact re-sum every RESUM bars), so
    a mean from it is bit-for-bit `sma`'s.
    """
    if i == period - 1 or (i >= period and i % RESUM == 0):
        total = 0.0
        for j in range(i - period + 1, i + 1):
            total += values[j]
        return total
    moved: float = total + (values[i] - values[i - period])
    return moved


@njit(cache=True, nogil=True)
def sma_crosses(values: FloatArray, fast: int, slow: int) -> tuple[BoolArray, BoolArray]:  # pragma: no cover
    """Return (crossed_above, crossed_below) of sma(values, fast) against sma(values, slow), in one pass.

    Equal to `crossed_above(sma(values, fast), sma(values, slow))` and `crossed_below(...)`, without
    the four intermediate arrays.
    """
    n = values.shape[0]
    up = np.zeros(n, dtype=np.bool_)
    down = np.zeros(n, dtype=np.bool_)
    if fast < 1 or slow < 1:
        return up, down
    ready = max(fast, slow) - 1  # the first bar both averages exist
    fast_total = slow_total = 0.0
    before_fast = before_slow = np.nan
    for i in range(n):
        if i >= fast - 1:
            fast_total = _running_sum(values, fast, i, fast_total)
        if i >= slow - 1:
            slow_total = _running_sum(values, slow, i, slow_total)
        if i >= ready:
            now_fast, now_slow = fast_total / fast, slow_total / slow
            up[i] = now_fast > now_slow and before_fast <= before_slow
            down[i] = now_slow > now_fast and before_slow <= before_fast
            before_fast, before_slow = now_fast, now_slow
    return up, down
