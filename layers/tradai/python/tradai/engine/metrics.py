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
    """What a kernel run produced, plus what metrics need to interpret it."""

    equity: FloatArray
    trades: FloatArray
    in_market: int
    capital: float
    bar_seconds: float
    benchmark_returns: FloatArray
    symbols: tuple[str, ...]


@njit(cache=True, nogil=True)
def equity_stats(equity: FloatArray, capital: float) -> FloatArray:  # pragma: no cover - compiled
    """Return one pass of equity statistics.

    [mean return, std return (ddof=1), downside deviation, skew, kurtosis (non-excess),
     max drawdown (fraction, <= 0), max drawdown (currency, <= 0), longest drawdown (bars)]
    """
    n = equity.shape[0]
    out = np.full(8, np.nan)
    previous = capital
    total = 0.0
    for i in range(n):
        total += equity[i] / previous - 1.0
        previous = equity[i]
    mean = total / n
    m2 = 0.0
    m3 = 0.0
    m4 = 0.0
    down = 0.0
    peak = capital
    worst = 0.0
    worst_abs = 0.0
    since = 0
    longest = 0
    previous = capital
    for i in range(n):
        r = equity[i] / previous - 1.0
        previous = equity[i]
        d = r - mean
        m2 += d * d
        m3 += d * d * d
        m4 += d * d * d * d
        if r < 0.0:
            down += r * r
        if equity[i] >= peak:
            peak = equity[i]
            since = 0
        else:
            since += 1
            longest = max(longest, since)
            drop = equity[i] / peak - 1.0
            worst = min(worst, drop)
            worst_abs = min(worst_abs, equity[i] - peak)
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
    return out


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
    stats = [float(value) for value in equity_stats(equity, capital)]
    mean, std, downside, skew, kurtosis, max_dd, max_dd_abs, dd_bars = stats
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
        **_value_at_risk(equity, capital),
        **_alpha_beta(equity, capital, run.benchmark_returns, periods_per_year),
        **trade_metrics(run.trades, run.bar_seconds),
    }
    if breakdowns:
        metrics["per_symbol"] = _per_symbol(run.trades, run.symbols)
        metrics["per_exit_reason"] = _per_exit_reason(run.trades)
    return metrics


def trade_metrics(trades: FloatArray, bar_seconds: float) -> dict[str, Any]:
    """Return the metrics computed from closed trades alone."""
    pnl, pct = trades[:, T_PNL], trades[:, T_PNL_PCT]
    count = len(pnl)
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    gross_loss = -losses.sum()
    std_pct = float(pct.std(ddof=1)) if count > 1 else math.nan
    held = trades[:, T_EXIT_BAR] - trades[:, T_ENTRY_BAR]
    streak_win, streak_loss = (int(v) for v in _streaks(pnl))
    nan = math.nan
    return {
        "trades_count": count,
        "win_rate": len(wins) / count if count else nan,
        "profit_factor": (float(wins.sum()) / float(gross_loss) if gross_loss > 0 else math.inf)
        if count
        else nan,
        "expectancy": float(pnl.mean()) if count else nan,
        "sqn": math.sqrt(count) * float(pct.mean()) / std_pct if count > 1 and std_pct > 0 else nan,
        "avg_trade": float(pct.mean()) if count else nan,
        "best_trade": float(pct.max()) if count else nan,
        "worst_trade": float(pct.min()) if count else nan,
        "avg_holding_hours": float(held.mean()) * bar_seconds / 3600.0 if count else nan,
        "max_consecutive_wins": streak_win,
        "max_consecutive_losses": streak_loss,
        "total_fees": float(trades[:, T_FEES].sum()),
    }


@njit(cache=True, nogil=True)
def _streaks(pnl: FloatArray) -> tuple[int, int]:  # pragma: no cover - compiled
    """Return the longest runs of winning and of losing trades."""
    best_win = best_loss = win = loss = 0
    for value in pnl:
        win = win + 1 if value > 0 else 0
        loss = loss + 1 if value < 0 else 0
        best_win, best_loss = max(best_win, win), max(best_loss, loss)
    return best_win, best_loss


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


def _value_at_risk(equity: FloatArray, capital: float) -> dict[str, float]:
    """Return historical one-bar VaR at 95% and 99% as positive loss fractions."""
    q05, q01 = _low_quantiles(simple_returns(equity, capital), (0.05, 0.01))
    return {"var_95": -q05, "var_99": -q01}


def _low_quantiles(values: FloatArray, qs: tuple[float, ...]) -> list[float]:
    """Return np.quantile(values, q) (linear interpolation) for small qs, partitioning only the low tail.

    A strided sample gives a threshold that very likely keeps every rank needed; when it does not,
    the whole array is used, so the answer is always exact.
    """
    n = len(values)
    positions = [q * (n - 1) for q in qs]
    ranks = sorted({r for p in positions for r in (int(p), min(int(p) + 1, n - 1))})
    pool = values
    if n > 20_000:
        threshold = np.quantile(values[:: n // 10_000], min(1.0, 1.3 * max(qs) + 0.005))
        tail = values[values <= threshold]
        if len(tail) > ranks[-1]:
            pool = tail
    ordered = np.partition(pool, ranks)
    return [
        float(ordered[int(p)] + (ordered[min(int(p) + 1, n - 1)] - ordered[int(p)]) * (p - int(p)))
        for p in positions
    ]


def _alpha_beta(equity: FloatArray, capital: float, bench: FloatArray, periods: float) -> dict[str, float]:
    """Return beta to buy-and-hold and annualized alpha (risk-free rate 0), and the benchmark return."""
    beta, alpha, bench_return = (float(v) for v in _regression(equity, capital, bench))
    return {"alpha": alpha * periods, "beta": beta, "benchmark_return": bench_return}


@njit(cache=True, nogil=True)
def _regression(
    equity: FloatArray, capital: float, bench: FloatArray
) -> tuple[float, float, float]:  # pragma: no cover
    """Return (beta, per-bar alpha, compounded benchmark return) in one pass; NaN beta/alpha if flat."""
    n = equity.shape[0]
    previous = capital
    sum_r = sum_b = sum_bb = sum_rb = 0.0
    growth = 1.0
    for i in range(n):
        r = equity[i] / previous - 1.0
        previous = equity[i]
        b = bench[i]
        growth *= 1.0 + b
        sum_r += r
        sum_b += b
        sum_bb += b * b
        sum_rb += r * b
    mean_r, mean_b = sum_r / n, sum_b / n
    variance = sum_bb / n - mean_b * mean_b
    if n < 2 or variance <= 1e-300:
        return np.nan, np.nan, growth - 1.0
    beta = (sum_rb / n - mean_r * mean_b) / variance
    return beta, mean_r - beta * mean_b, growth - 1.0


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
