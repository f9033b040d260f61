"""Backtest jobs: `/api/v1/backtests` (seed 001): list, read, cancel; submitting is `backtest_submission`."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query

from tradai.api.auth import Trader, Viewer
from tradai.api.deps import ContainerDep
from tradai.api.schemas.backtests import BacktestJobList, BacktestJobPublic
from tradai.api.schemas.common import error_doc
from tradai.domain.clock import utc_now
from tradai.domain.jobs import JobStatus
from tradai.services import backtests
from tradai.services.job_repository import JobRepository

router = APIRouter(prefix="/api/v1/backtests", tags=["backtests"])

JobId = Annotated[UUID, Path(description="A backtest job id (UUID)")]


@router.get("", response_model=BacktestJobList, summary="List backtest jobs, newest first")
def list_backtests(
    container: ContainerDep,
    _: Viewer,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048, description="From the previous page")] = None,
    status: Annotated[JobStatus | None, Query(description="Only jobs with this status")] = None,
    status_param: Annotated[JobStatus | None, Query(description="Alias of `status` (seed 001)")] = None,
) -> BacktestJobList:
    page, total = backtests.list_jobs(
        jobs=JobRepository(container.store), status=status or status_param, limit=limit, cursor=cursor
    )
    return BacktestJobList(
        jobs=[BacktestJobPublic.from_job(job) for job in page.jobs], cursor=page.cursor, total=total
    )


@router.get(
    "/{job_id}",
    response_model=BacktestJobPublic,
    summary="A backtest job: status, progress, result or error",
    responses=error_doc(404, "Not Found"),
)
def get_backtest(container: ContainerDep, _: Viewer, job_id: JobId) -> BacktestJobPublic:
    job = backtests.get_job(jobs=JobRepository(container.store), job_id=str(job_id))
    return BacktestJobPublic.from_job(job)


@router.post(
    "/{job_id}/cancel",
    response_model=BacktestJobPublic,
    summary="Cancel a queued or running job",
    responses=error_doc(404, "Not Found") | error_doc(409, "Already finished"),
)
def cancel_backtest(container: ContainerDep, _: Trader, job_id: JobId) -> BacktestJobPublic:
    job = backtests.cancel_job(
        jobs=JobRepository(container.store), executor=container.executor, job_id=str(job_id), now=utc_now()
    )
    return BacktestJobPublic.from_job(job)
