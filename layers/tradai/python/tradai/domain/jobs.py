"""Jobs (backtests, and market-data syncs too large to answer inline): what a job is, and the one
state machine every runtime follows.

QUEUED -> RUNNING -> COMPLETED | FAILED | CANCELLED, and QUEUED -> CANCELLED | FAILED. Every
transition is written with a condition on the current status, so a cancel racing a completion
ends in exactly one terminal state.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradai.domain.errors import Conflict, NotFound


class JobStatus(StrEnum):
    """Where a job is in its life."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_terminal(self) -> bool:
        """Whether the job can never change again."""
        return self in TERMINAL_STATUSES


class JobKind(StrEnum):
    """What a job does; each kind is listed apart and run by its own runner (same lifecycle)."""

    BACKTEST = "backtest"
    DATA_SYNC = "data_sync"


TERMINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})

ALLOWED_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.CANCELLED, JobStatus.FAILED}),
    JobStatus.RUNNING: frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED}),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}


def statuses_that_may_become(target: JobStatus) -> list[JobStatus]:
    """The statuses from which a job may move to `target`, in a stable order."""
    return [status for status in JobStatus if target in ALLOWED_TRANSITIONS[status]]


class JobNotFound(NotFound):
    """No backtest job has this id."""

    code = "JOB_NOT_FOUND"


MAX_WATCHERS_PER_JOB = 10
"""WebSocket connections one job may have at once (seed 001), on either runtime."""


class TooManyConnections(Conflict):
    """The job already has the maximum number of live WebSocket connections."""

    code = "TOO_MANY_CONNECTIONS"


class InvalidTransition(Conflict):
    """The job's current status does not allow the requested change (e.g. cancelling a finished job)."""

    code = "INVALID_TRANSITION"

    def __init__(self, job_id: str, current: JobStatus | None, target: JobStatus) -> None:
        super().__init__(f"backtest job {job_id} is {current or 'unknown'} and cannot become {target}")
        self.current = current
        self.target = target


class Progress(BaseModel):
    """How far a running job is: `current` of `total` steps."""

    current: int = Field(ge=0)
    total: int = Field(ge=1)

    @property
    def percentage(self) -> float:
        """Share done, 0-100, one decimal."""
        return round(min(self.current, self.total) * 100 / self.total, 1)


class JobFailure(BaseModel):
    """Why a job failed: a stable code and a message for people."""

    code: str
    message: str


class BacktestJob(BaseModel):
    """One job as stored: the request that made it, its state, and a summary of its result.

    Most jobs are backtests; a market-data sync job (`kind` DATA_SYNC) has the same shape, with
    the sync request as `request`, empty strategy fields and the sync report as `result`.

    The result summary is a map of metrics; large artifacts (equity, trades, report) live in the
    blob store under `artifacts`.
    """

    model_config = ConfigDict(extra="ignore")  # documents written by a newer version still load

    job_id: str
    kind: JobKind = JobKind.BACKTEST
    """Documents written before kinds existed are backtests."""
    status: JobStatus = JobStatus.QUEUED
    owner: str
    strategy_name: str
    strategy_version: str
    request: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    progress: Progress | None = None
    message: str | None = None
    current_date: str | None = None
    trades_executed: int | None = None
    result: dict[str, Any] | None = None
    error: JobFailure | None = None
    reproducibility: dict[str, Any] | None = None
    artifacts: dict[str, str] = Field(default_factory=dict)
    worker_pid: int | None = None
    """The local worker process running the job (local runtime only)."""

    @field_validator("result", "progress", "error", "reproducibility", mode="before")
    @classmethod
    def _parse_legacy_json_strings(cls, value: object) -> object:
        """Read maps that an older code path stored as JSON strings (bug B1 of seed 000)."""
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return None
        return value
