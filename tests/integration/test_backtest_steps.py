"""The state machine's work done in-process on moto (DynamoDB + S3), with the inputs it passes.

Plan Lambda -> `tradai worker backtest --job-id --chunk` per chunk -> aggregate Lambda, in the
order the state machine runs them (the DynamoDB steps around them run on moto in
tests/integration/statemachine/). A sweep split into chunks ends exactly as the local runner's
single run: the same winner, table, summary and artifacts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.fakes import FakeMarketData, local_container
from tests.integration.conftest import BUCKET, REGION, TABLE, create_resources
from tests.integration.jobs.test_backtest_runner import SPEC
from tests.integration.jobs.test_user_strategy_jobs import USER_STRATEGY
from tests.integration.test_lambda_instruments import emitted_metrics
from tradai import backtest_steps
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.adapters.engine_catalog import EngineStrategyCatalog
from tradai.adapters.s3_blobs import S3BlobStore
from tradai.bootstrap import Container
from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.clock import utc_now
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.services import backtest_runner
from tradai.services.backtest_chunks import merge
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import JobReporter
from tradai.settings import get_settings
from tradai.worker import run_chunk

JOB_ID = load_event("backtest_plan/plan_job")["job_id"]
SWEEP: dict[str, Any] = {
    **SPEC,
    "mode": "sweep",
    "parameter_space": {"fast": [3, 5, 8, 13], "slow": [20, 40]},
    "objective": "sharpe",
}


@pytest.fixture
def steps_env(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    """The Lambdas' settings (one chunk per value of `fast`), and the worker's container on moto."""
    monkeypatch.setenv("TRADAI_BACKTEST_MIN_SETS_PER_CHUNK", "1")
    get_settings.cache_clear()
    backtest_steps._container.cache_clear()
    create_resources()
    yield Container(
        settings=get_settings(),
        store=DynamoDocumentStore(TABLE, client=boto3.client("dynamodb", region_name=REGION)),
        blobs=S3BlobStore(BUCKET, client=boto3.client("s3", region_name=REGION)),
        strategies=EngineStrategyCatalog(),
        market_data=FakeMarketData.walking(),
    )
    backtest_steps._container.cache_clear()


def running_job(container: Container, request: dict[str, Any]) -> None:
    """A job as the state machine's MarkRunning leaves it."""
    now = utc_now()
    spec = BacktestSpec.model_validate(request).model_dump(mode="json")
    jobs = JobRepository(container.store)
    jobs.create(
        BacktestJob(
            job_id=JOB_ID, owner="alice", strategy_name="sma_cross", strategy_version="1.0.0",
            request=spec, created_at=now, updated_at=now,
        )
    )  # fmt: skip
    jobs.transition(JOB_ID, JobStatus.RUNNING, at=now)


def invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = load_handler(function).lambda_handler(event, FakeLambdaContext())
    return result


def test_given_sweep_when_planned_run_and_aggregated_then_it_equals_one_local_run(
    steps_env: Container, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given
    running_job(steps_env, SWEEP)

    # When: the state machine's steps, in order
    planned = invoke("backtest_plan", load_event("backtest_plan/plan_job"))
    ran = [
        run_chunk(JOB_ID, int(chunk), steps_env.settings, container=steps_env) for chunk in planned["chunks"]
    ]
    aggregated = invoke("backtest_aggregate", {"job_id": JOB_ID, "chunks": planned["chunks"]})

    # Then: one chunk per value of the first parameter, all run, the job COMPLETED with full progress
    assert planned == {"job_id": JOB_ID, "chunks": ["0", "1", "2", "3"]}
    published = emitted_metrics(capsys.readouterr().out)
    assert published["BacktestChunksPlanned"] == [4.0]
    assert published["BacktestsCompleted"] == [1.0]
    assert ran == [True] * 4
    assert aggregated == {"job_id": JOB_ID, "status": "COMPLETED"}
    job = JobRepository(steps_env.store).get(JOB_ID)
    assert job.progress is not None
    assert job.progress.current == job.progress.total == 4000

    # And the same result as the local runtime's one run of the whole sweep
    local = local_container(tmp_path)
    jobs = JobRepository(local.store)
    running_job(local, SWEEP)
    expected = backtest_runner.run(
        jobs.get(JOB_ID), JobReporter(job_id=JOB_ID, jobs=jobs, events=None), local
    )
    assert job.result == expected.result
    assert job.reproducibility == expected.reproducibility
    aws_metrics = json.loads(steps_env.blobs.get(job.artifacts["metrics"]))
    local_metrics = json.loads(local.blobs.get(expected.artifacts["metrics"]))
    assert aws_metrics == local_metrics
    for artifact in ("trades", "equity_preview"):
        assert steps_env.blobs.get(job.artifacts[artifact]) == local.blobs.get(expected.artifacts[artifact])


def test_given_single_run_when_planned_then_one_chunk_and_its_artifacts_are_the_jobs(
    steps_env: Container,
) -> None:
    # Given
    running_job(steps_env, SPEC)

    # When
    planned = invoke("backtest_plan", {"job_id": JOB_ID})
    assert run_chunk(JOB_ID, 0, steps_env.settings, container=steps_env)
    invoke("backtest_aggregate", {"job_id": JOB_ID, "chunks": planned["chunks"]})

    # Then
    assert planned["chunks"] == ["0"]
    job = JobRepository(steps_env.store).get(JOB_ID)
    assert job.status is JobStatus.COMPLETED
    assert job.result is not None
    assert job.result["trades_count"] > 0
    assert json.loads(steps_env.blobs.get(job.artifacts["metrics"]))["metrics"]["trades_count"] > 0


def test_given_a_user_strategy_in_the_workers_strategy_path_when_its_sweep_runs_in_chunks_then_it_completes(
    steps_env: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: the worker's environment names the strategies folder (the image bakes it in: docs/deploy.md)
    (tmp_path / "user_cross.py").write_text(USER_STRATEGY)
    monkeypatch.setenv("TRADAI_STRATEGY_PATH", str(tmp_path))
    get_settings.cache_clear()
    worker = replace(steps_env, settings=get_settings())
    running_job(worker, {**SWEEP, "strategy_config": {"name": "user_cross", "parameters": {}}})

    # When: planned, each chunk run as `tradai worker backtest` runs it, and aggregated
    planned = invoke("backtest_plan", {"job_id": JOB_ID})
    ran = [run_chunk(JOB_ID, int(chunk), worker.settings, container=worker) for chunk in planned["chunks"]]
    aggregated = invoke("backtest_aggregate", {"job_id": JOB_ID, "chunks": planned["chunks"]})

    # Then: every chunk ran the user's strategy, and the job completed with its trades
    assert len(ran) == 4
    assert all(ran)
    assert aggregated == {"job_id": JOB_ID, "status": "COMPLETED"}
    job = JobRepository(worker.store).get(JOB_ID)
    assert job.result is not None
    assert job.result["trades_count"] > 0
    assert job.reproducibility is not None
    assert job.reproducibility["strategy"] == "user_cross"


def test_given_chunk_without_market_data_when_run_then_job_failed_with_its_reason(
    steps_env: Container,
) -> None:
    # Given: a symbol the market data store does not have
    running_job(steps_env, {**SPEC, "symbols": ["ETH/USDT:USDT"]})
    invoke("backtest_plan", {"job_id": JOB_ID})

    # When
    succeeded = run_chunk(JOB_ID, 0, steps_env.settings, container=steps_env)

    # Then: the task exits non-zero and the job says why (the state machine's MarkFailed keeps it)
    assert not succeeded
    job = JobRepository(steps_env.store).get(JOB_ID)
    assert job.status is JobStatus.FAILED
    assert job.error is not None
    assert job.error.code != "EXECUTION_FAILED"


def test_given_job_cancelled_when_chunk_runs_then_it_stops_and_aggregate_leaves_it(
    steps_env: Container,
) -> None:
    # Given
    running_job(steps_env, SPEC)
    planned = invoke("backtest_plan", {"job_id": JOB_ID})
    JobRepository(steps_env.store).transition(JOB_ID, JobStatus.CANCELLED, at=utc_now())

    # When
    succeeded = run_chunk(JOB_ID, 0, steps_env.settings, container=steps_env)
    aggregated = invoke("backtest_aggregate", {"job_id": JOB_ID, "chunks": planned["chunks"]})

    # Then
    assert succeeded  # a cancelled chunk is not a failure
    assert aggregated["status"] == "CANCELLED"
    assert not steps_env.blobs.exists(f"backtests/{JOB_ID}/chunks/0/outcome.json")


def test_given_unknown_job_when_planned_then_the_step_fails(steps_env: Container) -> None:
    from tradai.domain.jobs import JobNotFound

    with pytest.raises(JobNotFound):
        invoke("backtest_plan", {"job_id": JOB_ID})


def test_given_aggregate_retried_when_its_first_attempt_died_mid_way_or_after_completing_then_one_same_result(
    steps_env: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given: every chunk ran, and a first aggregate attempt merged and wrote the metrics, then died
    # before completing the job (the state machine retries Lambda.ServiceException and timeouts)
    running_job(steps_env, {**SWEEP, "parameter_space": {"fast": [3, 5], "slow": [20]}})
    chunks = invoke("backtest_plan", {"job_id": JOB_ID})["chunks"]
    assert len(chunks) == 2
    for chunk in chunks:
        run_chunk(JOB_ID, int(chunk), steps_env.settings, container=steps_env)
    merge(JobRepository(steps_env.store).get(JOB_ID), blobs=steps_env.blobs, chunks=chunks)
    capsys.readouterr()

    # When: the retry, and a retry of the retry whose answer was lost after it completed the job
    first = invoke("backtest_aggregate", {"job_id": JOB_ID, "chunks": chunks})
    completed = JobRepository(steps_env.store).get(JOB_ID)
    metrics_file = steps_env.blobs.get(completed.artifacts["metrics"])
    second = invoke("backtest_aggregate", {"job_id": JOB_ID, "chunks": chunks})

    # Then: completed once, with the result and files of the first completion
    assert first == second == {"job_id": JOB_ID, "status": "COMPLETED"}
    assert emitted_metrics(capsys.readouterr().out)["BacktestsCompleted"] == [1.0]
    again = JobRepository(steps_env.store).get(JOB_ID)
    assert again == completed
    assert steps_env.blobs.get(again.artifacts["metrics"]) == metrics_file


def test_given_the_sample_aggregate_event_when_its_three_chunks_ran_then_the_job_completes(
    steps_env: Container,
) -> None:
    # Given: a sweep planned into the three chunks the sample event names, each run by the worker
    running_job(steps_env, {**SWEEP, "parameter_space": {"fast": [3, 5, 8], "slow": [20]}})
    event = load_event("backtest_aggregate/aggregate_job")
    assert invoke("backtest_plan", load_event("backtest_plan/plan_job")) == event
    assert all(
        run_chunk(JOB_ID, int(chunk), steps_env.settings, container=steps_env) for chunk in event["chunks"]
    )

    # When
    answer = invoke("backtest_aggregate", event)

    # Then: the job holds the merged result of all three parameter sets
    assert answer == {"job_id": JOB_ID, "status": "COMPLETED"}
    job = JobRepository(steps_env.store).get(JOB_ID)
    assert job.status is JobStatus.COMPLETED
    assert job.result is not None
    assert job.progress is not None
    assert job.progress.current == job.progress.total
    assert job.artifacts["metrics"]
