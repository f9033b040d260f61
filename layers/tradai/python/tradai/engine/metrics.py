"""Performance metrics of a run; formulas and annualization in docs/metrics.md.

Per-bar returns come from the equity curve (the first against the starting capital). Years are
bars x bar length / 365 days (crypto trades every day). Ratios with an empty denominator are NaN,
a profit factor with no losing trade is +inf.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from tradai.engine.kernel import (
    EXIT_REASONS,
    T_ENTRY_BAR,
    T_EXIT_BAR,
    T_FEES,
    T_PNL,
    T_PNL_PCT,
    T_REASON,
    T_SYMBOL,
)

FloatArray = npt.NDArray[np.float64]
YEAR_SECONDS = 365.0 * 86400.0


@dataclass(frozen=True)
class RunArrays:
    """What a kernel run produced, plus what metrics need to interpret it.

    The buy-and-hold benchmark is either its per-bar returns (`benchmark_returns`) or, cheaper to
    get, its price per bar (`benchmark_prices`, each bar's return measured against the bar before,
    the first bar's against itself); one of the two is set.
    """

    equity: FloatArray
    trades: FloatArray
    in_market: int
    capital: float
    bar_seconds: float
    benchmark_returns: FloatArray | None
    symbols: tuple[str, ...]
    benchmark_prices: FloatArray | None = None

    def benchmark(self) -> FloatArray:
        """Return the benchmark's per-bar returns."""
        if self.benchmark_returns is not None:
            return self.benchmark_returns
        prices = self._prices()
        return simple_returns(prices, float(prices[0]))

    def _prices(self) -> FloatArray:
        if self.benchmark_prices is None:
            raise ValueError("a run needs benchmark_returns or benchmark_prices")
        return self.benchmark_prices


# equity_stats' output, by position
(S_MEAN, S_STD, S_DOWNSIDE, S_SKEW, S_KURTOSIS, S_MAX_DD, S_MAX_DD_ABS, S_DD_BARS, S_BETA, S_ALPHA,
 S_BENCH_RETURN, S_VAR95, S_VAR99) = range(13)  # fmt: skip
_SAMPLE = 10_000  # returns sampled to find the low tail that holds the VaR ranks
_SAMPLED_ABOVE = 2 * _SAMPLE  # shorter curves keep every return and partition them all
_CHUNK = 512  # bars whose returns are computed ahead, in a vectorized loop
_SUMS = 8  # running sums of equity_stats (see _add_sums)


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def bar_return(value: float, before: float) -> float:  # pragma: no cover - compiled
    """Return one bar's return on the equity floored at 0: ruin is a -100% bar, and nothing is
    gained or lost after it (an equity <= 0 has no return to give)."""
    base = before if before > 0.0 else 1.0  # a safe divisor; the result is discarded then
    r: float = max(value, 0.0) / base - 1.0
    return r if before > 0.0 else 0.0


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _chunk_returns(
    values: FloatArray, first: int, size: int, base: float, out: FloatArray
) -> None:  # pragma: no cover - compiled
    """Write the returns of values[first : first + size] into out[:size], the first one against
    the value before it (or `base` at the start); a branch-free loop, so it vectorizes."""
    out[0] = bar_return(values[first], values[first - 1] if first > 0 else base)
    at = np.uint64(first)  # unsigned: numba's negative-index checks on signed ones block vectorizing
    for j in range(np.uint64(1), np.uint64(size)):
        out[j] = bar_return(values[at + j], values[at + j - np.uint64(1)])


@njit(cache=True, nogil=True, error_model="numpy")
def equity_stats(
    equity: FloatArray, capital: float, bench: FloatArray, bench_is_price: bool
) -> FloatArray:  # pragma: no cover - compiled
    """Return the statistics of an equity curve in one pass over it, without a returns array.

    `bench` is the benchmark's per-bar returns, or its prices when `bench_is_price` (the first bar's
    return then measured against itself, as `simple_returns(prices, prices[0])`).

    [mean return, std return (ddof=1), downside deviation, skew, kurtosis (non-excess),
     max drawdown (fraction, -1 <= x <= 0), max drawdown (currency, <= 0), longest drawdown (bars),
     beta to the benchmark, per-bar alpha, compounded benchmark return, VaR 95, VaR 99]

    Returns are `bar_return`'s (the equity floored at 0, so a wiped-out account gives finite
    statistics). The curve is read in chunks of _CHUNK bars that stay in L1: their returns first,
    the sums in vector lanes (`_add_sums`), then the running peak in a short serial loop.
    Moments are summed around a sample mean `c` (shifted sums: as exact as two passes when `c` is
    near the mean); VaR quantiles are exact, from the returns below a threshold that a strided
    sample predicts holds every rank they read (else from all returns).
    """
    n = equity.shape[0]
    out = np.full(13, np.nan)
    step = n // _SAMPLE if n > _SAMPLED_ABOVE else 1
    sample = np.empty((n + step - 1) // step)
    for k in range(sample.shape[0]):
        i = k * step
        sample[k] = bar_return(equity[i], equity[i - 1] if i > 0 else capital)
    c = sample.mean()
    qs = np.array([0.05, 0.01])
    top = min(int(qs[0] * (n - 1)) + 1, n - 1)  # the highest rank any interpolation reads
    if step > 1:
        cut = math.ceil(min(1.0, 1.3 * qs[0] + 0.005) * (sample.shape[0] - 1))
        threshold = smallest(sample, np.array([cut]))[0]
        room = min(n, 2 * (cut + 1) * step + 1024)  # about twice the expected tail
    else:
        threshold = np.inf
        room = n
    tail = np.empty(room)
    kept = 0
    sums = np.zeros(_SUMS)
    peak = capital
    floor = 1.0  # 1 + the worst drawdown so far: a bar below peak x floor (give or take) may be worse
    worst = worst_abs = 0.0
    since = longest = 0
    returns = np.empty(_CHUNK)
    moves = np.empty(_CHUNK)
    for first in range(0, n, _CHUNK):
        size = min(_CHUNK, n - first)
        _chunk_returns(equity, first, size, capital, returns)
        if bench_is_price:
            _chunk_returns(bench, first, size, bench[0], moves)
        else:
            moves[:size] = bench[first : first + size]
        _add_sums(sums, returns, moves, size, c)
        low, high = _value_range(equity, first, size)
        if high < peak:  # the whole chunk below the peak: one stretch of a drawdown, deepest at its low
            since += size
            longest = max(longest, since)
            worst_abs = min(worst_abs, low - peak)
            worst = min(worst, max(low, 0.0) / peak - 1.0)
            floor = 1.0 + worst
        walk = 0 if high < peak else size  # the bars left for the bar-by-bar loop
        for j in range(np.uint64(first), np.uint64(first + walk)):  # the running peak and drawdowns
            value = equity[j]
            since = 0 if value >= peak else since + 1
            peak = max(peak, value)
            longest = max(longest, since)
            worst_abs = min(worst_abs, value - peak)
            if value < peak * floor * (1.0 + 1e-9):  # else max(value, 0) / peak - 1 cannot be a new worst
                worst = min(worst, max(value, 0.0) / peak - 1.0)
                floor = 1.0 + worst
        if kept + size <= room:  # keep the returns at or below the threshold, branch-free
            for j in range(size):
                r = returns[j]
                tail[kept] = r
                kept += r <= threshold
        else:
            for j in range(size):
                if returns[j] <= threshold:
                    if kept < room:
                        tail[kept] = returns[j]
                    kept += 1
    total, s2, s3, s4, down, sum_rb, sum_b, sum_bb = sums
    mean = total / n
    shift = mean - c
    m2 = s2 / n - shift * shift
    m3 = s3 / n - 3.0 * shift * (s2 / n) + 2.0 * shift**3
    m4 = s4 / n - 4.0 * shift * (s3 / n) + 6.0 * shift * shift * (s2 / n) - 3.0 * shift**4
    m2 = max(m2, 0.0)
    out[S_MEAN] = mean
    if n > 1:
        out[S_STD] = math.sqrt(m2 * n / (n - 1))
    out[S_DOWNSIDE] = math.sqrt(down / n)
    if m2 > 0.0:
        out[S_SKEW] = m3 / m2**1.5
        out[S_KURTOSIS] = m4 / (m2 * m2)
    out[S_MAX_DD] = worst
    out[S_MAX_DD_ABS] = worst_abs
    out[S_DD_BARS] = longest
    mean_b = sum_b / n
    bench_variance = sum_bb / n - mean_b * mean_b
    if n >= 2 and bench_variance > 1e-300:
        beta = (sum_rb / n - mean * mean_b) / bench_variance
        out[S_BETA] = beta
        out[S_ALPHA] = mean - beta * mean_b
    # a price benchmark's compounded return is its last price over its first, exactly
    out[S_BENCH_RETURN] = bench[n - 1] / bench[0] - 1.0 if bench_is_price else _growth(bench) - 1.0
    if kept > top and kept <= room:
        pool = tail[:kept]
    else:  # the sample misjudged the tail: take every return
        pool = np.empty(n)
        previous = capital
        for i in range(n):
            pool[i] = bar_return(equity[i], previous)
            previous = equity[i]
    var = _low_quantiles(pool, n, qs)
    out[S_VAR95], out[S_VAR99] = -var[0], -var[1]
    return out


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"nnan", "nsz"})
def _value_range(values: FloatArray, first: int, size: int) -> tuple[float, float]:  # pragma: no cover
    """Return the least and the greatest of values[first : first + size] (no NaN: equity never is)."""
    low = high = values[first]
    for j in range(np.uint64(first), np.uint64(first + size)):
        value = values[j]
        low = value if value < low else low
        high = value if value > high else high
    return low, high


@njit(cache=True, nogil=True, error_model="numpy")
def _growth(returns: FloatArray) -> float:  # pragma: no cover - compiled
    """Return the product of 1 + r over the returns."""
    growth = 1.0
    for r in returns:
        growth *= 1.0 + r
    return growth


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def _add_sums(
    sums: FloatArray, returns: FloatArray, moves: FloatArray, size: int, c: float
) -> None:  # pragma: no cover - compiled
    """Add a chunk's bars to `sums`: r, (r-c)^2, (r-c)^3, (r-c)^4, min(r, 0)^2, r*b, b, b^2 (returns
    r, benchmark returns b).

    `reassoc` lets the compiler add in vector lanes (~7x faster than one float at a time): the
    sums differ from a sequential loop's by rounding (~1e-16 relative), and are the same on every
    run on a given machine (the order depends on the chunk's length and the CPU's vector width).
    """
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    for j in range(size):
        r, b = returns[j], moves[j]
        d = r - c
        dd = d * d
        low = r if r < 0.0 else 0.0
        s0 += r
        s1 += dd
        s2 += dd * d
        s3 += dd * dd
        s4 += low * low
        s5 += r * b
        s6 += b
        s7 += b * b
    sums[0] += s0
    sums[1] += s1
    sums[2] += s2
    sums[3] += s3
    sums[4] += s4
    sums[5] += s5
    sums[6] += s6
    sums[7] += s7


CURVE_METRICS = frozenset(
    {
        "sharpe", "sortino", "calmar", "max_drawdown", "max_drawdown_abs", "max_drawdown_duration_bars",
        "max_drawdown_duration_days", "probabilistic_sharpe", "var_95", "var_99", "alpha", "beta",
        "benchmark_return",
    }
)  # fmt: skip
"""The metrics that need a pass over the equity curve (the others come from its last value and the trades)."""


def compute_metrics(run: RunArrays, *, breakdowns: bool = True, curve: bool = True) -> dict[str, Any]:
    """Return every metric of a run by name (see docs/metrics.md).

    Args:
        run: the kernel's output and the run's context.
        breakdowns: include per-symbol and per-exit-reason tables (skipped by sweeps for speed).
        curve: False leaves CURVE_METRICS NaN and skips their pass (a sweep ranking by another metric).

    Returns:
        A dict of floats and ints (NaN/inf where a ratio is undefined), plus `per_symbol` and
        `per_exit_reason` dicts when `breakdowns`.
    """
    if not curve:
        raw = np.full(13, np.nan)
    elif run.benchmark_prices is not None:
        raw = equity_stats(run.equity, run.capital, run.benchmark_prices, True)
    else:
        raw = equity_stats(run.equity, run.capital, run.benchmark(), False)
    metrics = metrics_from_stats(
        raw,
        trade_stats(run.trades),
        final=float(run.equity[-1]),
        bars=len(run.equity),
        trades_count=len(run.trades),
        in_market=run.in_market,
        capital=run.capital,
        bar_seconds=run.bar_seconds,
    )
    if breakdowns:
        metrics["per_symbol"] = _per_symbol(run.trades, run.symbols)
        metrics["per_exit_reason"] = _per_exit_reason(run.trades)
    return metrics


def metrics_from_stats(
    curve_stats: FloatArray,
    trades_stats: FloatArray,
    *,
    final: float,
    bars: int,
    trades_count: int,
    in_market: int,
    capital: float,
    bar_seconds: float,
) -> dict[str, Any]:
    """Return every scalar metric from a run's statistics (what `compute_metrics` and the fused
    sweep kernels both measure, so both give the same numbers).

    Args:
        curve_stats: `equity_stats` of the equity curve, or 13 NaN to leave CURVE_METRICS NaN.
        trades_stats: `trade_stats` of the closed trades.
        final: the last equity value.
        bars: bars in the run.
        trades_count: closed trades.
        in_market: bars with a position open.
        capital: starting capital.
        bar_seconds: bar length.
    """
    periods_per_year = YEAR_SECONDS / bar_seconds
    years = bars / periods_per_year
    stats = [float(value) for value in curve_stats]
    (
        mean, std, downside, skew, kurtosis, max_dd, max_dd_abs, dd_bars, beta, alpha, bench_return,
        var_95, var_99,
    ) = stats  # fmt: skip
    total_return = final / capital - 1.0
    cagr = (final / capital) ** (1.0 / years) - 1.0 if final > 0 else -1.0
    sharpe_bar = mean / std if std > 0 else math.nan
    return {
        "final_value": final,
        "total_return": total_return,
        "cagr": cagr,
        "sharpe": sharpe_bar * math.sqrt(periods_per_year),
        "sortino": mean / downside * math.sqrt(periods_per_year) if downside > 0 else math.nan,
        "calmar": cagr / -max_dd if max_dd < 0 else math.nan,
        "max_drawdown": max_dd,
        "max_drawdown_abs": max_dd_abs,
        "max_drawdown_duration_bars": math.nan if math.isnan(dd_bars) else int(dd_bars),
        "max_drawdown_duration_days": dd_bars * bar_seconds / 86400.0,
        "exposure": in_market / bars,
        "probabilistic_sharpe": _probabilistic_sharpe(sharpe_bar, skew, kurtosis, bars),
        "var_95": var_95,
        "var_99": var_99,
        "alpha": alpha * periods_per_year,  # risk-free rate 0, against buy-and-hold
        "beta": beta,
        "benchmark_return": bench_return,
        **trade_summary(trades_stats, trades_count, bar_seconds),
    }


def trade_metrics(trades: FloatArray, bar_seconds: float) -> dict[str, Any]:
    """Return the metrics computed from closed trades alone."""
    return trade_summary(trade_stats(trades), len(trades), bar_seconds)


def trade_summary(trades_stats: FloatArray, count: int, bar_seconds: float) -> dict[str, Any]:
    """Return the trade metrics from `trade_stats` of `count` closed trades."""
    (
        wins, win_sum, loss_sum, pnl_mean, pct_mean, pct_std, best, worst, held_mean,
        streak_win, streak_loss, fees,
    ) = (float(v) for v in trades_stats)  # fmt: skip
    nan = math.nan
    return {
        "trades_count": count,
        "win_rate": wins / count if count else nan,
        "profit_factor": (win_sum / -loss_sum if loss_sum < 0 else math.inf) if count else nan,
        "expectancy": pnl_mean if count else nan,
        "sqn": math.sqrt(count) * pct_mean / pct_std if count > 1 and pct_std > 0 else nan,
        "avg_trade": pct_mean if count else nan,
        "best_trade": best if count else nan,
        "worst_trade": worst if count else nan,
        "avg_holding_hours": held_mean * bar_seconds / 3600.0 if count else nan,
        "max_consecutive_wins": int(streak_win),
        "max_consecutive_losses": int(streak_loss),
        "total_fees": fees,
    }


def _trade_stats_reading(columns: tuple[int, int, int, int, int]) -> Any:
    """Return `trade_stats` reading the trade records' (pnl, pnl_pct, fees, entry bar, exit bar)
    columns, kernel.py's constants.

    numba keys a cached function on its own file, not on another module's constants it reads; it
    does key it on the values its closure holds, so a change of the record layout compiles afresh
    instead of loading code that reads the old columns (sweep_kernel.py keys its kernel likewise).
    """
    pnl_col, pct_col, fees_col, entry_col, exit_col = columns

    @njit(cache=True, nogil=True, error_model="numpy")
    def trade_stats(trades: FloatArray) -> FloatArray:  # pragma: no cover - compiled
        """Return one pass of trade statistics (NaN where there are too few trades).

        [winners, sum of wins, sum of losses (<= 0), mean pnl, mean pnl_pct, std pnl_pct (ddof=1),
         best pnl_pct, worst pnl_pct, mean bars held, longest winning run, longest losing run, fees]
        """
        n = trades.shape[0]
        out = np.full(12, np.nan)
        wins = win_sum = loss_sum = pnl_sum = pct_sum = held = fees = 0.0
        best, worst = -np.inf, np.inf
        run_win = run_loss = best_win = best_loss = 0
        for k in range(n):
            pnl, pct = trades[k, pnl_col], trades[k, pct_col]
            pnl_sum += pnl
            pct_sum += pct
            fees += trades[k, fees_col]
            held += trades[k, exit_col] - trades[k, entry_col]
            best, worst = max(best, pct), min(worst, pct)
            if pnl > 0:
                wins += 1.0
                win_sum += pnl
            elif pnl < 0:
                loss_sum += pnl
            run_win = run_win + 1 if pnl > 0 else 0
            run_loss = run_loss + 1 if pnl < 0 else 0
            best_win, best_loss = max(best_win, run_win), max(best_loss, run_loss)
        out[0], out[1], out[2], out[9], out[10], out[11] = wins, win_sum, loss_sum, best_win, best_loss, fees
        if n > 0:
            out[3], out[4], out[6], out[7], out[8] = pnl_sum / n, pct_sum / n, best, worst, held / n
        if n > 1:
            mean = pct_sum / n
            spread = 0.0
            for k in range(n):
                spread += (trades[k, pct_col] - mean) ** 2
            out[5] = math.sqrt(spread / (n - 1))
        return out

    return trade_stats


trade_stats = _trade_stats_reading((T_PNL, T_PNL_PCT, T_FEES, T_ENTRY_BAR, T_EXIT_BAR))


def _probabilistic_sharpe(sharpe: float, skew: float, kurtosis: float, n: int) -> float:
    """Return P(true per-bar Sharpe > 0) after Bailey & Lopez de Prado (2012)."""
    if not math.isfinite(sharpe) or not math.isfinite(skew) or n < 2:
        return math.nan
    spread = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if spread <= 0:
        return math.nan
    z = sharpe * math.sqrt(n - 1) / math.sqrt(spread)
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def simple_returns(values: FloatArray, base: float) -> FloatArray:
    """Return per-step returns of `values`, the first measured against `base`."""
    returns: FloatArray = np.empty_like(values)
    returns[0] = values[0] / base - 1.0
    np.divide(values[1:], values[:-1], out=returns[1:])
    returns[1:] -= 1.0
    return returns


@njit(cache=True, nogil=True, error_model="numpy")
def _low_quantiles(pool: FloatArray, n: int, qs: FloatArray) -> FloatArray:  # pragma: no cover - compiled
    """Return np.quantile(values, q) (linear interpolation) of `n` values for each q, given `pool`:
    all of them, or their lowest (at least every rank an interpolation reads)."""
    held = min(n, pool.shape[0])
    ranks = np.empty(2 * qs.shape[0], dtype=np.int64)
    for k in range(qs.shape[0]):
        low = int(qs[k] * (n - 1))
        ranks[2 * k] = low
        ranks[2 * k + 1] = min(low + 1, held - 1)  # the next rank (the same when none is held)
    values = smallest(pool, ranks)
    out = np.empty(qs.shape[0])
    for k in range(qs.shape[0]):
        p = qs[k] * (n - 1)
        value, above = values[2 * k], values[2 * k + 1]
        out[k] = value + (above - value) * (p - int(p))
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def smallest(values: FloatArray, ranks: npt.NDArray[np.int64]) -> FloatArray:  # pragma: no cover - compiled
    """Return the values of the given ranks (0-based, ascending) among `values` (no NaN), as
    np.partition would place them, leaving `values` as they are.

    A radix selection on the values' bits mapped to ordered integers: one histogram of every key
    on the 11 bits below the leading bits they share, then the keys of the digit holding a rank,
    few, sorted (a few branch-free counting passes: a quickselect's unpredictable branches cost
    ~10x more in numba; np.partition's SIMD selection cannot run in a compiled sweep).
    """
    keys = np.empty(values.shape[0], dtype=np.uint64)
    bits = values.view(np.uint64)
    for i in range(values.shape[0]):
        keys[i] = _order_key(bits[i])
    out = np.empty(ranks.shape[0])
    lowest, shift, histogram = _histogram(keys)
    current = -1
    bucket = keys[:0]
    for k in range(ranks.shape[0]):
        if shift < 0:  # every key equal
            out[k] = _key_value(lowest)
            continue
        digit, rank = _digit_of(histogram, ranks[k])
        if digit != current:  # ranks in one digit share its keys
            current = digit
            bucket = _keys_with(keys, lowest, shift, digit, histogram[digit])
            if bucket.shape[0] <= _SORTED:
                bucket.sort()
        out[k] = _key_value(bucket[rank] if bucket.shape[0] <= _SORTED else _select_key(bucket, rank))
    return out


_SIGN = np.uint64(0x8000000000000000)
_DIGIT_BITS = 11
_DIGITS = 1 << _DIGIT_BITS
_SORTED = 4096  # keys few enough to sort rather than narrow further


@njit(cache=True, nogil=True, inline="always")
def _order_key(bits: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """Return an integer that orders as the float64 with these bits does (negatives flipped)."""
    key: np.uint64 = bits ^ (np.uint64(0xFFFFFFFFFFFFFFFF) if bits & _SIGN else _SIGN)
    return key


@njit(cache=True, nogil=True)
def _key_value(key: np.uint64) -> float:  # pragma: no cover - compiled
    """Return the float64 an `_order_key` came from."""
    bits = np.empty(1, dtype=np.uint64)
    bits[0] = key ^ _SIGN if key & _SIGN else ~key
    value: float = bits.view(np.float64)[0]
    return value


@njit(cache=True, nogil=True)
def _histogram(
    keys: npt.NDArray[np.uint64],
) -> tuple[np.uint64, int, npt.NDArray[np.int64]]:  # pragma: no cover - compiled
    """Return (the least key, shift, counts per digit) where a key's digit is (key - least) >> shift,
    the shift the least that keeps digits below _DIGITS; shift -1 when every key is equal."""
    lowest = highest = keys[0]
    for i in range(keys.shape[0]):  # branch-free min and max, vectorized
        x = keys[i]
        lowest = x if x < lowest else lowest
        highest = x if x > highest else highest
    histogram = np.zeros(_DIGITS, dtype=np.int64)
    if lowest == highest:
        return lowest, -1, histogram
    span = highest - lowest
    shift = 0
    while (span >> np.uint64(shift)) >= _DIGITS:
        shift += 1
    for i in range(keys.shape[0]):
        histogram[(keys[i] - lowest) >> np.uint64(shift)] += 1
    return lowest, shift, histogram


@njit(cache=True, nogil=True, inline="always")
def _digit_of(histogram: npt.NDArray[np.int64], rank: int) -> tuple[int, int]:  # pragma: no cover
    """Return (the digit holding the rank-th key, its rank among that digit's keys)."""
    digit = 0
    while rank >= histogram[digit]:
        rank -= histogram[digit]
        digit += 1
    return digit, rank


@njit(cache=True, nogil=True)
def _keys_with(
    keys: npt.NDArray[np.uint64], lowest: np.uint64, shift: int, digit: int, count: int
) -> npt.NDArray[np.uint64]:  # pragma: no cover - compiled
    """Return the `count` keys whose digit is `digit`, branch-free."""
    out = np.empty(count + 1, dtype=np.uint64)  # +1: every key is written, the last one maybe past the end
    kept = 0
    wanted = np.uint64(digit)
    for i in range(keys.shape[0]):
        x = keys[i]
        out[min(kept, count)] = x
        kept += ((x - lowest) >> np.uint64(shift)) == wanted
    return out[:count]


@njit(cache=True, nogil=True)
def _select_key(keys: npt.NDArray[np.uint64], rank: int) -> np.uint64:  # pragma: no cover - compiled
    """Return the rank-th smallest of `keys` (0-based), narrowing them digit by digit to few."""
    while keys.shape[0] > _SORTED:
        lowest, shift, histogram = _histogram(keys)
        if shift < 0:
            return lowest
        digit, rank = _digit_of(histogram, rank)
        keys = _keys_with(keys, lowest, shift, digit, histogram[digit])
    found: np.uint64 = np.sort(keys)[rank]
    return found


def _per_symbol(trades: FloatArray, symbols: tuple[str, ...]) -> dict[str, dict[str, float]]:
    sums = _group_sums(trades, T_SYMBOL, len(symbols), T_PNL, T_PNL_PCT)
    return {symbol: _summary(sums[index]) for index, symbol in enumerate(symbols)}


def _per_exit_reason(trades: FloatArray) -> dict[str, dict[str, float]]:
    sums = _group_sums(trades, T_REASON, len(EXIT_REASONS), T_PNL, T_PNL_PCT)
    return {reason: _summary(sums[code]) for code, reason in enumerate(EXIT_REASONS) if sums[code, 0]}


@njit(cache=True, nogil=True)
def _group_sums(
    trades: FloatArray, column: int, groups: int, pnl_col: int, pct_col: int
) -> FloatArray:  # pragma: no cover - compiled
    """Return per group (the integer code in `column`): [trades, pnl, winners, sum of pnl_pct].
    The columns come as arguments (kernel.py's constants would not key numba's cache)."""
    out = np.zeros((groups, 4))
    for k in range(trades.shape[0]):
        g = int(trades[k, column])
        pnl = trades[k, pnl_col]
        out[g, 0] += 1.0
        out[g, 1] += pnl
        out[g, 2] += pnl > 0
        out[g, 3] += trades[k, pct_col]
    return out


def _summary(sums: FloatArray) -> dict[str, float]:
    count = int(sums[0])
    return {
        "trades_count": count,
        "pnl": float(sums[1]),
        "win_rate": float(sums[2]) / count if count else math.nan,
        "avg_trade": float(sums[3]) / count if count else math.nan,
    }
