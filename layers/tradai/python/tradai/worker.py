"""The worker side: run one job, one chunk of a job or one strategy instance in this process (a local
child process or a Fargate task)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tradai.bootstrap import Container, build_container
from tradai.domain.instances import InstanceStatus, StrategyInstance
from tradai.domain.jobs import BacktestJob
from tradai.observability import configure_logging
from tradai.ports import Broker
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import EventSink, JobOutcome, JobReporter, execute, resolve_runner
from tradai.settings import Settings, get_settings


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


def run_instance(instance_id: str, settings: Settings | None = None) -> int:
    """Run the strategy instance `instance_id` in this process until it ends; return the exit code.

    SIGTERM (a local stop, or ECS StopTask) ends the loop gracefully: the instance is recorded
    `stopped` before the process exits.
    """
    import signal

    from tradai.adapters.ccxt_exchange import CcxtExchange
    from tradai.services.instance_parts import build_parts
    from tradai.services.instance_repository import InstanceRepository
    from tradai.services.instance_worker import InstanceLoop

    settings = settings or get_settings()
    configure_logging(settings.log_level)
    container = build_container(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    loop = InstanceLoop(
        instance_id=instance_id,
        repository=InstanceRepository(container.store),
        build=lambda instance: build_parts(
            instance,
            container=container,
            settings=settings,
            brokers=lambda i, prices: _broker(i, prices, settings),
            exchange=CcxtExchange(),
        ),
        poll_seconds=settings.instance_poll_seconds,
        stop_requested=stop.is_set,
    )
    return 1 if loop.run() == InstanceStatus.FAILED else 0


def run_chunk(job_id: str, chunk: int, settings: Settings, *, container: Container | None = None) -> bool:
    """Run chunk `chunk` of the RUNNING job `job_id` (a Fargate task of the backtest state machine).

    The chunk's outcome is stored for the aggregate step; a failure marks the whole job FAILED with
    the chunk's reason. Returns False when the chunk failed, so the task exits non-zero and the
    state machine stops the other chunks. `container` replaces the one `settings` builds (tests).
    """
    from tradai.services.backtest_chunks import chunk_prefix, read_plan, write_outcome
    from tradai.services.backtest_runner import run
    from tradai.services.chunk_progress import ChunkReporter

    configure_logging(settings.log_level)
    container = container or build_container(settings)
    plan = read_plan(container.blobs, job_id, chunk)
    reporter = ChunkReporter(job_id=job_id, store=container.store, chunk=plan.chunk, chunks=plan.chunks)
    prefix = chunk_prefix(job_id, chunk)

    def run_part(job: BacktestJob, reporter: JobReporter, container: Container) -> JobOutcome:
        return run(job, reporter, container, spec=plan.spec, prefix=prefix)

    return execute(
        job_id,
        runner=run_part,
        reporter=reporter,
        container=container,
        finish=lambda outcome: write_outcome(container.blobs, job_id, chunk, outcome),
    )


def run_sync_job(job_id: str, settings: Settings, *, container: Container | None = None) -> bool:
    """Run the QUEUED market-data sync job `job_id` in this process (a Fargate task in AWS).

    The task marks the job RUNNING itself (no state machine does it for syncs); a job cancelled
    before the task started is left alone. Progress and the report go to the job item, as a local
    worker's do. Returns False when the job failed, so the task exits non-zero.
    `container` replaces the one `settings` builds (tests).
    """
    import logging

    from tradai.domain.clock import utc_now
    from tradai.domain.jobs import InvalidTransition, JobKind, JobNotFound, JobStatus
    from tradai.services.sync_jobs import run

    configure_logging(settings.log_level)
    container = container or build_container(settings)
    jobs = JobRepository(container.store)
    now = utc_now()
    log = logging.getLogger(__name__)
    try:
        jobs.get(job_id, kind=JobKind.DATA_SYNC)
        jobs.transition(job_id, JobStatus.RUNNING, at=now, changes={"started_at": now.isoformat()})
    except JobNotFound:
        log.error("no sync job %s to run", job_id)
        return False
    except InvalidTransition as error:
        log.warning("sync job %s not run: %s", job_id, error)
        return True  # cancelled (or failed as lost) before this task started: nothing to do
    reporter = JobReporter(job_id=job_id, jobs=jobs, events=None)
    return execute(job_id, runner=run, reporter=reporter, container=container)


def _broker(instance: StrategyInstance, prices: Callable[[str], float | None], settings: Settings) -> Broker:
    """The paper broker for a dry-run (filling at the feed's next price), the exchange account for live.

    Live is checked again here, where the orders go: the server's setting and the account's keys.
    """
    from tradai.bootstrap import build_paper_broker

    if instance.mode != "live":
        return build_paper_broker(settings, prices=prices)
    from tradai.adapters.exchange_keys import exchange_keys
    from tradai.bootstrap import boto3_client, build_ccxt_broker
    from tradai.domain.instances import LiveTradingDisabled

    if not settings.live_trading:
        raise LiveTradingDisabled(
            "live trading is off (TRADAI_LIVE_TRADING): this live instance cannot trade"
        )
    key, secret = exchange_keys(settings, instance.exchange, secrets=boto3_client(settings, "secretsmanager"))
    return build_ccxt_broker(settings, instance.exchange, api_key=key, secret=secret)
