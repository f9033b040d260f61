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
_VAR_LEVELS = np.array([0.05, 0.01])


@dataclass(frozen=True)
class RunArrays:
    """What a kernel run produced, plus what metrics need to interpret it."""

    equity: FloatArray
    trades: FloatArray
    in_market: int
    capital: float
    bar_seconds: float
    benchmark_returns: FloatArray
    symbols: tuple[str, ...]


@njit(cache=True, nogil=True, error_model="numpy")
def equity_stats(
    equity: FloatArray, capital: float, bench: FloatArray
) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - compiled
    """Return (statistics, per-bar returns) of an equity curve, the returns computed once for all.

    statistics: [mean return, std return (ddof=1), downside deviation, skew, kurtosis (non-excess),
     max drawdown (fraction, <= 0), max drawdown (currency, <= 0), longest drawdown (bars),
     beta to `bench` (per-bar benchmark returns), per-bar alpha, compounded benchmark return]
    """
    n = equity.shape[0]
    out = np.full(11, np.nan)
    returns = np.empty(n)
    previous = capital
    total = 0.0
    peak = capital
    worst = 0.0
    worst_abs = 0.0
    since = 0
    longest = 0
    for i in range(n):
        r = equity[i] / previous - 1.0
        returns[i] = r
        previous = equity[i]
        total += r
        if equity[i] >= peak:
            peak = equity[i]
            since = 0
        else:
            since += 1
            longest = max(longest, since)
            worst = min(worst, equity[i] / peak - 1.0)
            worst_abs = min(worst_abs, equity[i] - peak)
    mean = total / n
    m2 = m3 = m4 = down = 0.0
    sum_b = sum_bb = sum_rb = 0.0
    growth = 1.0
    for i in range(n):
        r = returns[i]
        d = r - mean
        m2 += d * d
        m3 += d * d * d
        m4 += d * d * d * d
        if r < 0.0:
            down += r * r
        b = bench[i]
        growth *= 1.0 + b
        sum_b += b
        sum_bb += b * b
        sum_rb += r * b
    out[0] = mean
    if n > 1:
        out[1] = math.sqrt(m2 / (n - 1))
    out[2] = math.sqrt(down / n)
    variance = m2 / n
    if variance > 0.0:
        out[3] = (m3 / n) / variance**1.5
        out[4] = (m4 / n) / (variance * variance)
    out[5] = worst
    out[6] = worst_abs
    out[7] = longest
    mean_b = sum_b / n
    bench_variance = sum_bb / n - mean_b * mean_b
    if n >= 2 and bench_variance > 1e-300:
        beta = (sum_rb / n - mean * mean_b) / bench_variance
        out[8] = beta
        out[9] = mean - beta * mean_b
    out[10] = growth - 1.0
    return out, returns


def compute_metrics(run: RunArrays, *, breakdowns: bool = True) -> dict[str, Any]:
    """Return every metric of a run by name (see docs/metrics.md).

    Args:
        run: the kernel's output and the run's context.
        breakdowns: include per-symbol and per-exit-reason tables (skipped by sweeps for speed).

    Returns:
        A dict of floats and ints (NaN/inf where a ratio is undefined), plus `per_symbol` and
        `per_exit_reason` dicts when `breakdowns`.
    """
    equity, capital = run.equity, run.capital
    n = len(equity)
    periods_per_year = YEAR_SECONDS / run.bar_seconds
    years = n / periods_per_year
    raw, returns = equity_stats(equity, capital, run.benchmark_returns)
    stats = [float(value) for value in raw]
    mean, std, downside, skew, kurtosis, max_dd, max_dd_abs, dd_bars, beta, alpha, bench_return = stats
    final = float(equity[-1])
    total_return = final / capital - 1.0
    cagr = (final / capital) ** (1.0 / years) - 1.0 if final > 0 else -1.0
    sharpe_bar = mean / std if std > 0 else math.nan
    metrics: dict[str, Any] = {
        "final_value": final,
        "total_return": total_return,
        "cagr": cagr,
        "sharpe": sharpe_bar * math.sqrt(periods_per_year),
        "sortino": mean / downside * math.sqrt(periods_per_year) if downside > 0 else math.nan,
        "calmar": cagr / -max_dd if max_dd < 0 else math.nan,
        "max_drawdown": max_dd,
        "max_drawdown_abs": max_dd_abs,
        "max_drawdown_duration_bars": int(dd_bars),
        "max_drawdown_duration_days": dd_bars * run.bar_seconds / 86400.0,
        "exposure": run.in_market / n,
        "probabilistic_sharpe": _probabilistic_sharpe(sharpe_bar, skew, kurtosis, n),
        **_value_at_risk(returns),
        "alpha": alpha * periods_per_year,  # risk-free rate 0, against buy-and-hold
        "beta": beta,
        "benchmark_return": bench_return,
        **trade_metrics(run.trades, run.bar_seconds),
    }
    if breakdowns:
        metrics["per_symbol"] = _per_symbol(run.trades, run.symbols)
        metrics["per_exit_reason"] = _per_exit_reason(run.trades)
    return metrics


def trade_metrics(trades: FloatArray, bar_seconds: float) -> dict[str, Any]:
    """Return the metrics computed from closed trades alone."""
    count = len(trades)
    (
        wins, win_sum, loss_sum, pnl_mean, pct_mean, pct_std, best, worst, held_mean,
        streak_win, streak_loss, fees,
    ) = (float(v) for v in _trade_stats(trades))  # fmt: skip
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


@njit(cache=True, nogil=True, error_model="numpy")
def _trade_stats(trades: FloatArray) -> FloatArray:  # pragma: no cover - compiled
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
        pnl, pct = trades[k, T_PNL], trades[k, T_PNL_PCT]
        pnl_sum += pnl
        pct_sum += pct
        fees += trades[k, T_FEES]
        held += trades[k, T_EXIT_BAR] - trades[k, T_ENTRY_BAR]
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
            spread += (trades[k, T_PNL_PCT] - mean) ** 2
        out[5] = math.sqrt(spread / (n - 1))
    return out


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


def _value_at_risk(returns: FloatArray) -> dict[str, float]:
    """Return historical one-bar VaR at 95% and 99% as positive loss fractions."""
    q05, q01 = (float(q) for q in _low_quantiles(returns, _VAR_LEVELS))
    return {"var_95": -q05, "var_99": -q01}


@njit(cache=True, nogil=True)
def _low_quantiles(values: FloatArray, qs: FloatArray) -> FloatArray:  # pragma: no cover - compiled
    """Return np.quantile(values, q) (linear interpolation) for small qs, partitioning only the low tail.

    A strided sample gives a threshold that very likely keeps every rank needed; when it does not,
    the whole array is partitioned, so the answer is always exact.
    """
    n = values.shape[0]
    positions = qs * (n - 1)
    top = min(int(positions.max()) + 1, n - 1)  # the highest rank any interpolation reads
    pool = values
    if n > 20_000:
        sample = values[:: n // 10_000].copy()
        cut = math.ceil(min(1.0, 1.3 * qs.max() + 0.005) * (sample.shape[0] - 1))
        tail = values[values <= np.partition(sample, cut)[cut]]
        if tail.shape[0] > top:
            pool = tail
    ranks = np.empty(2 * qs.shape[0], dtype=np.int64)  # each position's floor and the rank above it
    for k in range(qs.shape[0]):
        ranks[2 * k] = int(positions[k])
        ranks[2 * k + 1] = min(int(positions[k]) + 1, n - 1)
    ordered = np.partition(pool, ranks)
    out = np.empty(qs.shape[0])
    for k in range(qs.shape[0]):
        p = positions[k]
        low = int(p)
        out[k] = ordered[low] + (ordered[min(low + 1, n - 1)] - ordered[low]) * (p - low)
    return out


def _per_symbol(trades: FloatArray, symbols: tuple[str, ...]) -> dict[str, dict[str, float]]:
    table = {}
    for index, symbol in enumerate(symbols):
        rows = trades[trades[:, T_SYMBOL] == index]
        table[symbol] = _summary(rows)
    return table


def _per_exit_reason(trades: FloatArray) -> dict[str, dict[str, float]]:
    table = {}
    for code, reason in enumerate(EXIT_REASONS):
        rows = trades[trades[:, T_REASON] == code]
        if len(rows):
            table[reason] = _summary(rows)
    return table


def _summary(rows: FloatArray) -> dict[str, float]:
    count = len(rows)
    pnl = rows[:, T_PNL]
    return {
        "trades_count": count,
        "pnl": float(pnl.sum()),
        "win_rate": float((pnl > 0).mean()) if count else math.nan,
        "avg_trade": float(rows[:, T_PNL_PCT].mean()) if count else math.nan,
    }
