"""Market-data shapes (seed 001's data routes, with per-symbol sync outcomes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradai.api.schemas.jobs import BacktestJobPublic, JobErrorPublic, ProgressPublic
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.domain.market_data import Freshness
from tradai.services.market_data import SyncReport


class SymbolsResponse(BaseModel):
    """The symbols an exchange lists, or those stored for it."""

    symbols: list[str]
    exchange: str
    count: int
    last_updated: datetime = Field(description="When the list was taken from its source (the cache time).")


class FreshnessPublic(BaseModel):
    """How old one symbol's newest stored bar is."""

    last_update: datetime | None = Field(description="Open time of the newest stored bar; null if none.")
    hours_old: int | None
    is_stale: bool

    @classmethod
    def of(cls, freshness: Freshness) -> FreshnessPublic:
        """Build from the domain value."""
        return cls(
            last_update=freshness.last_update, hours_old=freshness.hours_old, is_stale=freshness.is_stale
        )


class FreshnessResponse(BaseModel):
    """Freshness of each asked-for symbol."""

    freshness: dict[str, FreshnessPublic]
    threshold_hours: int
    checked_at: datetime


class SyncBody(BaseModel):
    """What to sync."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "symbols": ["BTC/USDT:USDT", "ETH/USDT:USDT"],
                "exchange": "binance_futures",
                "timeframe": "1h",
                "force_refresh": False,
            }
        },
    )

    symbols: list[Annotated[str, Field(max_length=64)]] = Field(
        min_length=1, max_length=50, description="ccxt unified symbols."
    )
    exchange: str = Field(default="binance_futures", max_length=40)
    timeframe: str = Field(default="1h", max_length=8)
    start: datetime | None = Field(
        default=None, description="Where to start when nothing is stored yet, or with force_refresh."
    )
    force_refresh: bool = Field(default=False, description="Download the range again, replacing stored bars.")


class GapPublic(BaseModel):
    """Bars the exchange has no data for."""

    start: datetime
    end: datetime
    missing: int


class SymbolSyncPublic(BaseModel):
    """One symbol's sync outcome; on error, bars fetched before it are kept."""

    symbol: str
    new_rows: int
    fetched_rows: int
    gaps: list[GapPublic]
    data_version: str | None
    error: str | None = None
    error_code: str | None = None


class SyncResponse(BaseModel):
    """A finished sync (seed 001), with each symbol's outcome."""

    status: Literal["completed", "partial", "failed"]
    symbols_synced: int
    new_rows: int
    sync_duration_ms: int
    completed_at: datetime
    results: list[SymbolSyncPublic]

    @classmethod
    def of(cls, report: SyncReport) -> SyncResponse:
        """Build from the service's report."""
        return cls.model_validate(report.to_document())


class SyncJobAccepted(BaseModel):
    """A sync queued as a background job (202)."""

    job_id: str
    status: JobStatus
    created_at: datetime
    estimated_bars: int = Field(description="Bars the sync was estimated to fetch.")
    status_url: str = Field(description="Where its progress and report are read.")

    @classmethod
    def of(cls, job: BacktestJob, *, estimated_bars: int) -> SyncJobAccepted:
        """Build from the queued job."""
        return cls(
            job_id=job.job_id,
            status=job.status,
            created_at=job.created_at,
            estimated_bars=estimated_bars,
            status_url=f"/api/v1/data/sync/{job.job_id}",
        )


class SyncJobPublic(BaseModel):
    """A background sync as clients see it: a backtest job's fields, with the sync request and report."""

    job_id: str
    status: JobStatus
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    progress: ProgressPublic | None = Field(default=None, description="Bars fetched of the estimate.")
    message: str | None = None
    request: SyncBody
    result: SyncResponse | None = Field(default=None, description="The sync report, once COMPLETED.")
    error: JobErrorPublic | None = None

    @classmethod
    def from_job(cls, job: BacktestJob) -> SyncJobPublic:
        """The public view of a stored sync job."""
        common = BacktestJobPublic.from_job(job)
        return cls(
            **common.model_dump(
                include={"job_id", "status", "created_at", "updated_at", "started_at", "completed_at"}
            ),
            progress=common.progress,
            message=common.message,
            request=SyncBody.model_validate(job.request),
            result=SyncResponse.model_validate(job.result) if job.result else None,
            error=common.error,
        )
