"""Backtest job use cases: list, read, cancel (submission arrives with the executor, issue 5)."""

from __future__ import annotations

from datetime import datetime

from tradai.domain.jobs import BacktestJob, JobKind, JobStatus
from tradai.ports import JobExecutor
from tradai.services.job_repository import JobPage, JobRepository


def list_jobs(
    *, jobs: JobRepository, status: JobStatus | None, limit: int, cursor: str | None
) -> tuple[JobPage, int]:
    """A page of jobs, newest first, and how many there are in all (of that status)."""
    return jobs.list(status=status, limit=limit, cursor=cursor), jobs.count(status=status)


def get_job(*, jobs: JobRepository, job_id: str, kind: JobKind = JobKind.BACKTEST) -> BacktestJob:
    """One job of `kind`. Raises `JobNotFound` (also for a job of another kind)."""
    return jobs.get(job_id, kind=kind)


def cancel_job(
    *,
    jobs: JobRepository,
    executor: JobExecutor | None,
    job_id: str,
    now: datetime,
    kind: JobKind = JobKind.BACKTEST,
) -> BacktestJob:
    """Cancel a QUEUED or RUNNING job of `kind` and stop its worker.

    The status is written first, with a condition, so a job finishing at the same moment ends in
    exactly one terminal state; then the worker is told to stop.

    Raises:
        JobNotFound: no such job (of this kind).
        InvalidTransition: the job already finished.
    """
    jobs.get(job_id, kind=kind)
    job = jobs.transition(
        job_id, JobStatus.CANCELLED, at=now, changes={"completed_at": now.isoformat(), "message": "Cancelled"}
    )
    if executor is not None:
        executor.cancel(job_id)
    return job
