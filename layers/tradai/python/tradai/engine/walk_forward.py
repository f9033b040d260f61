"""Walk-forward analysis: optimize in-sample, trade the next stretch out-of-sample, repeat, stitch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradai.domain.errors import InvalidSettings
from tradai.engine.config import SimulationSettings
from tradai.engine.kernel import T_ENTRY_BAR, T_EXIT_BAR
from tradai.engine.metrics import RunArrays, compute_metrics
from tradai.engine.progress import Progress, reporter
from tradai.engine.records import search_record, space_record
from tradai.engine.registry import resolve_strategy
from tradai.engine.result import Reproducibility
from tradai.engine.run import build_market, signal_matrix, simulate, trades_frame
from tradai.engine.strategy import Strategy
from tradai.engine.sweep import sweep


@dataclass(frozen=True)
class WalkForwardResult:
    """A finished walk-forward.

    Attributes:
        windows: per window: train/test bounds, best parameters, in-sample and out-of-sample metric and CAGR.
        equity: the stitched out-of-sample equity curve (portfolio_value, drawdown_percent).
        trades: every out-of-sample trade.
        metrics: metrics of the stitched out-of-sample run.
        efficiency_ratio: mean out-of-sample CAGR / mean in-sample CAGR.
        record: what reproduces the walk-forward: strategy, code hash, settings, engine version, bars
            fingerprint, seed, and in `search` the space, windows and search settings (the parameters
            each window chose are in `windows`; `params` is empty).
    """

    windows: pd.DataFrame
    equity: pd.DataFrame
    trades: pd.DataFrame
    metrics: dict[str, Any]
    efficiency_ratio: float
    record: Reproducibility


def window_bounds(
    n: int, windows: int, train_fraction: float, anchored: bool
) -> list[tuple[int, int, int, int]]:
    """Return (train_start, train_stop, test_start, test_stop) bar ranges.

    The bars after the first training stretch are cut into `windows` equal test stretches; rolling
    windows keep the training length fixed, anchored ones always train from the first bar.

    Raises:
        InvalidSettings: too few bars for the windows asked for, or a fraction outside (0, 1).
    """
    if not 0 < train_fraction < 1 or windows < 1:
        raise InvalidSettings("walk-forward needs windows >= 1 and train_fraction in (0, 1)")
    test = int(n * (1 - train_fraction) / windows)
    train = n - windows * test
    if test < 2 or train < 2:
        raise InvalidSettings(f"{n} bars are too few for {windows} walk-forward windows")
    bounds = []
    for k in range(windows):
        test_start = train + k * test
        bounds.append((0 if anchored else test_start - train, test_start, test_start, test_start + test))
    return bounds


def walk_forward(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame],
    strategy: str | type[Strategy],
    space: Mapping[str, Sequence[Any]] | None = None,
    *,
    windows: int = 5,
    train_fraction: float = 0.7,
    anchored: bool = False,
    metric: str = "sharpe",
    method: str = "grid",
    points: int = 5,
    samples: int = 50,
    seed: int = 0,
    strategy_path: Path | None = None,
    progress: Progress | None = None,
    **settings: Any,
) -> WalkForwardResult:
    """Optimize on each training window, trade the following test window, and stitch the tests.

    Each test run gets the indicator warm-up bars before it but trades only inside the window.

    Args:
        bars: as for `backtest`.
        strategy: a strategy name or class.
        space, method, points, samples, seed: the in-sample search, as for `sweep`.
        windows: number of out-of-sample windows.
        train_fraction: share of the bars in the first training window.
        anchored: train from the first bar every time instead of a rolling window.
        metric: what the in-sample search maximizes (minimizes for drawdown durations and VaR).
        strategy_path: the user strategies folder.
        progress: called with (fraction done, message).
        **settings: simulation settings, as for `backtest`.

    Returns:
        Per-window table, stitched equity, trades, metrics and the efficiency ratio.

    Raises:
        InvalidSettings: bad window layout or settings; plus whatever `sweep` raises.
    """
    report = reporter(progress)
    config = SimulationSettings.from_kwargs({**settings, "seed": seed})
    cls = resolve_strategy(strategy, strategy_path)
    market = build_market(bars)
    bounds = window_bounds(len(market), windows, train_fraction, anchored)
    rows: list[dict[str, Any]] = []
    tails: list[RunArrays] = []
    curves: list[pd.Series] = []
    trade_frames: list[pd.DataFrame] = []
    capital = config.capital
    for k, (train_start, train_stop, test_start, test_stop) in enumerate(bounds):
        base = k / len(bounds)
        reached = market.bar_time(test_start - 1)  # the out-of-sample stitch has reached this bar

        def inner(
            fraction: float, message: str, base: float = base, k: int = k, reached: datetime = reached
        ) -> None:
            report(base + 0.9 * fraction / len(bounds), f"window {k + 1}/{len(bounds)}: {message}", reached)

        found = sweep(
            market.window(train_start, train_stop), cls, space, method=method, points=points, samples=samples,
            metric=metric, seed=seed, progress=inner, full_metrics=1, **_settings_dict(config),
        )  # fmt: skip
        instance = cls(found.best_params)
        warm = min(instance.warmup(), test_start)
        test_market = market.window(test_start - warm, test_stop)
        signals = signal_matrix(test_market, instance)
        run = simulate(test_market, signals, cls, config.with_changes(capital=capital), warm)
        tail = _tail(run, warm)
        tails.append(tail)
        oos = compute_metrics(tail, breakdowns=False)
        rows.append({
            "train_start": market.index[train_start], "test_start": market.index[test_start],
            "test_end": market.index[test_stop - 1], **found.best_params,
            f"in_sample_{metric}": found.table.loc[0, metric], "in_sample_cagr": found.table.loc[0, "cagr"],
            f"out_of_sample_{metric}": oos.get(metric), "out_of_sample_cagr": oos["cagr"],
        })  # fmt: skip
        curves.append(pd.Series(run.equity[warm:], index=test_market.index[warm:]))
        trades = trades_frame(run, test_market.index, signals.tags)
        trade_frames.append(trades.drop(columns=["entry_bar", "exit_bar"]))
        capital = float(run.equity[-1])
        report((k + 1) / len(bounds), f"window {k + 1}/{len(bounds)} done", market.bar_time(test_stop - 1))
    report(1.0, "done", market.bar_time(len(market) - 1))
    trades = pd.concat(trade_frames, ignore_index=True)
    search = {
        "mode": "walk_forward", "space": space_record(space), "windows": windows,
        "train_fraction": train_fraction, "anchored": anchored, "metric": metric, "method": method,
        "points": points, "samples": samples,
    }  # fmt: skip
    return _stitch(
        rows, tails, curves, trades, config, search_record(cls, {}, config, market.fingerprint, search)
    )


def _settings_dict(config: SimulationSettings) -> dict[str, Any]:
    return {k: v for k, v in vars(config).items() if k != "seed"}


def _tail(run: RunArrays, start: int) -> RunArrays:
    """Return the run seen from bar `start` on, its capital the value at that bar's start."""
    trades = run.trades[run.trades[:, T_ENTRY_BAR] >= start].copy()
    trades[:, T_ENTRY_BAR] -= start
    trades[:, T_EXIT_BAR] -= start
    return RunArrays(
        equity=run.equity[start:],
        trades=trades,
        in_market=run.in_market,
        capital=run.capital,
        bar_seconds=run.bar_seconds,
        benchmark_returns=run.benchmark()[start:],
        symbols=run.symbols,
    )


def _stitch(
    rows: list[dict[str, Any]],
    tails: list[RunArrays],
    curves: list[pd.Series],
    trades: pd.DataFrame,
    config: SimulationSettings,
    record: Reproducibility,
) -> WalkForwardResult:
    """Chain the out-of-sample windows into one run and measure it."""
    offsets = np.cumsum([0] + [len(tail.equity) for tail in tails[:-1]])
    shifted = []
    for offset, tail in zip(offsets, tails, strict=True):
        moved = tail.trades.copy()
        moved[:, [T_ENTRY_BAR, T_EXIT_BAR]] += offset
        shifted.append(moved)
    run = RunArrays(
        equity=np.concatenate([tail.equity for tail in tails]),
        trades=np.concatenate(shifted),
        in_market=sum(tail.in_market for tail in tails),
        capital=config.capital,
        bar_seconds=tails[0].bar_seconds,
        benchmark_returns=np.concatenate([tail.benchmark() for tail in tails]),
        symbols=tails[0].symbols,
    )
    windows = pd.DataFrame(rows)
    in_sample = float(windows["in_sample_cagr"].astype(float).mean())
    out_sample = float(windows["out_of_sample_cagr"].astype(float).mean())
    values = run.equity
    peak = np.maximum.accumulate(np.maximum(values, config.capital))
    curve = pd.DataFrame(
        {"portfolio_value": values, "drawdown_percent": (np.maximum(values, 0.0) / peak - 1) * 100},
        index=pd.concat(curves).index,
    )
    return WalkForwardResult(
        windows=windows,
        equity=curve,
        trades=trades,
        metrics=compute_metrics(run, breakdowns=True),
        efficiency_ratio=out_sample / in_sample if in_sample else float("nan"),
        record=record,
    )
