"""Start backtest jobs left QUEUED: their submitter stored them and died before starting them.

In AWS the backtests Lambda stores a job, then calls `StartExecution`; if it dies in between (a
timeout, a crash) and no `Idempotency-Key` replay comes, nothing else would ever pick the job up. A
scheduled sweep finds QUEUED jobs older than a threshold through the status index and submits each
again. That is safe against every race: the execution is named by the job id, so a job whose
execution did start answers `ExecutionAlreadyExists` (started, nothing more to do: the state machine
moves its status on), and a refusal marks the job FAILED `JOB_NOT_STARTED` only on the condition
that it is still QUEUED (`services.job_start`), so a job started or cancelled meanwhile is untouched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tradai.domain.jobs import JobStatus
from tradai.ports import DocumentStore, JobExecutor
from tradai.services.job_repository import JobRepository
from tradai.services.job_start import JobNotStarted, start_job

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one sweep did, by job id."""

    started: list[str] = field(default_factory=list)
    """Submitted again, or found started already (execution name = job id)."""
    failed: list[str] = field(default_factory=list)
    """Refused by the executor: now FAILED with `JOB_NOT_STARTED`."""
    moved_on: list[str] = field(default_factory=list)
    """No longer QUEUED when settled (started or cancelled meanwhile): left as they are."""


def sweep_queued_jobs(
    *,
    store: DocumentStore,
    executor: JobExecutor,
    now: datetime,
    older_than: timedelta,
    limit: int = 100,
) -> SweepReport:
    """Submit again the QUEUED backtest jobs created more than `older_than` before `now`, oldest first.

    Args:
        store: the document store holding the jobs.
        executor: starts a job (Step Functions in AWS); starting a started job is a no-op.
        now: the sweep's time.
        older_than: how long a job may wait QUEUED before it counts as abandoned; well above the
            submitting function's timeout, so a submission still under way is never swept.
        limit: at most this many jobs per sweep (the next sweep takes the rest).

    Returns:
        Which jobs were started, failed, or had moved on by themselves.
    """
    report = SweepReport()
    for job in JobRepository(store).queued_before(now - older_than, limit=limit):
        log.warning("job %s has been QUEUED since %s; starting it", job.job_id, job.created_at.isoformat())
        try:
            settled = start_job(store=store, executor=executor, job=job, now=now)
        except JobNotStarted:
            report.failed.append(job.job_id)
            continue
        if settled.status is JobStatus.QUEUED:
            report.started.append(job.job_id)
        else:
            report.moved_on.append(job.job_id)
    return report
