"""Monte Carlo: bootstrap a run's trade returns to see how much of its result was luck."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from tradai.domain.errors import InvalidSettings
from tradai.engine.progress import Progress, reporter
from tradai.engine.result import BacktestResult, Reproducibility


@dataclass(frozen=True)
class MonteCarloResult:
    """Distribution of outcomes over resampled trade sequences.

    Attributes:
        total_return: percentile -> total return.
        max_drawdown: percentile -> max drawdown (a fraction <= 0, like the metric).
        prob_sharpe_positive: share of samples whose trade returns have a positive mean (Sharpe > 0).
        prob_loss: share of samples ending below the starting capital.
        simulations, seed: how it sampled.
        record: what reproduces it: the backtest's record with this seed, and in `search` the mode,
            simulations, percentiles and the backtest's own seed.
    """

    total_return: dict[float, float]
    max_drawdown: dict[float, float]
    prob_sharpe_positive: float
    prob_loss: float
    simulations: int
    seed: int
    record: Reproducibility


def trade_returns(result: BacktestResult) -> npt.NDArray[np.float64]:
    """Return each trade's pnl as a fraction of the portfolio value before it was entered."""
    trades = result.trades
    if trades.empty:
        return np.zeros(0)
    equity = result.equity["portfolio_value"].to_numpy()
    entry = trades["entry_bar"].to_numpy()
    capital = float(result.record.settings.get("capital", equity[0]))
    before = np.where(entry > 0, equity[np.maximum(entry - 1, 0)], capital)
    returns: npt.NDArray[np.float64] = trades["pnl"].to_numpy(dtype=np.float64) / before
    return returns


def monte_carlo(
    result: BacktestResult,
    *,
    simulations: int = 1000,
    seed: int = 0,
    percentiles: Sequence[float] = (5, 25, 50, 75, 95),
    progress: Progress | None = None,
) -> MonteCarloResult:
    """Bootstrap (resample with replacement) a backtest's trade returns.

    Args:
        result: a finished backtest.
        simulations: resampled sequences, each as long as the real one.
        seed: the generator seed (same seed, same answer).
        percentiles: which percentiles of return and drawdown to report.
        progress: called with (fraction done, message).

    Returns:
        Percentiles of total return and max drawdown, and the probability the Sharpe is above zero.

    Raises:
        InvalidSettings: fewer than one simulation.
    """
    if simulations < 1:
        raise InvalidSettings("simulations must be at least 1")
    report = reporter(progress)
    search = {
        "mode": "monte_carlo", "simulations": simulations, "percentiles": [float(p) for p in percentiles],
        "backtest_seed": result.record.seed,
    }  # fmt: skip
    record = replace(result.record, seed=seed, search=search)
    returns = trade_returns(result)
    if len(returns) == 0:
        zeros = {float(p): 0.0 for p in percentiles}
        return MonteCarloResult(zeros, dict(zeros), 0.0, 0.0, simulations, seed, record)
    rng = np.random.default_rng(seed)
    totals, drawdowns, positive = [], [], 0
    batch = max(1, 1_000_000 // len(returns))  # bound memory: about a million draws at a time
    for start in range(0, simulations, batch):
        size = min(batch, simulations - start)
        sample = returns[rng.integers(0, len(returns), size=(size, len(returns)))]
        path = np.cumprod(1.0 + sample, axis=1)
        peak = np.maximum.accumulate(np.maximum(path, 1.0), axis=1)
        totals.append(path[:, -1] - 1.0)
        drawdowns.append((path / peak - 1.0).min(axis=1))
        positive += int((sample.mean(axis=1) > 0).sum())
        report(min(1.0, (start + size) / simulations), f"{start + size}/{simulations} simulations", None)
    total = np.concatenate(totals)
    drawdown = np.concatenate(drawdowns)
    return MonteCarloResult(
        total_return={float(p): float(np.percentile(total, p)) for p in percentiles},
        max_drawdown={float(p): float(np.percentile(drawdown, p)) for p in percentiles},
        prob_sharpe_positive=positive / simulations,
        prob_loss=float((total < 0).mean()),
        simulations=simulations,
        seed=seed,
        record=record,
    )
