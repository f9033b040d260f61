"""The Idempotency-Key contract on both stores (SQLite, DynamoDB on moto): a retry replays the job its key
stands for, unless that job never ran because the platform could not start it: then the key is free.

The job sweeper is the case the submit path cannot see: it fails a job long after the client got its
201, and it does not know the job's key. The key must still not keep a lost job's failure forever.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, cast

import pytest

from tests.conftest import FakeClock
from tests.fakes import FakeMarketData
from tests.unit.jobs.conftest import RecordingExecutor
from tests.unit.jobs.test_job_start import RefusingExecutor
from tests.unit.jobs.test_submit_backtest import BODY, body
from tradai.adapters.engine_catalog import EngineStrategyCatalog
from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.clock import utc_now
from tradai.domain.jobs import JobKind, JobStatus
from tradai.domain.store import WriteOperation
from tradai.ports import DocumentStore, JobExecutor
from tradai.services.backtest_submission import IdempotencyKeyReused, Submission, submit_backtest
from tradai.services.job_repository import JobRepository
from tradai.services.job_sweep import sweep_queued_jobs

SUBMITTED = utc_now()
SWEPT = SUBMITTED + timedelta(minutes=10)
RETRIED = SUBMITTED + timedelta(minutes=11)


@pytest.fixture
def clock() -> FakeClock:
    """The stores' clock (which expires records after their TTL) at the retries' time."""
    return FakeClock(RETRIED.timestamp())


def submit(
    store: DocumentStore, executor: JobExecutor | None, *, key: str = "k1", **changes: object
) -> Submission:
    return submit_backtest(
        store=store,
        catalog=EngineStrategyCatalog(),
        bars=FakeMarketData.walking(),
        executor=executor,
        spec=BacktestSpec.model_validate(body(**changes) if changes else BODY),
        owner="alice",
        idempotency_key=key,
        now=RETRIED if executor is not None else SUBMITTED,
    )


def lost_and_swept(store: DocumentStore) -> Submission:
    """A keyed submission stored but never started (its submitter died), failed by the sweep."""
    first = submit(store, executor=None)
    report = sweep_queued_jobs(
        store=store,
        executors={JobKind.BACKTEST: RefusingExecutor()},
        now=SWEPT,
        older_than=timedelta(minutes=5),
    )
    assert report.failed == [first.job.job_id]
    return first


def test_given_a_keyed_job_the_sweep_failed_when_retried_with_its_key_then_a_fresh_job_starts_once(
    store: DocumentStore,
) -> None:
    # Given
    first = lost_and_swept(store)
    executor = RecordingExecutor()

    # When the client retries with the same key, twice
    retried = submit(store, executor)
    again = submit(store, executor)

    # Then: the first retry is a new job that starts; the second replays it (the key is taken again)
    assert retried.created
    assert retried.job.job_id != first.job.job_id
    assert retried.job.status is JobStatus.QUEUED
    assert (again.created, again.job.job_id) == (False, retried.job.job_id)
    assert set(executor.submitted) == {retried.job.job_id}  # a QUEUED replay is started again: idempotent
    # And the lost job keeps its failure, for the record
    assert JobRepository(store).get(first.job.job_id).status is JobStatus.FAILED


def test_given_a_key_whose_job_never_started_when_sent_with_another_body_then_that_request_runs(
    store: DocumentStore,
) -> None:
    # Given: the key's job never ran, so the key stands for nothing the client could have seen run
    lost_and_swept(store)
    executor = RecordingExecutor()

    # When
    other = submit(store, executor, capital=20_000)

    # Then: the key is free, as if it had never been used
    assert other.created
    assert other.job.request["capital"] == 20_000
    assert executor.submitted == [other.job.job_id]


class RetryRacingIn:
    """A store through which one retry runs: just before its write, another retry runs to the end."""

    def __init__(self, store: DocumentStore, other_retry: Callable[[], Submission]) -> None:
        self._store = store
        self._other_retry: Callable[[], Submission] | None = other_retry
        self.other: Submission | None = None

    def transact(self, operations: Sequence[WriteOperation]) -> None:
        if self._other_retry is not None:
            self.other, self._other_retry = self._other_retry(), None
        self._store.transact(operations)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_given_a_lost_keyed_job_when_two_retries_race_then_one_creates_a_job_and_both_get_it(
    store: DocumentStore,
) -> None:
    # Given: both retries read the key's lost job before either writes
    lost_and_swept(store)
    executor = RecordingExecutor()
    racing = RetryRacingIn(store, lambda: submit(store, executor))

    # When
    late = submit(cast(DocumentStore, racing), executor)

    # Then: the first write took the key; the late one answers with that job instead of a second one
    assert racing.other is not None
    assert racing.other.created
    assert (late.created, late.job.job_id) == (False, racing.other.job.job_id)
    assert executor.submitted == [racing.other.job.job_id]
    assert JobRepository(store).count(status=JobStatus.QUEUED) == 1


@pytest.mark.parametrize("ending", [JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.COMPLETED])
def test_given_a_keyed_job_that_ran_or_was_cancelled_when_retried_then_it_is_replayed_as_it_ended(
    store: DocumentStore, ending: JobStatus
) -> None:
    # Given: a job that started (and failed in its run, or completed), or that its owner cancelled
    first = submit(store, executor=None)
    jobs = JobRepository(store)
    if ending is not JobStatus.CANCELLED:
        jobs.transition(first.job.job_id, JobStatus.RUNNING, at=SUBMITTED)
    changes = (
        {"error": {"code": "WORKER_DIED", "message": "exit code -9"}} if ending is JobStatus.FAILED else {}
    )
    jobs.transition(first.job.job_id, ending, at=SWEPT, changes=changes)
    executor = RecordingExecutor()

    # When
    replay = submit(store, executor)

    # Then: the same job, as it ended; nothing runs again (a new run takes a new key)
    assert (replay.created, replay.job.job_id, replay.job.status) == (False, first.job.job_id, ending)
    assert executor.submitted == []
    with pytest.raises(IdempotencyKeyReused):
        submit(store, executor, capital=20_000)
