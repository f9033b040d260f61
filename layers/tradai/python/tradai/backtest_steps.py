"""The backtest state machine's Lambda steps: plan a job's chunks; merge them and complete the job.

`functions/backtest_plan` and `functions/backtest_aggregate` are one line each around these. Both
stay free of the engine and pandas (the chunks did the computing), so they run on the light layer.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tradai.bootstrap import Container, build_container
from tradai.domain.jobs import JobStatus
from tradai.lambda_events import metrics
from tradai.services.backtest_chunks import merge, plan_job
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import JobReporter
from tradai.settings import get_settings


@cache
def _container() -> Container:
    return build_container(get_settings())


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
