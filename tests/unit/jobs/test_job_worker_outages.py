"""A worker's run survives a store outage on progress writes, and a result it cannot store fails the
job with that reason instead of leaving it RUNNING."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.unit.jobs.conftest import T0
from tradai.bootstrap import Container
from tradai.domain.errors import BlobStoreUnavailable, StoreUnavailable
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.domain.store import Record, Update
from tradai.ports import DocumentStore
from tradai.services.chunk_progress import ChunkReporter
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import JobOutcome, JobReporter, execute


class OutageStore:
    """The real store, except that the next `outages` writes of progress fail as DynamoDB throttling does."""

    def __init__(self, store: DocumentStore, outages: int) -> None:
        self._store = store
        self.outages = outages

    def update(self, operation: Update) -> Record:
        if self.outages and "progress" in operation.set:
            self.outages -= 1
            raise StoreUnavailable("ThrottlingException after retries")
        return self._store.update(operation)

    def put(self, record: Record, **options: Any) -> None:
        if self.outages:
            self.outages -= 1
            raise StoreUnavailable("ThrottlingException after retries")
        self._store.put(record, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def reporting_runner(steps: int) -> Callable[[BacktestJob, JobReporter, Container], JobOutcome]:
    def run(job: BacktestJob, reporter: JobReporter, container: Container) -> JobOutcome:
        for step in range(1, steps + 1):
            reporter.progress(step, steps, force=True)
        return JobOutcome(result={"total_return": 0.1})

    return run


def test_given_progress_writes_throttled_when_the_job_runs_then_it_still_completes(
    container: Container, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given: a running job whose first two progress writes meet a throttled store
    job = stored_job(JobStatus.RUNNING)
    jobs = JobRepository(OutageStore(container.store, outages=2))  # type: ignore[arg-type]
    reporter = JobReporter(job_id=job.job_id, jobs=jobs, events=None, clock=lambda: T0)

    # When
    succeeded = execute(job.job_id, runner=reporting_runner(5), reporter=reporter, container=container)

    # Then: the work was not thrown away; later writes recorded progress
    assert succeeded
    done = JobRepository(container.store).get(job.job_id)
    assert done.status is JobStatus.COMPLETED
    assert done.result == {"total_return": 0.1}


def test_given_a_chunks_progress_item_throttled_when_it_runs_then_the_chunk_still_finishes(
    container: Container, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given: the AWS chunk reporter, whose own progress item write is throttled once
    job = stored_job(JobStatus.RUNNING)
    reporter = ChunkReporter(
        job_id=job.job_id,
        store=OutageStore(container.store, outages=1),  # type: ignore[arg-type]
        chunk=0,
        chunks=2,  # the real clock: chunk items expire 7 days after it
    )
    stored: list[JobOutcome] = []

    # When
    succeeded = execute(
        job.job_id, runner=reporting_runner(3), reporter=reporter, container=container, finish=stored.append
    )

    # Then
    assert succeeded
    assert len(stored) == 1
    progress = JobRepository(container.store).get(job.job_id).progress
    assert progress is not None
    assert progress.current == 1000  # this chunk's full share of 2 x 1000


def test_given_a_result_that_cannot_be_stored_when_the_run_ends_then_the_job_fails_saying_so(
    container: Container, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given: a chunk whose outcome file cannot be written (the bucket is unreachable)
    job = stored_job(JobStatus.RUNNING)
    reporter = JobReporter(
        job_id=job.job_id, jobs=JobRepository(container.store), events=None, clock=lambda: T0
    )

    def unreachable_bucket(outcome: JobOutcome) -> None:
        raise BlobStoreUnavailable("S3 could not be reached")

    # When
    succeeded = execute(
        job.job_id,
        runner=reporting_runner(1),
        reporter=reporter,
        container=container,
        finish=unreachable_bucket,
    )

    # Then: the worker exits non-zero and the job says why, instead of staying RUNNING
    assert not succeeded
    failed = JobRepository(container.store).get(job.job_id)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert failed.error.code == "RESULT_NOT_STORED"
    assert "S3 could not be reached" in failed.error.message
