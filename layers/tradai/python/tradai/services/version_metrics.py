"""Evidence for strategy versions: their completed backtests, newest first.

A job belongs to a version when it is the version's validation job, or when it ran the same code
with the same parameters: the version's strategy class, its code hash (from the job's
reproducibility record) and its default parameters. Only the newest `SCAN_LIMIT` completed jobs are
read, which bounds a list request; older runs do not count (docs/strategies.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.domain.strategy_versions import StrategyVersion, VersionMetrics
from tradai.ports import DocumentStore
from tradai.services.job_repository import JobRepository

SCAN_LIMIT = 2000
_PAGE = 200

VersionRef = tuple[str, str]
"""(strategy name, version)."""


@dataclass(frozen=True)
class BacktestEvidence:
    """One completed backtest of a version and its headline metrics."""

    job_id: str
    completed_at: datetime | None
    metrics: VersionMetrics


def backtests_by_version(
    *, store: DocumentStore, versions: Iterable[StrategyVersion], scan_limit: int = SCAN_LIMIT
) -> dict[VersionRef, list[BacktestEvidence]]:
    """The completed backtests of each version, newest first (versions without any are absent)."""
    wanted = list(versions)
    by_job = {version.validation_job_id: version for version in wanted if version.validation_job_id}
    by_class: dict[str, list[StrategyVersion]] = {}
    for version in wanted:
        by_class.setdefault(version.strategy_class.lower(), []).append(version)
    found: dict[VersionRef, list[BacktestEvidence]] = {}
    for job in _completed_jobs(store, scan_limit):
        owners = [v for v in by_class.get(job.strategy_name.lower(), []) if _same_run(job, v)]
        if job.job_id in by_job and by_job[job.job_id] not in owners:
            owners.append(by_job[job.job_id])
        for version in owners:
            found.setdefault((version.name, version.version), []).append(_evidence(job))
    return found


def _same_run(job: BacktestJob, version: StrategyVersion) -> bool:
    """Whether the job ran the version's code with its default parameters (any validation job aside)."""
    code_hash = (job.reproducibility or {}).get("code_hash")
    parameters = (job.request.get("strategy_config") or {}).get("parameters")
    return code_hash == version.code_hash and parameters == version.parameters


def latest_metrics(
    *, store: DocumentStore, versions: Iterable[StrategyVersion]
) -> dict[VersionRef, BacktestEvidence]:
    """The latest completed backtest of each version that has one."""
    return {ref: runs[0] for ref, runs in backtests_by_version(store=store, versions=versions).items()}


def _evidence(job: BacktestJob) -> BacktestEvidence:
    return BacktestEvidence(
        job_id=job.job_id,
        completed_at=job.completed_at or job.updated_at,
        metrics=VersionMetrics.from_result(job.result or {}),
    )


def _completed_jobs(store: DocumentStore, scan_limit: int) -> Iterable[BacktestJob]:
    jobs = JobRepository(store)
    cursor: str | None = None
    seen = 0
    while seen < scan_limit:
        page = jobs.list(status=JobStatus.COMPLETED, limit=min(_PAGE, scan_limit - seen), cursor=cursor)
        yield from page.jobs
        seen += len(page.jobs)
        if page.cursor is None:
            return
        cursor = page.cursor
