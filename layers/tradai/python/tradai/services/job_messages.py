"""The messages watchers of a job receive (seed 001/002 WebSocket shape), the same locally and in AWS."""

from __future__ import annotations

from typing import Any

from tradai.domain.jobs import BacktestJob


def job_update_message(job: BacktestJob) -> dict[str, Any]:
    """The message sent on every change of `job`; finished jobs also carry `result` or `error`."""
    message: dict[str, Any] = {
        "job_id": job.job_id,
        "status": job.status.value,
        "progress": (
            {
                "current": job.progress.current,
                "total": job.progress.total,
                "percentage": job.progress.percentage,
            }
            if job.progress
            else None
        ),
        "message": job.message,
        "current_date": job.current_date,
        "trades_executed": job.trades_executed,
        "updated_at": job.updated_at.isoformat().replace("+00:00", "Z"),
    }
    if job.status.is_terminal:
        message["result"] = job.result
        message["error"] = job.error.model_dump() if job.error else None
    return message


def trade_event_message(trade: dict[str, Any]) -> dict[str, Any]:
    """A trade as it happens (seed 004's `{"type": "trade", "data": ...}`)."""
    return {"type": "trade", "data": trade}
