"""Market-data syncs too large to answer inline: queued as jobs and run by a worker like a backtest.

A sync is estimated first (bars from where each symbol resumes up to now). Up to
`Settings.sync_inline_max_bars` it runs inside the request; above that it becomes a DATA_SYNC job:
the same lifecycle, progress, cancellation and WebSocket messages as a backtest job, its result the
sync report. Where no executor runs sync jobs (the AWS runtime for now), every sync runs inline.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from tradai.domain.clock import utc_now
from tradai.domain.errors import Unavailable
from tradai.domain.jobs import BacktestJob, JobKind
from tradai.ports import DocumentStore, Exchange, JobExecutor, MarketData
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
