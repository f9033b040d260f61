"""Read a finished backtest's results: equity curve, report data, charts, the HTML report."""

from __future__ import annotations

import json
from typing import Any

from tradai.domain.errors import Conflict
from tradai.domain.jobs import BacktestJob, JobKind, JobStatus
from tradai.ports import BlobStore
from tradai.services.job_repository import JobRepository
from tradai.services.series import extreme_preserving_indices


class JobNotCompleted(Conflict):
    """The job has no results (yet): it is not COMPLETED."""

    code = "JOB_NOT_COMPLETED"


def completed_job(*, jobs: JobRepository, job_id: str) -> BacktestJob:
    """The job, if it completed. Raises `JobNotFound` or `JobNotCompleted`."""
    job = jobs.get(job_id, kind=JobKind.BACKTEST)
    if job.status is not JobStatus.COMPLETED:
        raise JobNotCompleted(f"backtest job {job_id} is {job.status}; results exist once it is COMPLETED")
    return job


def equity_curve(*, job: BacktestJob, blobs: BlobStore, max_points: int) -> list[dict[str, Any]]:
    """The equity curve with at most `max_points` points, keeping every peak and trough that matters."""
    points: list[dict[str, Any]] = json.loads(blobs.get(job.artifacts["equity_preview"]))
    values = [float(point["portfolio_value"]) for point in points]
    return [points[i] for i in extreme_preserving_indices(values, max_points)]


def report_data(
    *, job: BacktestJob, blobs: BlobStore, trades_limit: int, trades_offset: int
) -> dict[str, Any]:
    """Summary, full metrics, a page of trades, and mode extras (sweep table, windows, Monte Carlo)."""
    stored: dict[str, Any] = json.loads(blobs.get(job.artifacts["metrics"]))
    trades: list[dict[str, Any]] = json.loads(blobs.get(job.artifacts["trades"]))
    request = job.request
    summary = {
        "strategy": job.strategy_name,
        "version": job.strategy_version,
        "period": f"{request['date_range']['start'][:10]} to {request['date_range']['end'][:10]}",
        "symbols": request.get("symbols") or [],
        "exchange": request.get("exchange"),
        "timeframe": request.get("timeframe"),
        "mode": request.get("mode", "single"),
        "capital": request.get("capital"),
        # Which stored bars the run read (market-data versions), so a rerun can be checked against them.
        "data_versions": (job.reproducibility or {}).get("data_versions", {}),
    }
    return {
        "summary": summary,
        "metrics": stored.get("metrics", {}),
        "trades": [_with_reasoning(trade) for trade in trades[trades_offset : trades_offset + trades_limit]],
        "trades_total": len(trades),
        "extras": {key: value for key, value in stored.items() if key != "metrics"},
    }


def _with_reasoning(trade: dict[str, Any]) -> dict[str, Any]:
    # Seed 004's trades explain themselves; ours say which signal opened and what closed them.
    opened = trade.get("enter_tag") or "entry signal"
    closed = trade.get("exit_tag") or trade.get("exit_reason") or "exit signal"
    return {**trade, "reasoning": f"opened on {opened}, closed on {closed}"}
