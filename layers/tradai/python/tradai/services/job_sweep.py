"""Start jobs left QUEUED: their submitter stored them and died before starting them.

In AWS a function stores a job, then starts it (the backtests Lambda: `StartExecution`; the data
Lambda: an ECS task for a large market-data sync); if it dies in between (a timeout, a crash) and
no `Idempotency-Key` replay comes, nothing else would ever pick the job up. A scheduled sweep finds
the QUEUED jobs of each kind older than a threshold through the status index and submits each again
to the executor of its kind. That is safe against every race: starting is idempotent (the execution
is named by the job id; a sync's task is found by `startedBy` and the RunTask carries the job id as
its client token), so a job whose worker did start is not started twice, and a refusal marks the
job FAILED `JOB_NOT_STARTED` only on the condition that it is still QUEUED (`services.job_start`),
so a job started or cancelled meanwhile is untouched.

Locally nothing needs sweeping: the server's executor holds its QUEUED jobs in memory and, on
start, queues again those a previous server left QUEUED (`adapters/process_executor.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tradai.domain.jobs import JobKind, JobStatus
from tradai.ports import DocumentStore, JobExecutor
from tradai.services.job_repository import JobRepository
from tradai.services.job_start import JobNotStarted, start_job

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one sweep did, by job id."""

    started: list[str] = field(default_factory=list)
    """Submitted again, or found started already (the executor knows the job's worker)."""
    failed: list[str] = field(default_factory=list)
    """Refused by the executor: now FAILED with `JOB_NOT_STARTED`."""
    moved_on: list[str] = field(default_factory=list)
    """No longer QUEUED when settled (started or cancelled meanwhile): left as they are."""


def sweep_queued_jobs(
    *,
    store: DocumentStore,
    executors: Mapping[JobKind, JobExecutor],
    now: datetime,
    older_than: timedelta,
    limit: int = 100,
) -> SweepReport:
    """Submit again the QUEUED jobs created more than `older_than` before `now`, kind by kind, oldest first.

    Args:
        store: the document store holding the jobs.
        executors: what starts each kind of job (Step Functions for backtests, ECS for syncs in
            AWS); starting a started job is a no-op. A kind without one is not swept.
        now: the sweep's time.
        older_than: how long a job may wait QUEUED before it counts as abandoned; well above the
            submitting function's timeout, so a submission still under way is never swept.
        limit: at most this many jobs of each kind per sweep (the next sweep takes the rest).

    Returns:
        Which jobs were started, failed, or had moved on by themselves.
    """
    report = SweepReport()
    jobs = JobRepository(store)
    for kind, executor in executors.items():
        for job in jobs.queued_before(now - older_than, limit=limit, kind=kind):
            log.warning(
                "%s job %s has been QUEUED since %s; starting it",
                kind.value,
                job.job_id,
                job.created_at.isoformat(),
            )
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
