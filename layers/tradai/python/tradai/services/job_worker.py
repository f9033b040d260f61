"""What a worker process does around a job: report progress, notice cancellation, record the outcome.

The runner function (the backtest itself) only calls `JobReporter.progress(...)` and returns a
`JobOutcome`; everything about storage, throttling and events is here, the same in a local worker
process and in a Fargate task.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from tradai.domain.clock import Clock, utc_now
from tradai.domain.errors import TradaiError, Unavailable
from tradai.domain.jobs import BacktestJob, InvalidTransition, JobStatus
from tradai.services.job_messages import job_update_message, trade_event_message
from tradai.services.job_repository import JobRepository

if TYPE_CHECKING:
    from tradai.bootstrap import Container

log = logging.getLogger(__name__)

MIN_PROGRESS_INTERVAL_SECONDS = 0.25
"""Progress writes are throttled to at most four a second; the last one always goes through."""


class JobCancelled(Exception):
    """Raised inside the runner when the job was cancelled, to unwind it at once."""


class EventSink(Protocol):
    """Where a worker sends the messages watchers should see (a process queue locally)."""

    def put(self, item: tuple[str, dict[str, Any]]) -> None: ...


@dataclass
class JobOutcome:
    """What a successful run leaves behind."""

    result: dict[str, Any]
    reproducibility: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)
    message: str = "Completed"


class JobReporter:
    """The runner's handle on its job: throttled progress, trade events, cancellation checks."""

    def __init__(
        self,
        *,
        job_id: str,
        jobs: JobRepository,
        events: EventSink | None,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job_id = job_id
        self._jobs = jobs
        self._events = events
        self._clock = clock
        self._monotonic = monotonic
        self._last_write = float("-inf")

    def progress(
        self,
        current: int,
        total: int,
        *,
        message: str | None = None,
        current_date: str | None = None,
        trades_executed: int | None = None,
        force: bool = False,
    ) -> None:
        """Record progress (at most a few writes a second unless `force`).

        A write the store cannot take now (`Unavailable`) is skipped, not raised.

        Raises:
            JobCancelled: the job is no longer RUNNING (it was cancelled); stop now.
        """
        now = self._monotonic()
        if not force and current < total and now - self._last_write < MIN_PROGRESS_INTERVAL_SECONDS:
            return
        self._last_write = now
        changes: dict[str, Any] = {"progress": {"current": current, "total": max(total, 1)}}
        if message is not None:
            changes["message"] = message
        if current_date is not None:
            changes["current_date"] = current_date
        if trades_executed is not None:
            changes["trades_executed"] = trades_executed
        try:
            job = self._record(changes)
        except Unavailable as outage:
            # Progress is advisory: a store that is throttled or locked for a moment must not fail
            # hours of work. The next write carries newer figures (and notices a cancel then).
            log.warning("job %s: progress not recorded (%s); carrying on", self.job_id, outage.detail)
            return
        if job is None:
            raise JobCancelled(self.job_id)
        self.publish(job)

    def _record(self, changes: dict[str, Any]) -> BacktestJob | None:
        """Write progress fields to the job; None when it is no longer RUNNING."""
        return self._jobs.record_progress(self.job_id, at=self._clock(), changes=changes)

    def trade(self, trade: dict[str, Any]) -> None:
        """Tell watchers about a trade as it happens (not stored: the full list is an artifact)."""
        if self._events is not None:
            self._events.put((self.job_id, trade_event_message(trade)))

    def publish(self, job: BacktestJob) -> None:
        """Tell watchers the job's current state."""
        if self._events is not None:
            self._events.put((job.job_id, job_update_message(job)))

    def complete(self, outcome: JobOutcome) -> BacktestJob | None:
        """Mark the job COMPLETED with its result; None if it was cancelled meanwhile."""
        now = self._clock()
        return self._finish(
            JobStatus.COMPLETED,
            {
                "result": outcome.result,
                "reproducibility": outcome.reproducibility,
                "artifacts": outcome.artifacts,
                "message": outcome.message,
                "completed_at": now.isoformat(),
            },
            now,
        )

    def fail(self, code: str, message: str) -> BacktestJob | None:
        """Mark the job FAILED with a reason; None if it had already finished otherwise."""
        now = self._clock()
        changes = {
            "error": {"code": code, "message": message},
            "message": message,
            "completed_at": now.isoformat(),
        }
        return self._finish(JobStatus.FAILED, changes, now)

    def _finish(self, status: JobStatus, changes: dict[str, Any], now: datetime) -> BacktestJob | None:
        try:
            job = self._jobs.transition(self.job_id, status, at=now, changes=changes)
        except InvalidTransition:
            log.info("job %s already finished; %s not recorded", self.job_id, status)
            return None
        self.publish(job)
        return job


JobRunner = Callable[[BacktestJob, JobReporter, "Container"], JobOutcome]
"""Does the work of one job with the process's adapters, reporting progress as it goes."""


def resolve_runner(target: str) -> JobRunner:
    """Import a runner named `module:function`."""
    module_name, _, function_name = target.partition(":")
    runner: JobRunner = getattr(importlib.import_module(module_name), function_name)
    return runner


def execute(
    job_id: str,
    *,
    runner: JobRunner,
    reporter: JobReporter,
    container: Container,
    finish: Callable[[JobOutcome], object] | None = None,
) -> bool:
    """Run one RUNNING job to its end: COMPLETED, FAILED with a reason, or stopped if cancelled.

    Args:
        finish: what to do with a successful outcome; by default mark the job COMPLETED (a chunk
            of an AWS job stores its outcome for the aggregate step instead).

    Returns:
        False when the job failed (the worker's exit status says so), True otherwise.
    """
    try:
        job = JobRepository(container.store).get(job_id)
        outcome = runner(job, reporter, container)
    except JobCancelled:
        log.info("job %s was cancelled; stopping", job_id)
        return True
    except TradaiError as error:
        reporter.fail(error.code, error.detail)
        return False
    except Exception as error:  # the job fails with its reason; the worker itself carries on
        log.exception("job %s crashed", job_id)
        reporter.fail("JOB_CRASHED", f"{type(error).__name__}: {error}")
        return False
    try:
        (finish or reporter.complete)(outcome)
    except TradaiError as error:
        # The run succeeded but its result could not be stored (store or bucket down past the
        # client's retries): say so on the job rather than leave it RUNNING behind a crashed worker.
        log.error("job %s: result not stored: %s", job_id, error.detail)
        reporter.fail("RESULT_NOT_STORED", f"the result could not be stored: {error.detail}")
        return False
    return True
