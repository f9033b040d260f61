"""Parameter sweeps: grid or random search, run on all cores, ranked by a metric."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradai.domain.errors import InvalidParameter, InvalidSettings
from tradai.domain.ranking import rank_rows
from tradai.engine.config import SimulationSettings
from tradai.engine.metrics import CURVE_METRICS, compute_metrics
from tradai.engine.progress import Progress, reporter
from tradai.engine.records import search_record, space_record
from tradai.engine.registry import resolve_strategy
from tradai.engine.result import Reproducibility
from tradai.engine.run import Market, build_market, signal_matrix, simulate
from tradai.engine.strategy import Strategy
from tradai.engine.sweep_fused import FusedSweep, fused_sweep


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep.

    Attributes:
        table: one row per parameter set (parameters, then scalar metrics), best first.
        best_params: the winning parameter set.
        metric: the ranking metric.
        skipped: parameter sets the strategy refused (e.g. fast >= slow).
        record: what reproduces the sweep: strategy, code hash, fixed params, settings, engine
            version, bars fingerprint, seed, and in `search` the space, method, points, samples, metric.
    """

    table: pd.DataFrame
    best_params: dict[str, Any]
    metric: str
    skipped: int
    record: Reproducibility


def parameter_sets(
    cls: type[Strategy],
    space: Mapping[str, Sequence[Any]] | None,
    *,
    method: str,
    points: int,
    samples: int,
    seed: int,
    fixed: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Return the parameter sets to try: the product of value lists (grid) or random draws.

    Args:
        cls: the strategy.
        space: name -> values to try; None means every non-boolean declared parameter's range.
        method: "grid" or "random".
        points: grid points per parameter taken from a range when `space` gives no values.
        samples: number of random draws.
        seed: seed of the random draws.
        fixed: values held constant in every set.

    Raises:
        InvalidParameter: an unknown name or value in `space`, or an empty range.
        InvalidSettings: an unknown method.
    """
    declared = cls.parameters()
    fixed = dict(fixed or {})
    names = (
        list(space)
        if space is not None
        else [
            name
            for name, parameter in declared.items()
            if not isinstance(parameter.default, bool) and name not in fixed
        ]
    )
    for name in names:
        if name not in declared:
            raise InvalidParameter(f"unknown parameter {name!r} for strategy {cls.name!r}", parameter=name)
    if method == "grid":
        values = [
            [declared[n].validate(n, v) for v in space[n]] if space is not None else declared[n].grid(points)
            for n in names
        ]
        if any(not column for column in values):
            raise InvalidParameter("a parameter has an empty list of values to try")
        return [{**fixed, **dict(zip(names, combo, strict=True))} for combo in itertools.product(*values)]
    if method == "random":
        rng = np.random.default_rng(seed)
        if space is None:
            return [{**fixed, **{n: declared[n].sample(rng) for n in names}} for _ in range(samples)]
        return [
            {
                **fixed,
                **{n: declared[n].validate(n, space[n][int(rng.integers(len(space[n])))]) for n in names},
            }
            for _ in range(samples)
        ]
    raise InvalidSettings(f"sweep method must be 'grid' or 'random', got {method!r}")


def sweep(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame] | Market,
    strategy: str | type[Strategy],
    space: Mapping[str, Sequence[Any]] | None = None,
    *,
    method: str = "grid",
    points: int = 5,
    samples: int = 50,
    metric: str = "sharpe",
    params: Mapping[str, Any] | None = None,
    workers: int | None = None,
    seed: int = 0,
    strategy_path: Path | None = None,
    progress: Progress | None = None,
    full_metrics: int | None = None,
    **settings: Any,
) -> SweepResult:
    """Backtest many parameter sets in parallel and rank them.

    Args:
        bars: as for `backtest`, or a prepared Market.
        strategy: a strategy name or class.
        space: name -> values to try; None sweeps every declared range (`points` per parameter).
        method: "grid" (every combination) or "random" (`samples` draws, seeded by `seed`).
        points: grid points per range when `space` gives no values.
        samples: random draws.
        metric: the metric to rank by (descending, except drawdowns and VaR).
        params: values held fixed in every set.
        workers: threads (default: every core); the numba kernels release the GIL.
        seed: seed of random search, recorded.
        strategy_path: the user strategies folder.
        progress: called with (fraction done, message).
        full_metrics: when ranking by a metric that needs no pass over the equity curve (returns,
            trade statistics, exposure), give every metric to only this many of the best sets: the
            others leave `metrics.CURVE_METRICS` NaN, and cost half as much. None: every set.
        **settings: simulation settings, as for `backtest`.

    Returns:
        The ranked results table and the best parameter set.

    Raises:
        InvalidParameter: bad space or no valid parameter set.
        InvalidSettings: bad settings, method or metric.
        StrategyNotFound, InvalidBars, StrategyError: as for `backtest`.
    """
    report = reporter(progress)
    config = SimulationSettings.from_kwargs({**settings, "seed": seed})
    cls = resolve_strategy(strategy, strategy_path)
    market = bars if isinstance(bars, Market) else build_market(bars)
    candidates = parameter_sets(
        cls, space, method=method, points=points, samples=samples, seed=seed, fixed=params
    )
    instances, skipped = [], 0
    for candidate in candidates:
        try:
            instances.append(cls(candidate))
        except InvalidParameter:
            skipped += 1
    if not instances:
        raise InvalidParameter(f"no valid parameter set among {len(candidates)} tried")

    light = full_metrics is not None and full_metrics < len(instances) and metric not in CURVE_METRICS
    total = len(instances) + ((full_metrics or 0) if light else 0)
    finished = 0

    def done(count: int) -> None:
        nonlocal finished
        finished += count
        report(finished / total, f"{finished}/{total} parameter set runs", None)

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        fused = fused_sweep(cls, instances, market, config, pool)
        run_sets = (
            _fused_runner(fused, instances, pool, done)
            if fused is not None
            else _runner(instances, market, cls, config, pool, done)
        )
        rows = run_sets(range(len(instances)), not light)
        if metric not in rows[0]:
            raise InvalidSettings(f"unknown metric {metric!r}")
        if light:  # measure the best in full; their metric, hence their rank, stays the same
            position = {id(row): k for k, row in enumerate(rows)}
            top = [position[id(row)] for row in rank_rows(rows, metric)[:full_metrics]]
            for k, row in zip(top, run_sets(top, True), strict=True):
                rows[k] = row
    table = pd.DataFrame(rank_rows(rows, metric))
    best = {name: _plain(table.loc[0, name]) for name in instances[0].params}
    search = {
        "mode": "sweep", "space": space_record(space), "method": method, "points": points, "samples": samples,
        "metric": metric,
    }  # fmt: skip
    record = search_record(cls, params or {}, config, market.fingerprint, search)
    return SweepResult(table=table, best_params=best, metric=metric, skipped=skipped, record=record)


RunSets = Callable[[Sequence[int], bool], list[dict[str, Any]]]
"""Run parameter sets (by index) with or without the curve metrics; return their rows in order."""


def _fused_runner(
    fused: FusedSweep, instances: list[Strategy], pool: Executor, done: Callable[[int], None]
) -> RunSets:
    """Return a runner of the fused kernel (a built-in on one symbol)."""

    def run_sets(sets: Sequence[int], curve: bool) -> list[dict[str, Any]]:
        out = fused.run(sets, curve=curve, pool=pool, done=done)
        return [{**instances[k].params, **fused.metrics(row)} for k, row in zip(sets, out, strict=True)]

    return run_sets


def _runner(
    instances: list[Strategy],
    market: Market,
    cls: type[Strategy],
    config: SimulationSettings,
    pool: Executor,
    done: Callable[[int], None],
) -> RunSets:
    """Return a runner of any strategy: its signals, then the general kernel, one set per task."""
    shared = replace(market, arrays={symbol: bars.shared() for symbol, bars in market.arrays.items()})
    buffers = threading.local()

    def evaluate(instance: Strategy, curve: bool) -> dict[str, Any]:
        if not hasattr(buffers, "equity"):  # one per thread: a fresh 100k-bar array page-faults
            buffers.equity = np.empty(len(shared))
        run = simulate(
            shared, signal_matrix(shared, instance, annotations=False), cls, config, equity=buffers.equity
        )
        return {**instance.params, **compute_metrics(run, breakdowns=False, curve=curve)}

    def run_sets(sets: Sequence[int], curve: bool) -> list[dict[str, Any]]:
        rows = []
        for row in pool.map(lambda k: evaluate(instances[k], curve), sets):
            rows.append(row)
            done(1)
        return rows

    return run_sets


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
