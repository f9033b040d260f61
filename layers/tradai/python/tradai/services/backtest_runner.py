"""Run one backtest job in a worker: read bars, run the engine in the requested mode, store the results.

Imported only inside worker processes (and Fargate tasks), so the engine's numba, pandas and numpy
never load in the API server's request path.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.errors import Unavailable
from tradai.domain.jobs import BacktestJob
from tradai.domain.ranking import infinite_rows
from tradai.services.job_worker import JobOutcome, JobReporter
from tradai.services.series import extreme_preserving_indices
from tradai.services.strategy_classes import strategy_class

if TYPE_CHECKING:
    from tradai.bootstrap import Container

HEADLINE_METRICS = (
    "total_return",
    "sharpe_ratio",
    "max_drawdown",
    "trades_count",
    "win_rate",
    "profit_factor",
)
EQUITY_PREVIEW_POINTS = 5000
MAX_TRADE_EVENTS = 500
_LOADING_SHARE = 0.05  # of the progress bar, for reading bars


def run(
    job: BacktestJob,
    reporter: JobReporter,
    container: Container,
    *,
    spec: BacktestSpec | None = None,
    prefix: str | None = None,
) -> JobOutcome:
    """Run `job` and return its outcome; progress goes through `reporter`.

    Args:
        spec: the part of the job to run (a chunk on AWS); the whole request by default.
        prefix: where the artifacts go; `backtests/<job id>` by default.
    """
    import tradai.engine as engine
    from tradai.engine.result import json_safe

    spec = spec or BacktestSpec.model_validate(job.request)
    bars, data_versions = _load_bars(spec, reporter, container)

    def progress(fraction: float, message: str, bar_time: datetime | None = None) -> None:
        share = _LOADING_SHARE + (1 - _LOADING_SHARE) * fraction
        current_date = bar_time.date().isoformat() if bar_time is not None else None
        reporter.progress(int(share * 1000), 1000, message=message, current_date=current_date)

    settings: dict[str, Any] = {
        "capital": spec.capital,
        "fees": spec.fees,
        "slippage": spec.slippage,
        "leverage": spec.leverage,
        "timeframe": spec.timeframe,
    }
    # the class, not its name: the engine alone would not look in the user strategies folder
    strategy = strategy_class(spec.strategy_config.name, container.settings)
    params = dict(spec.strategy_config.parameters)
    extras: dict[str, Any] = {}
    if spec.mode == "walk_forward":
        # its result is the stitched out-of-sample run, parameters chosen per window: no full-range run
        windows = spec.walk_forward
        walked = engine.walk_forward(
            bars,
            strategy,
            spec.parameter_space,
            windows=windows.windows if windows else 5,
            train_fraction=windows.train_fraction if windows else 0.7,
            anchored=windows.anchored if windows else False,
            metric=spec.objective,
            seed=spec.seed,
            progress=progress,
            **settings,
        )
        metrics, equity, trades, record = walked.metrics, walked.equity, walked.trades, walked.record
        extras["walk_forward"] = {
            "efficiency_ratio": walked.efficiency_ratio,
            "windows": _records(walked.windows),
        }
    else:
        search = None
        if spec.mode == "sweep":
            swept = engine.sweep(
                bars,
                strategy,
                spec.parameter_space,
                metric=spec.objective,
                seed=spec.seed,
                progress=progress,
                **settings,
            )
            # the job searched its whole request's space, though a chunk (on AWS) runs a block of it
            whole = BacktestSpec.model_validate(job.request).parameter_space
            params, search = swept.best_params, {**(swept.record.search or {}), "space": whole}
            extras["sweep"] = {
                "metric": swept.metric,
                "skipped": swept.skipped,
                "table": _records(swept.table),
                # JSON keeps no infinities (they turn null): which rows were +inf/-inf, for the merge
                "infinite": infinite_rows(swept.table[swept.metric].tolist()),
            }
        # a sweep reports its own progress; the full-range run of its best set would move the bar backwards
        single_run_progress = None if spec.mode == "sweep" else progress
        result = engine.backtest(
            bars, strategy, params, progress=single_run_progress, seed=spec.seed, **settings
        )
        # a sweep's stored result is its best set's run: that run's record, with the search that chose it
        metrics, equity, trades = result.metrics, result.equity, result.trades
        record = replace(result.record, search=search)
        if spec.mode == "monte_carlo":
            simulated = engine.monte_carlo(
                result, simulations=spec.simulations, seed=spec.seed, progress=progress
            )
            record = simulated.record
            extras["monte_carlo"] = {
                "total_return": {str(p): v for p, v in simulated.total_return.items()},
                "max_drawdown": {str(p): v for p, v in simulated.max_drawdown.items()},
                "prob_sharpe_positive": simulated.prob_sharpe_positive,
                "prob_loss": simulated.prob_loss,
                "simulations": simulated.simulations,
                "seed": simulated.seed,
            }
    metrics = _with_seed_names(metrics)
    for trade in _records(trades)[-MAX_TRADE_EVENTS:]:
        reporter.trade(trade)
    trades_count = int(metrics.get("trades_count", 0))
    reporter.progress(
        1000,
        1000,
        message="Storing results",
        current_date=spec.date_range.end.date().isoformat(),
        trades_executed=trades_count,
        force=True,
    )
    artifacts = _store_artifacts(
        prefix or f"backtests/{job.job_id}", container, json_safe(metrics), equity, trades, json_safe(extras)
    )
    summary = {name: metrics.get(name) for name in HEADLINE_METRICS} | {
        "final_value": metrics.get("final_value")
    }
    return JobOutcome(
        result=json_safe(summary),
        reproducibility=json_safe(
            record.to_dict() | {"request": job.request, "data_versions": data_versions}
        ),
        artifacts=artifacts,
        message=f"Completed: {trades_count} trades",
    )


def _with_seed_names(metrics: dict[str, Any]) -> dict[str, Any]:
    """Add the names seed 001 clients read (`sharpe_ratio`, `trades`) beside the engine's own."""
    return {**metrics, "sharpe_ratio": metrics.get("sharpe"), "trades": metrics.get("trades_count")}


def _load_bars(
    spec: BacktestSpec, reporter: JobReporter, container: Container
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read each symbol's bars, and the data version of each read (the reproducibility record keeps it)."""
    if container.market_data is None:
        raise Unavailable("the market-data store is not available to this worker")
    symbols = spec.symbols or []
    bars: dict[str, pd.DataFrame] = {}
    versions: dict[str, str] = {}
    for position, symbol in enumerate(symbols):
        reporter.progress(
            int(_LOADING_SHARE * 1000 * position / max(len(symbols), 1)),
            1000,
            message=f"Loading {symbol} bars",
        )
        read = container.market_data.read(
            exchange=spec.exchange,
            symbol=symbol,
            timeframe=spec.timeframe,
            start=spec.date_range.start,
            end=spec.date_range.end,
        )
        bars[symbol], versions[symbol] = read.frame, read.data_version
    return bars, versions


def _store_artifacts(
    prefix: str,
    container: Container,
    metrics: dict[str, Any],
    equity: pd.DataFrame,
    trades: pd.DataFrame,
    extras: dict[str, Any],
) -> dict[str, str]:
    artifacts = {
        "metrics": f"{prefix}/metrics.json",
        "trades": f"{prefix}/trades.json",
        "equity": f"{prefix}/equity.npz",
        "equity_preview": f"{prefix}/equity_preview.json",
    }
    blobs = container.blobs
    blobs.put(artifacts["metrics"], _json({"metrics": metrics, **extras}), content_type="application/json")
    blobs.put(artifacts["trades"], _json(_records(trades)), content_type="application/json")
    blobs.put(artifacts["equity"], _equity_npz(equity), content_type="application/octet-stream")
    blobs.put(artifacts["equity_preview"], _json(_equity_points(equity)), content_type="application/json")
    return artifacts


def _equity_points(equity: pd.DataFrame, max_points: int = EQUITY_PREVIEW_POINTS) -> list[dict[str, Any]]:
    values = equity["portfolio_value"].to_numpy(dtype=np.float64).tolist()
    kept = equity.iloc[extreme_preserving_indices(values, max_points)]
    return _records(kept.reset_index(names="timestamp"))


def _equity_npz(equity: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    index = pd.DatetimeIndex(equity.index)
    columns: dict[str, Any] = {column: equity[column].to_numpy(dtype=np.float64) for column in equity.columns}
    columns["timestamp_ms"] = (index.asi8 // 1_000_000).astype(np.int64)
    np.savez_compressed(buffer, **columns)
    return buffer.getvalue()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: times as ISO 8601 UTC with Z, NaN as null."""
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso", date_unit="s"))
    return rows


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=False, default=str).encode()
