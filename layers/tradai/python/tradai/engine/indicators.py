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


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _block_start(
    values: FloatArray, period: int, begin: int, end: int, sums: FloatArray
) -> tuple[int, float]:  # pragma: no cover - compiled
    """Start a block [begin, end) of `period`-value running sums (sums[1 + i - begin] for bar i):
    NaN before bar period - 1, a plain sum at the block's first bar that has one (`sma` re-sums
    there too: at period - 1 or at a multiple of RESUM); return (that bar, its sum)."""
    first = min(max(begin, period - 1), end)
    for i in range(begin, first):
        sums[1 + i - begin] = np.nan
    total = 0.0
    if first < end:
        for j in range(first - period + 1, first + 1):
            total += values[j]
        sums[1 + first - begin] = total
    return first, total


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _block_run(
    values: FloatArray, period: int, total: float, first: int, last: int, begin: int, sums: FloatArray
) -> float:  # pragma: no cover - compiled
    """Carry a running sum over bars [first, last) as `sma` does, into sums[1 + i - begin]; return it.

    Unsigned indices (here and below) spare numba's check for negative ones in the hot loops.
    """
    for i in range(np.uint64(first), np.uint64(last)):
        total += values[i] - values[i - np.uint64(period)]
        sums[i - np.uint64(begin) + np.uint64(1)] = total
    return total


# Quotients by multiplication: a x RN(1/p), rounded, is within 3 x 2^-53 of x / p relative (plus
# 2^-1074 absolute for subnormals), as is the exactly rounded x / p. Two such products further apart
# than _NEAR x (|a| + |b|) + _TINY are ordered as the exact quotients are; closer pairs are divided.
_NEAR = 2.0**-50
_TINY = 2.0**-1060


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _near(a: float, b: float) -> bool:  # pragma: no cover - compiled
    """Tell whether two products by reciprocals may order unlike the exact quotients (see _NEAR)."""
    return bool(abs(a - b) <= _NEAR * (abs(a) + abs(b)) + _TINY)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _averages(
    f: FloatArray, s: FloatArray, fast: int, slow: int, size: int, a: FloatArray, b: FloatArray
) -> int:  # pragma: no cover - compiled
    """Set a[k], b[k] to f[k] / fast, s[k] / slow for k in 1..size, multiplying by the reciprocals
    (a vector division costs several multiplications); where a pair is `_near`, the exact quotients.
    Each pair then compares as the exact quotients (`sma`'s values) do."""
    to_fast, to_slow = 1.0 / fast, 1.0 / slow
    near = 0
    for k in range(np.uint64(1), np.uint64(size + 1)):
        a[k], b[k] = f[k] * to_fast, s[k] * to_slow
        near += _near(a[k], b[k])
    if near:  # rare: the two averages agree to ~15 digits (flat prices)
        for k in range(np.uint64(1), np.uint64(size + 1)):
            if _near(a[k], b[k]):
                a[k], b[k] = f[k] / fast, s[k] / slow
    return near


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _crossed_above(a: FloatArray, b: FloatArray, size: int, out: BoolArray) -> None:  # pragma: no cover
    """Set out[k] where a moves above b from bar k to k + 1 (one output per loop: it vectorizes)."""
    one = np.uint64(1)
    for k in range(np.uint64(size)):
        out[k] = (a[k + one] > b[k + one]) & (a[k] <= b[k])


@njit(cache=True, nogil=True, error_model="numpy")
def sma_crosses(values: FloatArray, fast: int, slow: int) -> tuple[BoolArray, BoolArray]:  # pragma: no cover
    """Return (crossed_above, crossed_below) of sma(values, fast) against sma(values, slow).

    Bit for bit `crossed_above(sma(values, fast), sma(values, slow))` and `crossed_below(...)`,
    without the four intermediate arrays, RESUM bars at a time (a block starts where `sma`
    re-sums): the two running sums in one serial loop, then the averages and comparisons in
    loops free of dependencies between bars, which vectorize.
    """
    n = values.shape[0]
    flags = np.zeros((2, n), dtype=np.bool_)  # one block: two freed 1 MB ones go back to the OS
    up, down = flags[0], flags[1]
    if fast < 1 or slow < 1:
        return up, down
    f = np.empty(RESUM + 1)  # running sums: [1 + k] the block's bar k
    s = np.empty(RESUM + 1)
    a = np.empty(RESUM + 1)  # averages: [0] the bar before the block, [1 + k] the block's bar k
    b = np.empty(RESUM + 1)
    a[0] = b[0] = np.nan
    one = np.uint64(1)
    for begin in range(0, n, RESUM):
        end = min(begin + RESUM, n)
        first_f, total_f = _block_start(values, fast, begin, end, f)
        first_s, total_s = _block_start(values, slow, begin, end, s)
        both = min(max(first_f, first_s) + 1, end)
        total_f = _block_run(values, fast, total_f, first_f + 1, both, begin, f)
        total_s = _block_run(values, slow, total_s, first_s + 1, both, begin, s)
        at = np.uint64(begin)
        for i in range(np.uint64(both), np.uint64(end)):  # two independent chains in one loop
            total_f += values[i] - values[i - np.uint64(fast)]
            total_s += values[i] - values[i - np.uint64(slow)]
            f[i - at + one] = total_f
            s[i - at + one] = total_s
        size = end - begin
        _averages(f, s, fast, slow, size, a, b)
        _crossed_above(a, b, size, up[begin:end])
        _crossed_above(b, a, size, down[begin:end])
        a[0], b[0] = a[size], b[size]
    return up, down
