"""A stored job its executor cannot start is FAILED, never left QUEUED; a replay starts a QUEUED job."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import local_container
from tests.unit.jobs.conftest import T0, RecordingExecutor
from tests.unit.jobs.test_submit_backtest import BODY
from tradai.bootstrap import Container
from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.clock import utc_now
from tradai.domain.errors import Unavailable
from tradai.domain.jobs import JobStatus
from tradai.ports import JobExecutor
from tradai.services.backtest_submission import Submission, submit_backtest
from tradai.services.job_repository import JobRepository
from tradai.services.job_start import JobNotStarted

NOW = utc_now()  # idempotency records expire after 24 h of the real clock


class RefusingExecutor:
    """Step Functions saying no (after botocore's retries)."""

    def submit(self, job_id: str) -> None:
        raise Unavailable(
            "Step Functions refused StartExecution: AccessDeniedException", retry_after_seconds=7
        )

    def cancel(self, job_id: str) -> None:
        """Nothing to stop."""


class LostAnswerExecutor:
    """The execution started (and marked the job RUNNING) but the answer never came back."""

    def __init__(self, jobs: JobRepository) -> None:
        self._jobs = jobs

    def submit(self, job_id: str) -> None:
        self._jobs.transition(job_id, JobStatus.RUNNING, at=T0)
        raise Unavailable("Step Functions could not be reached: read timeout")

    def cancel(self, job_id: str) -> None:
        """Nothing to stop."""


def submit(container: Container, executor: JobExecutor | None, key: str | None = "k1") -> Submission:
    assert container.strategies is not None
    return submit_backtest(
        store=container.store,
        catalog=container.strategies,
        bars=container.market_data,
        executor=executor,
        spec=BacktestSpec.model_validate(BODY),
        owner="alice",
        idempotency_key=key,
        now=NOW,
    )


@pytest.fixture
def container(tmp_path: Path) -> Container:
    return local_container(tmp_path)


def test_given_executor_refuses_when_submitted_then_job_failed_with_cause_and_503_error(
    container: Container,
) -> None:
    # When
    with pytest.raises(JobNotStarted) as raised:
        submit(container, RefusingExecutor())

    # Then: the caller learns why and when to retry; the job says why it never ran
    assert raised.value.code == "JOB_NOT_STARTED"
    assert raised.value.retry_after_seconds == 7
    [job] = JobRepository(container.store).list().jobs
    assert job.status is JobStatus.FAILED
    assert job.error is not None
    assert job.error.code == "JOB_NOT_STARTED"
    assert "AccessDeniedException" in job.error.message
    assert job.completed_at == NOW


def test_given_refused_submission_when_retried_with_its_key_then_a_new_job_is_started(
    container: Container,
) -> None:
    # Given
    with pytest.raises(JobNotStarted):
        submit(container, RefusingExecutor())
    executor = RecordingExecutor()

    # When
    retried = submit(container, executor)

    # Then
    assert retried.created
    assert retried.job.status is JobStatus.QUEUED
    assert executor.submitted == [retried.job.job_id]
    assert JobRepository(container.store).count(status=JobStatus.FAILED) == 1


def test_given_start_whose_answer_was_lost_when_submitted_then_the_running_job_is_returned(
    container: Container,
) -> None:
    # When
    submission = submit(container, LostAnswerExecutor(JobRepository(container.store)))

    # Then: the job started after all; nothing is marked FAILED
    assert submission.job.status is JobStatus.RUNNING
    assert JobRepository(container.store).get(submission.job.job_id).status is JobStatus.RUNNING


def test_given_job_stored_but_never_started_when_replayed_then_it_is_started(container: Container) -> None:
    # Given: the first call stored the job and died before reaching the executor
    first = submit(container, executor=None)
    executor = RecordingExecutor()

    # When: the client retries with the same key
    replay = submit(container, executor)

    # Then
    assert not replay.created
    assert replay.job.job_id == first.job.job_id
    assert executor.submitted == [first.job.job_id]


def test_given_finished_job_when_replayed_then_not_started_again(container: Container) -> None:
    # Given
    first = submit(container, executor=None)
    jobs = JobRepository(container.store)
    jobs.transition(first.job.job_id, JobStatus.CANCELLED, at=T0)
    executor = RecordingExecutor()

    # When
    submit(container, executor)

    # Then
    assert executor.submitted == []
