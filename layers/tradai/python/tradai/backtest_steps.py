"""The backtest state machine's Lambda steps: plan a job's chunks; merge them and complete the job;
settle a job whose execution ended where the definition's Catch could not see it; and start jobs
their submitter left QUEUED (backtests and market-data syncs).

`functions/backtest_plan`, `functions/backtest_aggregate`, `functions/execution_status` and
`functions/job_sweeper` are one line each around these. They stay free of the engine and pandas
(the chunks did the computing), so they run on the light layer.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tradai.bootstrap import Container, build_container
from tradai.domain.clock import utc_now
from tradai.domain.errors import Unavailable
from tradai.domain.jobs import InvalidTransition, JobKind, JobNotFound, JobStatus
from tradai.lambda_events import metrics
from tradai.services.backtest_chunks import merge, plan_job
from tradai.services.job_repository import JobRepository
from tradai.services.job_sweep import sweep_queued_jobs
from tradai.services.job_worker import JobReporter
from tradai.settings import get_settings

log = logging.getLogger(__name__)


@cache
def _container() -> Container:
    return build_container(get_settings())


def prime() -> None:
    """Build what the steps' first event would (for a SnapStart snapshot)."""
    _container()


def plan(event: dict[str, Any]) -> dict[str, Any]:
    """Input `{"job_id"}`; writes each chunk's plan to S3 and returns `{"job_id", "chunks": ["0", ...]}`."""
    container = _container()
    job = JobRepository(container.store).get(str(event["job_id"]))
    settings = container.settings
    chunks = plan_job(
        job,
        blobs=container.blobs,
        max_chunks=settings.backtest_max_chunks,
        min_sets_per_chunk=settings.backtest_min_sets_per_chunk,
    )
    metrics().add_metric(name="BacktestChunksPlanned", unit=MetricUnit.Count, value=len(chunks))
    return {"job_id": job.job_id, "chunks": chunks}


def aggregate(event: dict[str, Any]) -> dict[str, Any]:
    """Input `{"job_id", "chunks"}`; merges the chunks' results and marks the job COMPLETED.

    A job no longer RUNNING (cancelled meanwhile) is left as it is. Returns `{"job_id", "status"}`.
    """
    container = _container()
    jobs = JobRepository(container.store)
    job = jobs.get(str(event["job_id"]))
    if job.status is JobStatus.RUNNING:
        outcome = merge(job, blobs=container.blobs, chunks=[str(chunk) for chunk in event["chunks"]])
        if JobReporter(job_id=job.job_id, jobs=jobs, events=None).complete(outcome) is not None:
            metrics().add_metric(name="BacktestsCompleted", unit=MetricUnit.Count, value=1)
    return {"job_id": job.job_id, "status": jobs.get(job.job_id).status.value}


_MAX_REASON_CHARS = 1000
"""A Step Functions cause can be 32 KB (a stack trace); the job keeps its start."""

_ENDINGS = {
    # execution status -> (job status, error code); ABORTED is a stop from outside the API
    "FAILED": (JobStatus.FAILED, "EXECUTION_FAILED"),
    "TIMED_OUT": (JobStatus.FAILED, "EXECUTION_TIMED_OUT"),
    "ABORTED": (JobStatus.CANCELLED, None),
}


def execution_ended(event: dict[str, Any]) -> dict[str, Any]:
    """EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) of a backtest.

    The definition's Catch marks the job FAILED for failures inside the machine; an execution that
    timed out as a whole, was stopped from the console or whose `MarkFailed` itself failed ends
    without it and would leave the job RUNNING forever. Here the job makes the conditional terminal
    transition from QUEUED or RUNNING: a job already COMPLETED, FAILED or CANCELLED (the API's
    cancel stops its execution too) is left as it is, so a redelivered event changes nothing.

    Returns:
        `{"job_id", "status"}`: the job's status afterwards (None when no such job exists).
    """
    detail = event.get("detail") or {}
    job_id = _job_id(detail)
    ending = _ENDINGS.get(str(detail.get("status")))
    jobs = JobRepository(_container().store)
    if job_id is None or ending is None:
        log.warning("ignoring execution event without a job or of status %s", detail.get("status"))
        return {"job_id": job_id, "status": None}
    target, code = ending
    at = _event_time(event)
    reason = _reason(detail)
    changes: dict[str, Any] = {"message": reason, "completed_at": at.isoformat()}
    if code is not None:
        changes["error"] = {"code": code, "message": reason}
    try:
        job = jobs.transition(job_id, target, at=at, changes=changes)
    except JobNotFound:
        log.warning("execution %s ended for an unknown job", detail.get("executionArn"))
        return {"job_id": job_id, "status": None}
    except InvalidTransition as already:
        return {"job_id": job_id, "status": already.current.value if already.current else None}
    log.warning("job %s marked %s: %s", job_id, target, reason)
    metrics().add_metric(name="BacktestsEndedOutsideMachine", unit=MetricUnit.Count, value=1)
    return {"job_id": job.job_id, "status": job.status.value}


def _job_id(detail: dict[str, Any]) -> str | None:
    """The job of an execution: its input's `job_id`, else the execution's name (the same id)."""
    try:
        job_id = json.loads(detail.get("input") or "{}").get("job_id")
    except (ValueError, AttributeError):
        job_id = None
    name = job_id or detail.get("name")
    return str(name) if name else None


def _reason(detail: dict[str, Any]) -> str:
    status = str(detail.get("status"))
    what = {"TIMED_OUT": "timed out", "ABORTED": "was stopped outside the API"}.get(status, "failed")
    error, cause = detail.get("error"), detail.get("cause")
    explained = ": ".join(str(part) for part in (error, cause) if part)[:_MAX_REASON_CHARS]
    return f"the backtest execution {what}" + (f" ({explained})" if explained else "")


def _event_time(event: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return utc_now()


def sweep_queued(event: dict[str, Any]) -> dict[str, Any]:
    """EventBridge schedule: start the jobs left QUEUED past the threshold (`services.job_sweep`).

    Backtests go to the state machine, market-data syncs to their ECS tasks; a kind whose executor
    this stack lacks is not swept.

    Returns:
        `{"started", "failed", "moved_on"}`: the job ids of each outcome.
    """
    container = _container()
    candidates = ((JobKind.BACKTEST, container.executor), (JobKind.DATA_SYNC, container.sync_executor))
    executors = {kind: executor for kind, executor in candidates if executor is not None}
    if not executors:
        raise Unavailable(
            "no job executor is configured (TRADAI_BACKTEST_STATE_MACHINE_ARN, TRADAI_SYNC_TASK_DEFINITION)"
        )
    report = sweep_queued_jobs(
        store=container.store,
        executors=executors,
        now=utc_now(),
        older_than=timedelta(seconds=container.settings.queued_job_sweep_after_seconds),
    )
    metrics().add_metric(name="QueuedJobsRestarted", unit=MetricUnit.Count, value=len(report.started))
    metrics().add_metric(name="QueuedJobsNotStarted", unit=MetricUnit.Count, value=len(report.failed))
    return {"started": report.started, "failed": report.failed, "moved_on": report.moved_on}
