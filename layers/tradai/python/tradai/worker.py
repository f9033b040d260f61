"""The worker side: run one job in this process (a local worker process or a Fargate task)."""

from __future__ import annotations

from typing import Any

from tradai.bootstrap import build_container
from tradai.observability import configure_logging
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import EventSink, JobReporter, execute, resolve_runner
from tradai.settings import Settings


def run_job(
    job_id: str, settings_values: dict[str, Any], runner_target: str, events: EventSink | None
) -> None:
    """Run the RUNNING job `job_id` with the runner `module:function`, sending events to `events`.

    Args:
        job_id: the job, already marked RUNNING by whoever started this process.
        settings_values: the parent's settings, so the worker uses the same stores.
        runner_target: the function doing the work, e.g. ``tradai.services.backtest_runner:run``.
        events: where watcher messages go (a process queue locally; None in AWS, where streams do it).
    """
    settings = Settings(**settings_values)
    configure_logging(settings.log_level)
    container = build_container(settings)
    reporter = JobReporter(job_id=job_id, jobs=JobRepository(container.store), events=events)
    execute(job_id, runner=resolve_runner(runner_target), reporter=reporter, container=container)
