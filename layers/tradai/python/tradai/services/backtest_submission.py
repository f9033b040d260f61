"""Submit a backtest job: validate it, store it (idempotently), hand it to the executor."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.errors import ConditionFailed, Conflict, InvalidInput, NoMarketData, Unavailable
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.domain.store import Attr, ItemAbsent, Key, Put, Record
from tradai.domain.strategies import UnknownStrategy
from tradai.ports import DocumentStore, JobExecutor, MarketData, StrategyCatalog
from tradai.services.job_repository import JobRepository
from tradai.services.job_start import never_started, start_job

IDEMPOTENCY_TTL = timedelta(hours=24)


class InvalidDateRange(InvalidInput):
    """The date range is empty or reversed."""

    code = "INVALID_DATE_RANGE"


class IdempotencyKeyReused(Conflict):
    """The Idempotency-Key was already used for a different request."""

    code = "IDEMPOTENCY_KEY_REUSED"


@dataclass(frozen=True)
class Submission:
    """The job a submission stands for, and whether this call created it."""

    job: BacktestJob
    created: bool


def submit_backtest(
    *,
    store: DocumentStore,
    catalog: StrategyCatalog,
    bars: MarketData | None,
    executor: JobExecutor | None,
    spec: BacktestSpec,
    owner: str,
    idempotency_key: str | None,
    now: datetime,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> Submission:
    """Check a backtest request against the strategies and the stored data, then queue it.

    A repeated `idempotency_key` (per owner, for 24 h) returns the job of the first call (starting it
    if it is still QUEUED), whatever became of it, except a job that never ran because it could not
    be started (FAILED `JOB_NOT_STARTED`, by this call or by the job sweeper): such a key is free again,
    and the call submits afresh under it.

    Raises:
        InvalidDateRange: start is not before end.
        UnknownStrategy: no such strategy or version.
        InvalidStrategyParameters: a parameter value is invalid.
        NoMarketData: a symbol has no stored bars in the range.
        IdempotencyKeyReused: the key came with a different request.
        JobNotStarted: the job was stored but could not be started; it is FAILED (HTTP 503).
    """
    jobs = JobRepository(store)
    request_hash = _fingerprint(spec)
    taken: KeyUse | None = None
    if idempotency_key:
        taken = _key_use(store, jobs, owner, idempotency_key)
        if taken is not None and not never_started(taken.job):
            _require_same_request(taken, request_hash)
            return Submission(_restart(store, executor, taken.job, now), created=False)
    resolved = _validated(spec, catalog, bars)
    job = BacktestJob(
        job_id=new_id(),
        owner=owner,
        strategy_name=resolved.strategy_config.name,
        strategy_version=resolved.strategy_config.version or "",
        request=resolved.model_dump(mode="json"),
        created_at=now,
        updated_at=now,
        message="Queued",
    )
    operations: list[Put] = [jobs.create_operation(job)]
    if idempotency_key:
        # Taken over from a job that never started only while it still points there: a concurrent
        # retry that took the key first wins, and this call answers with its job.
        free = ItemAbsent() if taken is None else Attr("job_id").eq(taken.job.job_id)
        operations.append(
            Put(
                Record(
                    _idempotency_key(owner, idempotency_key),
                    {"job_id": job.job_id, "request_hash": request_hash},
                    expires_at=int((now + IDEMPOTENCY_TTL).timestamp()),
                ),
                condition=free,
            )
        )
    try:
        store.transact(operations)
    except ConditionFailed:
        # A concurrent retry with the same key won the race: answer with its job.
        winner = _key_use(store, jobs, owner, idempotency_key or "")
        if winner is None or never_started(winner.job):
            raise
        _require_same_request(winner, request_hash)
        return Submission(winner.job, created=False)
    if executor is not None:
        job = start_job(store=store, executor=executor, job=job, now=now)
    return Submission(job, created=True)


def _restart(
    store: DocumentStore, executor: JobExecutor | None, job: BacktestJob, now: datetime
) -> BacktestJob:
    """Submit a replayed job again while it is QUEUED: the first call may have died before starting it.

    Starting is idempotent (the Step Functions execution is named by the job id; the local executor
    ignores a job it already holds), so a job that did start is not run twice.
    """
    if executor is None or job.status is not JobStatus.QUEUED:
        return job
    return start_job(store=store, executor=executor, job=job, now=now)


def _validated(spec: BacktestSpec, catalog: StrategyCatalog, bars: MarketData | None) -> BacktestSpec:
    if spec.date_range.start >= spec.date_range.end:
        raise InvalidDateRange("date_range.start must be before date_range.end")
    config = spec.strategy_config
    info = catalog.describe(config.name)
    if config.version is not None and config.version != info.version:
        raise UnknownStrategy(f"strategy {info.name!r} has version {info.version}, not {config.version}")
    parameters = catalog.resolve_parameters(info.name, config.parameters)
    unknown = sorted(set(spec.parameter_space or {}) - set(info.parameters))
    if unknown:
        raise InvalidInput(f"parameter_space names unknown parameters: {', '.join(unknown)}")
    symbols = spec.symbols or list(info.pairs)
    if not symbols:
        raise InvalidInput(f"strategy {info.name!r} has no default pairs; give symbols")
    _require_data(bars, spec, symbols)
    return spec.model_copy(
        update={
            "strategy_config": config.model_copy(
                update={"name": info.name, "version": info.version, "parameters": parameters}
            ),
            "symbols": symbols,
        }
    )


def _require_data(bars: MarketData | None, spec: BacktestSpec, symbols: list[str]) -> None:
    if bars is None:
        raise Unavailable("the market-data store is not available in this runtime")
    missing = []
    for symbol in symbols:
        coverage = bars.coverage(exchange=spec.exchange, symbol=symbol, timeframe=spec.timeframe)
        if coverage is None or coverage[1] < spec.date_range.start or coverage[0] > spec.date_range.end:
            missing.append(symbol)
    if missing:
        raise NoMarketData(
            f"no {spec.timeframe} bars stored on {spec.exchange} for {', '.join(missing)} "
            f"between {spec.date_range.start.isoformat()} and {spec.date_range.end.isoformat()}"
        )


def _idempotency_key(owner: str, key: str) -> Key:
    digest = hashlib.sha256(owner.encode() + b"\0" + key.encode()).hexdigest()
    return Key(f"IDEMPOTENCY#{digest}", "BACKTEST")


@dataclass(frozen=True)
class KeyUse:
    """The job an Idempotency-Key was used for, and the fingerprint of that request."""

    job: BacktestJob
    request_hash: str


def _key_use(store: DocumentStore, jobs: JobRepository, owner: str, key: str) -> KeyUse | None:
    record = store.get(_idempotency_key(owner, key))
    if record is None:
        return None
    return KeyUse(jobs.get(str(record.data["job_id"])), str(record.data.get("request_hash")))


def _require_same_request(use: KeyUse, request_hash: str) -> None:
    if use.request_hash != request_hash:
        raise IdempotencyKeyReused("this Idempotency-Key was used for a different request")


def _fingerprint(spec: BacktestSpec) -> str:
    return hashlib.sha256(json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
