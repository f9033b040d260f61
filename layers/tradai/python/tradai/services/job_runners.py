"""The worker's runner for every kind of job: it hands each job to the runner of its kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradai.domain.jobs import BacktestJob, JobKind
from tradai.services.job_worker import JobOutcome, JobReporter

if TYPE_CHECKING:
    from tradai.bootstrap import Container


def run(job: BacktestJob, reporter: JobReporter, container: Container) -> JobOutcome:
    """Run `job` with the runner of its kind (imported here: each pulls in different libraries)."""
    if job.kind is JobKind.DATA_SYNC:
        from tradai.services import sync_jobs

        return sync_jobs.run(job, reporter, container)
    from tradai.services import backtest_runner

    return backtest_runner.run(job, reporter, container)
