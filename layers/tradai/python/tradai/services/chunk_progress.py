"""Progress of a job whose chunks run at once on several workers (the AWS runtime).

Each chunk keeps its own share done in a small item of its own (no write contention on the job),
then writes the sum over all chunks to the job, with the same RUNNING condition and throttling as
a single worker. Writes of several chunks may interleave, but each sums what is stored, so the
last write of the last chunk leaves the true total.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tradai.domain.clock import Clock, utc_now
from tradai.domain.jobs import BacktestJob
from tradai.domain.store import Key, Record
from tradai.ports import DocumentStore
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import JobReporter

STEPS_PER_CHUNK = 1000
_KEEP = timedelta(days=7)


def chunks_partition(job_id: str) -> str:
    """The partition holding the per-chunk progress items of one job."""
    return f"JOBCHUNKS#{job_id}"


class ChunkReporter(JobReporter):
    """A `JobReporter` for chunk `chunk` of `chunks`: progress is the sum over every chunk."""

    def __init__(
        self,
        *,
        job_id: str,
        store: DocumentStore,
        chunk: int,
        chunks: int,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            job_id=job_id, jobs=JobRepository(store), events=None, clock=clock, monotonic=monotonic
        )
        self._store = store
        self._chunk = chunk
        self._chunks = chunks

    def _record(self, changes: dict[str, Any]) -> BacktestJob | None:
        progress = changes["progress"]
        share = min(progress["current"], progress["total"]) * STEPS_PER_CHUNK // progress["total"]
        partition = chunks_partition(self.job_id)
        expires = int((self._clock() + _KEEP).timestamp())
        mine = Key(partition, f"CHUNK#{self._chunk:04d}")
        self._store.put(Record(mine, {"done": share}, expires_at=expires))
        done = sum(int(record.data["done"]) for record in self._store.query(partition, limit=1000).records)
        combined = {**changes, "progress": {"current": done, "total": self._chunks * STEPS_PER_CHUNK}}
        if self._chunks > 1 and "message" in changes:
            combined["message"] = f"Chunk {self._chunk + 1}/{self._chunks}: {changes['message']}"
        return super()._record(combined)
