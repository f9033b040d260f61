"""Market data: `/api/v1/data/symbols`, `/freshness` and `/sync` (seed 001)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from tradai.api.auth import Trader, Viewer
from tradai.api.deps import ContainerDep
from tradai.api.schemas.common import error_doc
from tradai.api.schemas.data import (
    FreshnessPublic,
    FreshnessResponse,
    SymbolsResponse,
    SyncBody,
    SyncJobAccepted,
    SyncJobPublic,
    SyncResponse,
)
from tradai.domain.clock import utc_now
from tradai.domain.errors import ExchangeUnavailable, MarketDataUnavailable
from tradai.domain.jobs import JobKind
from tradai.ports import Exchange, MarketData
from tradai.services import backtests as jobs_service
from tradai.services.job_repository import JobRepository
from tradai.services.market_data import SyncRequest, check_freshness, list_symbols

router = APIRouter(prefix="/api/v1/data", tags=["data"])
MAX_FRESHNESS_SYMBOLS = 100

ExchangeName = Annotated[
    str, Query(alias="exchange", max_length=40, description="binance_futures, binance, or a ccxt id.")
]


def get_exchange(container: ContainerDep) -> Exchange:
    """The process's exchange adapter (ccxt, with its markets cache); tests override this dependency."""
    if container.exchange is None:
        raise ExchangeUnavailable("no exchange access is configured in this runtime")
    return container.exchange


def get_market_data(container: ContainerDep) -> MarketData:
    """The market-data store; 503 where this runtime has none."""
    if container.market_data is None:
        raise MarketDataUnavailable("the market-data store is not configured in this runtime")
    return container.market_data


ExchangeDep = Annotated[Exchange, Depends(get_exchange)]
MarketDataDep = Annotated[MarketData, Depends(get_market_data)]


@router.get("/symbols", response_model=SymbolsResponse, summary="Symbols an exchange lists, or those stored")
def get_symbols(
    _: Viewer,
    market_data: MarketDataDep,
    exchange: ExchangeDep,
    exchange_name: ExchangeName = "binance_futures",
    source: Literal["exchange", "stored"] = Query(
        "exchange", description="exchange: the exchange's markets (cached); stored: symbols with stored bars."
    ),
) -> SymbolsResponse:
    listing = list_symbols(
        market_data=market_data, exchange=exchange, name=exchange_name, source=source, now=utc_now()
    )
    return SymbolsResponse(
        symbols=listing.symbols,
        exchange=exchange_name,
        count=len(listing.symbols),
        last_updated=listing.fetched_at,
    )


@router.get("/freshness", response_model=FreshnessResponse, summary="How old each symbol's stored data is")
def get_freshness(
    _: Viewer,
    market_data: MarketDataDep,
    symbols: list[str] = Query(
        default_factory=list,
        max_length=MAX_FRESHNESS_SYMBOLS,
        description="Repeat it, or separate symbols by commas (at most 100 symbols).",
    ),
    symbols_brackets: list[str] = Query(
        default_factory=list, alias="symbols[]", max_length=MAX_FRESHNESS_SYMBOLS, include_in_schema=False
    ),
    stale_threshold_hours: int = Query(24, ge=1, le=24 * 365),
    exchange_name: ExchangeName = "binance_futures",
) -> FreshnessResponse:
    # Clients send `symbols=A&symbols=B`, `symbols[]=A` (seed 001) or `symbols=A,B`: accept all three.
    given = [part.strip() for value in [*symbols, *symbols_brackets] for part in value.split(",")]
    wanted = list(dict.fromkeys(symbol for symbol in given if symbol))
    if not wanted:  # the issue asks for 422 here: a missing parameter, not a bad value
        raise RequestValidationError(
            [{"loc": ("query", "symbols"), "msg": "at least one symbol is required", "type": "missing"}]
        )
    if len(given) > MAX_FRESHNESS_SYMBOLS:  # counted after splitting, so commas cannot get around it
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "symbols"),
                    "msg": f"at most {MAX_FRESHNESS_SYMBOLS} symbols per request",
                    "type": "too_long",
                }
            ]
        )
    now = utc_now()
    freshness = check_freshness(
        market_data=market_data,
        exchange=exchange_name,
        symbols=wanted,
        threshold_hours=stale_threshold_hours,
        now=now,
    )
    return FreshnessResponse(
        freshness={symbol: FreshnessPublic.of(item) for symbol, item in freshness.items()},
        threshold_hours=stale_threshold_hours,
        checked_at=now,
    )


@router.post(
    "/sync",
    response_model=SyncResponse,
    summary="Fetch missing bars from the exchange and store them",
    description=(
        "Small syncs run at once and answer 200 with the report. A sync estimated at more bars than "
        "TRADAI_SYNC_INLINE_MAX_BARS (default 10,000) runs as a background job: 202 with its job id; "
        "follow it at `GET /api/v1/data/sync/{job_id}` or over the job WebSocket, like a backtest. "
        "A job whose worker cannot be started is FAILED and answered 503 JOB_NOT_STARTED."
    ),
    responses=error_doc(503, "The exchange, or the sync worker, is unavailable")
    | {202: {"model": SyncJobAccepted, "description": "Queued as a background job"}},
)
def post_sync(
    container: ContainerDep,
    principal: Trader,
    market_data: MarketDataDep,
    exchange: ExchangeDep,
    body: SyncBody,
) -> SyncResponse | JSONResponse:
    from tradai.services.sync_jobs import start_sync  # job machinery only for a sync, not at cold start

    started = start_sync(
        market_data=market_data,
        exchange=exchange,
        store=container.store,
        executor=container.sync_executor,
        request=SyncRequest(**body.model_dump()),
        owner=principal.subject,
        inline_max_bars=container.settings.sync_inline_max_bars,
        now=utc_now(),
    )
    if started.report is not None:
        return SyncResponse.of(started.report)
    assert started.job is not None
    accepted = SyncJobAccepted.of(started.job, estimated_bars=started.estimated_bars)
    return JSONResponse(accepted.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)


SyncJobId = Annotated[UUID, Path(description="A sync job id (UUID), as answered by POST /sync")]


@router.get(
    "/sync/{job_id}",
    response_model=SyncJobPublic,
    summary="A background sync: status, progress, and its report when done",
    responses=error_doc(404, "Not Found"),
)
def get_sync_job(container: ContainerDep, _: Viewer, job_id: SyncJobId) -> SyncJobPublic:
    from tradai.services.sync_jobs import settle_lost_sync  # job machinery only here, not at cold start

    jobs = JobRepository(container.store)
    job = jobs_service.get_job(jobs=jobs, job_id=str(job_id), kind=JobKind.DATA_SYNC)
    job = settle_lost_sync(
        job,
        jobs=jobs,
        executor=container.sync_executor,
        lost_after=timedelta(seconds=container.settings.sync_lost_after_seconds),
        now=utc_now(),
    )
    return SyncJobPublic.from_job(job)


@router.post(
    "/sync/{job_id}/cancel",
    response_model=SyncJobPublic,
    summary="Cancel a queued or running sync (bars fetched so far are kept)",
    responses=error_doc(404, "Not Found") | error_doc(409, "Already finished"),
)
def cancel_sync_job(container: ContainerDep, _: Trader, job_id: SyncJobId) -> SyncJobPublic:
    job = jobs_service.cancel_job(
        jobs=JobRepository(container.store),
        executor=container.sync_executor,
        job_id=str(job_id),
        now=utc_now(),
        kind=JobKind.DATA_SYNC,
    )
    return SyncJobPublic.from_job(job)
