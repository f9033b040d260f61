"""Job storage: atomic transitions, newest-first lists, and lists that survive damaged documents."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.unit.jobs.conftest import T0
from tradai.bootstrap import Container
from tradai.domain.jobs import BacktestJob, InvalidTransition, JobNotFound, JobStatus
from tradai.domain.store import IndexKey, Key, Record
from tradai.services.job_repository import JobRepository


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (JobStatus.QUEUED, JobStatus.RUNNING, True),
        (JobStatus.QUEUED, JobStatus.CANCELLED, True),
        (JobStatus.RUNNING, JobStatus.COMPLETED, True),
        (JobStatus.RUNNING, JobStatus.CANCELLED, True),
        (JobStatus.QUEUED, JobStatus.COMPLETED, False),
        (JobStatus.COMPLETED, JobStatus.CANCELLED, False),
        (JobStatus.CANCELLED, JobStatus.RUNNING, False),
        (JobStatus.FAILED, JobStatus.COMPLETED, False),
    ],
)
def test_given_job_in_status_when_transitioned_then_only_allowed_moves_happen(
    repository: JobRepository,
    stored_job: Callable[..., BacktestJob],
    start: JobStatus,
    target: JobStatus,
    allowed: bool,
) -> None:
    # Given
    job = stored_job(start)

    # When / Then
    if allowed:
        assert repository.transition(job.job_id, target, at=T0).status is target
    else:
        with pytest.raises(InvalidTransition) as refused:
            repository.transition(job.job_id, target, at=T0)
        assert refused.value.current is start
        assert repository.get(job.job_id).status is start


def test_given_running_job_when_cancel_races_completion_then_exactly_one_terminal_state(
    repository: JobRepository, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given
    job = stored_job(JobStatus.RUNNING)

    # When both writers try
    repository.transition(job.job_id, JobStatus.CANCELLED, at=T0)
    with pytest.raises(InvalidTransition):
        repository.transition(
            job.job_id, JobStatus.COMPLETED, at=T0, changes={"result": {"total_return": 1.0}}
        )

    # Then
    stored = repository.get(job.job_id)
    assert stored.status is JobStatus.CANCELLED
    assert stored.result is None


def test_given_jobs_when_listed_then_newest_first_paged_and_filtered_by_status(
    repository: JobRepository, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given 5 jobs a minute apart; the two newest completed
    made = [
        stored_job(JobStatus.COMPLETED if minute >= 3 else JobStatus.QUEUED, minutes=minute)
        for minute in range(5)
    ]

    # When
    first = repository.list(limit=3)
    second = repository.list(limit=3, cursor=first.cursor)
    completed = repository.list(status=JobStatus.COMPLETED)

    # Then
    newest_first = [job.job_id for job in reversed(made)]
    assert [job.job_id for job in first.jobs + second.jobs] == newest_first
    assert second.cursor is None
    assert [job.job_id for job in completed.jobs] == newest_first[:2]
    assert repository.count() == 5
    assert repository.count(status=JobStatus.QUEUED) == 3


def test_given_status_change_when_listed_by_status_then_job_moves_between_lists(
    repository: JobRepository, stored_job: Callable[..., BacktestJob]
) -> None:
    job = stored_job(JobStatus.QUEUED)
    repository.transition(job.job_id, JobStatus.RUNNING, at=T0)
    assert repository.list(status=JobStatus.QUEUED).jobs == []
    assert [j.job_id for j in repository.list(status=JobStatus.RUNNING).jobs] == [job.job_id]


def test_given_a_damaged_document_when_listed_then_it_is_skipped_and_the_rest_list(
    container: Container, repository: JobRepository, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given
    good = stored_job(JobStatus.QUEUED)
    container.store.put(
        Record(
            Key("JOB#broken", "JOB"), {"status": "NOT_A_STATUS"}, indexes={"gsi1": IndexKey("JOBS", "9999")}
        )
    )

    # When / Then
    assert [job.job_id for job in repository.list().jobs] == [good.job_id]


def test_given_unknown_job_when_read_or_transitioned_then_job_not_found(repository: JobRepository) -> None:
    with pytest.raises(JobNotFound):
        repository.get("nope")
    with pytest.raises(JobNotFound):
        repository.transition("nope", JobStatus.CANCELLED, at=T0)


def test_given_cancelled_job_when_progress_recorded_then_refused_so_the_worker_stops(
    repository: JobRepository, stored_job: Callable[..., BacktestJob]
) -> None:
    job = stored_job(JobStatus.RUNNING)
    assert repository.record_progress(job.job_id, at=T0, changes={"message": "50%"}) is not None
    repository.transition(job.job_id, JobStatus.CANCELLED, at=T0)
    assert repository.record_progress(job.job_id, at=T0, changes={"message": "60%"}) is None
    assert repository.get(job.job_id).message != "60%"
