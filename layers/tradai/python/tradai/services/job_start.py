"""Hand a stored QUEUED job to its executor, so that a job that cannot start never stays QUEUED.

In AWS nothing else would ever pick a QUEUED job up: if `StartExecution` fails (throttled past
botocore's retries, access denied, the state machine missing), the job is marked FAILED with the
cause in one conditional write and the caller gets 503 `JOB_NOT_STARTED`. Such a job never ran, so
its `Idempotency-Key` stands for nothing: a retry with the key submits afresh (`never_started`,
read by `services.backtest_submission`), whoever failed the job (this call, or the job sweeper,
which does not know the key).
"""

from __future__ import annotations

import logging
from datetime import datetime

from tradai.domain.errors import ConditionFailed, Unavailable
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.ports import DocumentStore, JobExecutor
from tradai.services.job_repository import JobRepository, transition_operation

log = logging.getLogger(__name__)


class JobNotStarted(Unavailable):
    """The job was stored but its executor could not start it; it is FAILED, submit it again."""

    code = "JOB_NOT_STARTED"


def never_started(job: BacktestJob) -> bool:
    """Whether the job is FAILED because its executor could not start it: it never ran at all."""
    return job.status is JobStatus.FAILED and job.error is not None and job.error.code == JobNotStarted.code


def start_job(*, store: DocumentStore, executor: JobExecutor, job: BacktestJob, now: datetime) -> BacktestJob:
    """Submit the QUEUED `job`; if that fails, mark it FAILED with the cause.

    Returns:
        The job as it now is: QUEUED, or further along when the executor had in fact started it
        (an answer lost after the execution began).

    Raises:
        JobNotStarted: the executor refused or could not be reached; the job is FAILED with the cause.
    """
    try:
        executor.submit(job.job_id)
    except Unavailable as cause:
        return _mark_not_started(store, job, cause, now=now)
    return job


def _mark_not_started(
    store: DocumentStore, job: BacktestJob, cause: Unavailable, *, now: datetime
) -> BacktestJob:
    message = f"the job could not be started: {cause.detail}"
    failed = transition_operation(
        job,
        JobStatus.FAILED,
        at=now,
        changes={
            "error": {"code": JobNotStarted.code, "message": message},
            "message": message,
            "completed_at": now.isoformat(),
        },
        sources=[JobStatus.QUEUED],  # a job its execution already moved on is not failed here
    )
    try:
        store.update(failed)
    except ConditionFailed:
        current = JobRepository(store).get(job.job_id)
        # The execution started after all (its answer was lost) and moved the job on, or it was
        # cancelled meanwhile: either way it is not stuck.
        log.info("job %s is %s despite the executor's error: %s", job.job_id, current.status, cause.detail)
        return current
    log.error("job %s marked FAILED: %s", job.job_id, message, extra={"code": JobNotStarted.code})
    raise JobNotStarted(
        f"{job.kind.value.replace('_', ' ')} job {job.job_id} could not be started ({cause.detail}); "
        "it is marked FAILED, "
        "submit the request again",
        retry_after_seconds=max(cause.retry_after_seconds, 1),
        job_id=job.job_id,
    ) from cause
