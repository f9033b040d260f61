"""Backtest jobs on the DocumentStore port: keys, indexes and atomic status transitions.

Keys (docs/data-model.md, patterns 1-4): the job at `JOB#<id>`/`JOB`; every backtest in `gsi1`
under `JOBS`, and in `gsi2` under `JOBS#STATUS#<status>`, both sorted by `<created_at>#<id>` so lists
come newest first. Other kinds of job have partitions of their own (`SYNCS`, `SYNCS#STATUS#<status>`),
so a backtest list never shows them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from tradai.domain.errors import ConditionFailed, NotFound
from tradai.domain.jobs import (
    BacktestJob,
    InvalidTransition,
    JobKind,
    JobNotFound,
    JobStatus,
    statuses_that_may_become,
)
from tradai.domain.store import Attr, IndexKey, ItemAbsent, Key, Put, Record, SortKeyRange, Update
from tradai.ports import DocumentStore
from tradai.table_design import JOB_PREFIX

log = logging.getLogger(__name__)

ALL_JOBS = "JOBS"
_BEFORE_ANY_TIME = "0"
"""Sorts before every ISO 8601 time (a range's lower bound; DynamoDB refuses an empty key value)."""
_LIST_PARTITIONS = {JobKind.BACKTEST: ALL_JOBS, JobKind.DATA_SYNC: "SYNCS"}


@dataclass(frozen=True)
class JobPage:
    """One page of jobs, newest first."""

    jobs: list[BacktestJob]
    cursor: str | None


def job_key(job_id: str) -> Key:
    """Where a job is stored."""
    return Key(f"{JOB_PREFIX}{job_id}", "JOB")


def _order_key(job: BacktestJob) -> str:
    return f"{job.created_at.isoformat()}#{job.job_id}"


def _status_partition(status: JobStatus, kind: JobKind = JobKind.BACKTEST) -> str:
    return f"{_LIST_PARTITIONS[kind]}#STATUS#{status.value}"


def job_record(job: BacktestJob) -> Record:
    """The stored form of a job."""
    order = _order_key(job)
    return Record(
        job_key(job.job_id),
        job.model_dump(mode="json"),
        indexes={
            "gsi1": IndexKey(_LIST_PARTITIONS[job.kind], order),
            "gsi2": IndexKey(_status_partition(job.status, job.kind), order),
        },
    )


def transition_operation(
    job: BacktestJob,
    target: JobStatus,
    *,
    at: datetime,
    changes: Mapping[str, Any] | None = None,
    sources: Sequence[JobStatus] | None = None,
) -> Update:
    """The conditional write moving `job` to `target` (for use alone or in a transaction).

    The condition is on the stored status, not on `job.status`: only a status that may become
    `target` (and is among `sources`, when given) passes, so a stale copy cannot overwrite a
    terminal state.
    """
    allowed = [
        status.value for status in statuses_that_may_become(target) if sources is None or status in sources
    ]
    return Update(
        job_key(job.job_id),
        set={**(changes or {}), "status": target.value, "updated_at": at.isoformat()},
        indexes={"gsi2": IndexKey(_status_partition(target, job.kind), _order_key(job))},
        condition=Attr("status").is_in(allowed),
    )


class JobRepository:
    """Reads and writes backtest jobs; every status change is a conditional write."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def create_operation(self, job: BacktestJob) -> Put:
        """The create-only write of a new job, for use alone or in a transaction."""
        return Put(job_record(job), condition=ItemAbsent())

    def create(self, job: BacktestJob) -> None:
        """Store a new job. Raises `ConditionFailed` if the id is taken."""
        self._store.transact([self.create_operation(job)])

    def get(self, job_id: str, *, kind: JobKind | None = None) -> BacktestJob:
        """Return the job (only if it is of `kind`, when given). Raises `JobNotFound`."""
        record = self._store.get(job_key(job_id))
        job = BacktestJob.model_validate(record.data) if record is not None else None
        if job is None or (kind is not None and job.kind != kind):
            noun = "backtest" if kind in (None, JobKind.BACKTEST) else kind.value.replace("_", " ")
            raise JobNotFound(f"{noun} job {job_id} not found")
        return job

    def list(
        self,
        *,
        status: JobStatus | None = None,
        limit: int = 20,
        cursor: str | None = None,
        kind: JobKind = JobKind.BACKTEST,
    ) -> JobPage:
        """Jobs of one kind newest first, optionally of one status; a job that no longer reads is skipped."""
        if status is None:
            partition, index = _LIST_PARTITIONS[kind], "gsi1"
        else:
            partition, index = _status_partition(status, kind), "gsi2"
        page = self._store.query(partition, index=index, descending=True, limit=limit, cursor=cursor)
        return JobPage(
            [job for record in page.records if (job := _readable(record)) is not None], page.cursor
        )

    def queued_before(
        self, cutoff: datetime, *, limit: int = 100, kind: JobKind = JobKind.BACKTEST
    ) -> Sequence[BacktestJob]:
        """QUEUED jobs of one kind created before `cutoff`, oldest first (a keyed query on `gsi2`).

        The status partition is sorted by `<created_at>#<id>`, so the bound is a sort-key range: no scan.
        """
        page = self._store.query(
            _status_partition(JobStatus.QUEUED, kind),
            index="gsi2",
            sk_range=SortKeyRange(_BEFORE_ANY_TIME, cutoff.isoformat()),
            limit=limit,
        )
        return [job for record in page.records if (job := _readable(record)) is not None]

    def count(self, *, status: JobStatus | None = None, kind: JobKind = JobKind.BACKTEST) -> int:
        """How many jobs of one kind exist (of one status)."""
        if status is None:
            return self._store.count(_LIST_PARTITIONS[kind], index="gsi1")
        return self._store.count(_status_partition(status, kind), index="gsi2")

    def transition(
        self, job_id: str, target: JobStatus, *, at: datetime, changes: Mapping[str, Any] | None = None
    ) -> BacktestJob:
        """Move a job to `target` if its current status allows it, applying `changes` in the same write.

        Raises:
            JobNotFound: no such job.
            InvalidTransition: the job's status does not allow the move (it is left untouched).
        """
        current = self.get(job_id)
        try:
            record = self._store.update(transition_operation(current, target, at=at, changes=changes))
        except NotFound as exc:
            raise JobNotFound(f"backtest job {job_id} not found") from exc
        except ConditionFailed as exc:
            found = JobStatus(exc.current["status"]) if exc.current else None
            raise InvalidTransition(job_id, found, target) from exc
        return BacktestJob.model_validate(record.data)

    def record_progress(self, job_id: str, *, at: datetime, changes: Mapping[str, Any]) -> BacktestJob | None:
        """Write progress fields of a RUNNING job; returns None when the job is no longer running."""
        try:
            record = self._store.update(
                Update(
                    job_key(job_id),
                    set={**changes, "updated_at": at.isoformat()},
                    condition=Attr("status").eq(JobStatus.RUNNING.value),
                )
            )
        except (ConditionFailed, NotFound):
            return None
        return BacktestJob.model_validate(record.data)


def _readable(record: Record) -> BacktestJob | None:
    try:
        return BacktestJob.model_validate(record.data)
    except ValidationError as exc:
        # One damaged document must not take the whole list down (bug B1 of seed 000).
        log.error("skipping unreadable job %s: %s", record.key.pk, exc.errors()[:3])
        return None
