"""The local executor with real worker processes: limits, outcomes, cancel, crashes, restarts."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.jobs.conftest import new_job
from tradai.adapters.process_executor import ProcessJobExecutor
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.domain.clock import utc_now
from tradai.domain.jobs import BacktestJob, JobKind, JobStatus
from tradai.services.job_repository import JobRepository
from tradai.settings import Settings

RUNNERS = "tests.integration.jobs.runners"


class RecordingBus:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def publish(self, job_id: str, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append((job_id, event))

    def of(self, job_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [event for owner, event in self.events if owner == job_id]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
def jobs(settings: Settings) -> JobRepository:
    return JobRepository(SqliteDocumentStore(settings.store_path))


def make_executor(
    settings: Settings, jobs: JobRepository, runner: str, *, workers: int = 2
) -> ProcessJobExecutor:
    return ProcessJobExecutor(
        settings=settings, jobs=jobs, bus=RecordingBus(), workers=workers, runner=f"{RUNNERS}:{runner}"
    )


@pytest.fixture
def running(
    settings: Settings, jobs: JobRepository, request: pytest.FixtureRequest
) -> Iterator[ProcessJobExecutor]:
    executor = make_executor(settings, jobs, request.param)
    executor.start()
    yield executor
    executor.stop()


def submit(jobs: JobRepository, executor: ProcessJobExecutor, count: int = 1) -> list[BacktestJob]:
    made = [new_job(created_at=utc_now()) for _ in range(count)]
    for job in made:
        jobs.create(job)
        executor.submit(job.job_id)
    return made


def wait_for(jobs: JobRepository, job_id: str, *statuses: JobStatus, timeout: float = 60) -> BacktestJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.get(job_id)
        if job.status in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} stayed {jobs.get(job_id).status}, wanted {statuses}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("running", ["quick"], indirect=True)
def test_given_eight_jobs_and_two_workers_when_run_then_all_complete_two_at_a_time(
    running: ProcessJobExecutor, jobs: JobRepository
) -> None:
    # Given / When
    made = submit(jobs, running, 8)
    finished = [wait_for(jobs, job.job_id, JobStatus.COMPLETED) for job in made]

    # Then every job has its result and progress, and no more than two ever overlapped
    assert all(job.result == {"total_return": 0.5, "trades_count": 1} for job in finished)
    assert all(job.progress is not None and job.progress.percentage == 100.0 for job in finished)
    intervals = [(job.started_at, job.completed_at) for job in finished]
    for start, _ in intervals:
        assert start is not None
        overlapping = sum(1 for s, e in intervals if s is not None and e is not None and s <= start < e)
        assert overlapping <= 2


@pytest.mark.parametrize("running", ["quick"], indirect=True)
def test_given_watchers_when_job_runs_then_each_change_and_trades_are_published(
    running: ProcessJobExecutor, jobs: JobRepository
) -> None:
    # Given / When
    (job,) = submit(jobs, running)
    wait_for(jobs, job.job_id, JobStatus.COMPLETED)

    # Then
    bus = running._bus
    assert isinstance(bus, RecordingBus)
    deadline = time.monotonic() + 5
    while (
        not any(event.get("status") == "COMPLETED" for event in bus.of(job.job_id))
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    events = bus.of(job.job_id)
    statuses = [event.get("status") for event in events if "type" not in event]
    assert statuses[0] == "RUNNING"
    assert statuses[-1] == "COMPLETED"
    running_progress = [
        event["progress"]["current"]
        for event in events
        if event.get("status") == "RUNNING" and event["progress"]
    ]
    assert running_progress == [1, 2, 3]
    assert {"type": "trade", "data": {"symbol": "BTC/USDT:USDT", "side": "long", "price": 100.0}} in events


@pytest.mark.parametrize("running", ["hang"], indirect=True)
def test_given_running_job_when_cancelled_then_its_process_is_stopped(
    running: ProcessJobExecutor, jobs: JobRepository
) -> None:
    # Given a job whose worker never reports
    (job,) = submit(jobs, running)
    started = wait_for(jobs, job.job_id, JobStatus.RUNNING)
    deadline = time.monotonic() + 10
    while started.worker_pid is None and time.monotonic() < deadline:
        started = jobs.get(job.job_id)
    assert started.worker_pid is not None
    assert pid_alive(started.worker_pid)

    # When
    jobs.transition(job.job_id, JobStatus.CANCELLED, at=utc_now())
    running.cancel(job.job_id)

    # Then
    assert not pid_alive(started.worker_pid)
    time.sleep(0.5)  # the dispatcher reaps the process; the status must stay CANCELLED
    assert jobs.get(job.job_id).status is JobStatus.CANCELLED


@pytest.mark.parametrize("running", ["slow"], indirect=True)
def test_given_reporting_job_when_cancelled_in_store_only_then_worker_stops_itself(
    running: ProcessJobExecutor, jobs: JobRepository
) -> None:
    (job,) = submit(jobs, running)
    wait_for(jobs, job.job_id, JobStatus.RUNNING)
    jobs.transition(job.job_id, JobStatus.CANCELLED, at=utc_now())
    deadline = time.monotonic() + 10
    while running.running_jobs and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.running_jobs == {}
    assert jobs.get(job.job_id).status is JobStatus.CANCELLED


@pytest.mark.parametrize("running", ["crash"], indirect=True)
def test_given_runner_error_when_run_then_failed_with_reason(
    running: ProcessJobExecutor, jobs: JobRepository
) -> None:
    (job,) = submit(jobs, running)
    failed = wait_for(jobs, job.job_id, JobStatus.FAILED)
    assert failed.error is not None
    assert failed.error.code == "JOB_CRASHED"
    assert "boom" in failed.error.message


@pytest.mark.parametrize("running", ["die"], indirect=True)
def test_given_worker_killed_when_reaped_then_failed_never_stuck_running(
    running: ProcessJobExecutor, jobs: JobRepository
) -> None:
    (job,) = submit(jobs, running)
    failed = wait_for(jobs, job.job_id, JobStatus.FAILED)
    assert failed.error is not None
    assert failed.error.code == "WORKER_DIED"
    assert "-9" in failed.error.message


def test_given_jobs_left_by_a_dead_server_when_a_new_one_starts_then_queued_run_and_running_fail(
    settings: Settings, jobs: JobRepository
) -> None:
    # Given a QUEUED job, a QUEUED sync job, and a sync job stuck RUNNING from before a crash
    queued, orphan = new_job(created_at=utc_now()), new_job(created_at=utc_now(), kind=JobKind.DATA_SYNC)
    queued_sync = new_job(created_at=utc_now(), kind=JobKind.DATA_SYNC)
    for job in (queued, orphan, queued_sync):
        jobs.create(job)
    jobs.transition(orphan.job_id, JobStatus.RUNNING, at=utc_now())

    # When a new server's executor starts
    executor = make_executor(settings, jobs, "quick")
    executor.start()
    try:
        # Then
        assert wait_for(jobs, queued.job_id, JobStatus.COMPLETED).result == {
            "total_return": 0.5,
            "trades_count": 1,
        }
        assert wait_for(jobs, queued_sync.job_id, JobStatus.COMPLETED).kind is JobKind.DATA_SYNC
        lost = jobs.get(orphan.job_id)
        assert lost.status is JobStatus.FAILED
        assert lost.error is not None
        assert lost.error.code == "WORKER_LOST"
    finally:
        executor.stop()
