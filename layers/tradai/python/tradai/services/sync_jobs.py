"""Market-data syncs too large to answer inline: queued as jobs and run by a worker like a backtest.

A sync is estimated first (bars from where each symbol resumes up to now). Up to
`Settings.sync_inline_max_bars` it runs inside the request; above that it becomes a DATA_SYNC job:
the same lifecycle, progress, cancellation and WebSocket messages as a backtest job, its result the
sync report. Locally the server's worker processes run sync jobs; in AWS an ECS task each
(`adapters/ecs_sync_executor.py`). Where no executor is configured, every sync runs inline.

A job must never wait for a worker that will not come: a failed start marks it FAILED at once, and
on AWS a job silent for a while is checked against ECS (`settle_lost_sync`) when it is read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from tradai.domain.clock import utc_now
from tradai.domain.errors import Unavailable
from tradai.domain.jobs import BacktestJob, InvalidTransition, JobKind, JobStatus
from tradai.ports import DocumentStore, Exchange, JobExecutor, MarketData, WatchedJobExecutor
from tradai.services.job_repository import JobRepository
from tradai.services.job_start import start_job
from tradai.services.job_worker import JobOutcome, JobReporter
from tradai.services.market_data import SyncReport, SyncRequest, estimate_bars, sync_bars

if TYPE_CHECKING:
    from tradai.bootstrap import Container


@cache
def _request_schema() -> TypeAdapter[SyncRequest]:
    """Built on first use: a TypeAdapter builds its validator at once (cold-start time otherwise)."""
    return TypeAdapter(SyncRequest)


@dataclass(frozen=True)
class SyncStarted:
    """A sync answered inline (`report`), or queued as a job (`job`), with the bars it was estimated at."""

    estimated_bars: int
    report: SyncReport | None = None
    job: BacktestJob | None = None


def start_sync(
    *,
    market_data: MarketData,
    exchange: Exchange,
    store: DocumentStore,
    executor: JobExecutor | None,
    request: SyncRequest,
    owner: str,
    inline_max_bars: int,
    now: datetime,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> SyncStarted:
    """Run a small sync now, or queue a large one as a job.

    Args:
        market_data: where bars are stored.
        exchange: where bars come from (inline syncs).
        store: where jobs are stored.
        executor: what runs sync jobs; None runs every sync inline.
        request: what to sync.
        owner: who asked (the job's owner).
        inline_max_bars: syncs estimated at more bars than this become jobs.
        now: the current time.
        new_id: job id factory.

    Returns:
        The report of an inline sync, or the QUEUED job.

    Raises:
        InvalidInput: a malformed exchange, symbol or timeframe, or no symbols.
        JobNotStarted: the job was queued but the executor could not start it; it is FAILED.
    """
    estimated = estimate_bars(market_data=market_data, request=request, now=now)
    if executor is None or estimated <= inline_max_bars:
        report = sync_bars(market_data=market_data, exchange=exchange, request=request, now=now)
        return SyncStarted(estimated_bars=estimated, report=report)
    job = BacktestJob(
        job_id=new_id(),
        kind=JobKind.DATA_SYNC,
        owner=owner,
        strategy_name="",
        strategy_version="",
        request=_request_schema().dump_python(request, mode="json"),
        created_at=now,
        updated_at=now,
        message=f"Queued: about {estimated:,} bars to fetch",
    )
    JobRepository(store).create(job)
    job = start_job(store=store, executor=executor, job=job, now=now)
    return SyncStarted(estimated_bars=estimated, job=job)


def settle_lost_sync(
    job: BacktestJob,
    *,
    jobs: JobRepository,
    executor: JobExecutor | None,
    lost_after: timedelta,
    now: datetime,
) -> BacktestJob:
    """Mark a QUEUED or RUNNING sync FAILED when its worker is gone (a task that died or never started).

    Only an executor whose workers can die unseen (`WatchedJobExecutor`, ECS) is asked, and only
    about a job silent for `lost_after` (progress writes keep a live one fresh), so a task still
    being placed is never judged lost. If ECS cannot be asked, the job is returned as it is.
    """
    if job.status.is_terminal or not isinstance(executor, WatchedJobExecutor):
        return job
    if now - job.updated_at < lost_after:
        return job
    try:
        reason = executor.worker_gone(job.job_id)
    except Unavailable:
        return job
    if reason is None:
        return job
    return _fail(jobs, job.job_id, code="WORKER_LOST", reason=reason, now=now) or jobs.get(job.job_id)


def _fail(jobs: JobRepository, job_id: str, *, code: str, reason: str, now: datetime) -> BacktestJob | None:
    """Move the job to FAILED with its reason; None if it had finished otherwise meanwhile."""
    changes = {"error": {"code": code, "message": reason}, "message": reason, "completed_at": now.isoformat()}
    try:
        return jobs.transition(job_id, JobStatus.FAILED, at=now, changes=changes)
    except InvalidTransition:
        return None


def run(job: BacktestJob, reporter: JobReporter, container: Container) -> JobOutcome:
    """Run a DATA_SYNC job in a worker: fetch and store, reporting rows fetched of the estimate.

    Each symbol's failure is in the result (bars fetched before it are kept); a cancel stops the
    sync at its next progress report, keeping what was fetched.
    """
    if container.market_data is None or container.exchange is None:
        raise Unavailable("market data or exchange access is not available to this worker")
    market_data, exchange = container.market_data, container.exchange
    request = _request_schema().validate_python(job.request)
    now = utc_now()
    total = max(1, estimate_bars(market_data=market_data, request=request, now=now))
    done_before: dict[str, int] = {}
    fetched: dict[str, int] = {}

    def progress(symbol: str, rows: int) -> None:
        if symbol not in done_before:
            done_before[symbol] = sum(fetched.values())
        fetched[symbol] = rows
        position = request.symbols.index(symbol) + 1
        current = done_before[symbol] + rows
        message = f"Fetching {symbol} ({position}/{len(request.symbols)}): {current:,} of ~{total:,} bars"
        reporter.progress(min(current, total), total, message=message)

    reporter.progress(0, total, message=f"Fetching about {total:,} bars", force=True)
    report = sync_bars(
        market_data=market_data, exchange=exchange, request=request, now=now, on_progress=progress
    )
    fetched_total = sum(item.fetched_rows for item in report.symbols)
    reporter.progress(total, total, message="Stored", force=True)
    return JobOutcome(
        result=report.to_document(),
        message=f"Completed ({report.status}): {report.symbols_synced} of {len(report.symbols)} symbols, "
        f"{fetched_total:,} bars fetched, {report.new_rows:,} new",
    )
