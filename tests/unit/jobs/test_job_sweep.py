"""Sweeping jobs left QUEUED: old ones are started again, fresh and moved-on ones are left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.unit.jobs.conftest import T0, RecordingExecutor
from tradai.bootstrap import Container
from tradai.domain.errors import Unavailable
from tradai.domain.jobs import BacktestJob, JobKind, JobStatus
from tradai.services.job_repository import JobRepository
from tradai.services.job_start import JobNotStarted
from tradai.services.job_sweep import sweep_queued_jobs

FIVE_MINUTES = timedelta(minutes=5)
NOW = T0 + timedelta(minutes=30)


class RefusingExecutor(RecordingExecutor):
    """Step Functions refusing every start (state machine gone, access denied, still throttling)."""

    def __init__(self, before_refusing: Callable[[str], None] = lambda job_id: None) -> None:
        super().__init__()
        self.before_refusing = before_refusing

    def submit(self, job_id: str) -> None:
        super().submit(job_id)
        self.before_refusing(job_id)
        raise Unavailable("StartExecution refused: AccessDeniedException")


def test_given_jobs_queued_long_and_just_now_when_swept_then_only_the_abandoned_ones_start(
    container: Container, stored_job: Callable[..., BacktestJob], repository: JobRepository
) -> None:
    # Given: two jobs queued 30 and 20 minutes before the sweep, one 2 minutes before, one running
    oldest, older = stored_job(minutes=0), stored_job(minutes=10)
    fresh = stored_job(minutes=28)
    stored_job(JobStatus.RUNNING, minutes=1)
    executor = RecordingExecutor()

    # When
    report = sweep_queued_jobs(
        store=container.store, executors={JobKind.BACKTEST: executor}, now=NOW, older_than=FIVE_MINUTES
    )

    # Then: the abandoned ones are submitted, oldest first; the fresh one is its submitter's business
    assert executor.submitted == [oldest.job_id, older.job_id]
    assert report.started == [oldest.job_id, older.job_id]
    assert (report.failed, report.moved_on) == ([], [])
    assert repository.get(fresh.job_id).status is JobStatus.QUEUED


@pytest.mark.parametrize("kind", [JobKind.BACKTEST, JobKind.DATA_SYNC])
def test_given_an_abandoned_job_the_executor_refuses_when_swept_then_failed_with_a_code(
    container: Container,
    stored_job: Callable[..., BacktestJob],
    repository: JobRepository,
    kind: JobKind,
) -> None:
    # Given: a backtest (Step Functions refusing) or a market-data sync (ECS refusing) left QUEUED,
    # in a stack with only that kind's executor
    job = stored_job(minutes=0, kind=kind)

    # When
    report = sweep_queued_jobs(
        store=container.store, executors={kind: RefusingExecutor()}, now=NOW, older_than=FIVE_MINUTES
    )

    # Then: FAILED with the submit path's code and the cause, never QUEUED forever
    failed = repository.get(job.job_id)
    assert report.failed == [job.job_id]
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert failed.error.code == JobNotStarted.code
    assert "AccessDeniedException" in failed.error.message


def test_given_a_job_cancelled_during_the_sweep_when_its_start_is_refused_then_it_stays_cancelled(
    container: Container, stored_job: Callable[..., BacktestJob], repository: JobRepository
) -> None:
    # Given: the user cancels the job while the sweep is starting it
    job = stored_job(minutes=0)

    def cancel(job_id: str) -> None:
        repository.transition(job_id, JobStatus.CANCELLED, at=NOW)

    # When
    report = sweep_queued_jobs(
        store=container.store,
        executors={JobKind.BACKTEST: RefusingExecutor(cancel)},
        now=NOW,
        older_than=FIVE_MINUTES,
    )

    # Then: the conditional write leaves the cancellation as it is
    assert report.moved_on == [job.job_id]
    assert repository.get(job.job_id).status is JobStatus.CANCELLED


def test_given_nothing_abandoned_when_swept_then_nothing_is_submitted(
    container: Container, stored_job: Callable[..., BacktestJob], repository: JobRepository
) -> None:
    # Given
    stored_job(JobStatus.COMPLETED, minutes=0)
    stored_job(JobStatus.CANCELLED, minutes=0)
    stored_job(minutes=29)
    executor = RecordingExecutor()

    # When
    report = sweep_queued_jobs(
        store=container.store, executors={JobKind.BACKTEST: executor}, now=NOW, older_than=FIVE_MINUTES
    )

    # Then
    assert executor.submitted == []
    assert (report.started, report.failed, report.moved_on) == ([], [], [])


def test_given_sync_and_backtest_jobs_left_queued_when_swept_then_each_goes_to_its_own_executor(
    container: Container, stored_job: Callable[..., BacktestJob], repository: JobRepository
) -> None:
    # Given: a backtest and a market-data sync abandoned by their submitters, and a fresh sync
    backtest = stored_job(minutes=0)
    sync = stored_job(minutes=5, kind=JobKind.DATA_SYNC)
    fresh_sync = stored_job(minutes=28, kind=JobKind.DATA_SYNC)
    backtests, syncs = RecordingExecutor(), RecordingExecutor()

    # When
    report = sweep_queued_jobs(
        store=container.store,
        executors={JobKind.BACKTEST: backtests, JobKind.DATA_SYNC: syncs},
        now=NOW,
        older_than=FIVE_MINUTES,
    )

    # Then: each abandoned job is started by the executor of its kind; the fresh one is left alone
    assert (backtests.submitted, syncs.submitted) == ([backtest.job_id], [sync.job_id])
    assert report.started == [backtest.job_id, sync.job_id]
    assert repository.get(fresh_sync.job_id).status is JobStatus.QUEUED
