"""The backtest state machine's own paths, executed on moto's Step Functions.

moto runs Pass, Choice, Map, Fail and DynamoDB tasks but neither Lambda nor `ecs:runTask.sync`, so
those steps are replaced by Pass states (or a failing chunk); the DynamoDB steps run for real
against the same table layout the store adapter writes, and the job is read back through
`JobRepository` (status indexes included).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.integration.statemachine.asl import DEFINITION, PLACEHOLDER, README, sample_values, substituted
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.services.job_repository import JobRepository
from tradai.table_design import create_table_request

REGION = "eu-central-1"
TABLE = "tradai-sfn-test"
JOB_ID = "0b6f2c1e-8d4f-4c1a-9a57-3f1e2d4c5b6a"
ROLE = "arn:aws:iam::123456789012:role/tradai-backtest-state-machine"


@pytest.fixture
def sfn_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(**create_table_request(TABLE))
        yield boto3.client("stepfunctions", region_name=REGION)


def jobs() -> JobRepository:
    return JobRepository(DynamoDocumentStore(TABLE, client=boto3.client("dynamodb", region_name=REGION)))


def store_job(status: JobStatus = JobStatus.QUEUED) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    job = BacktestJob(
        job_id=JOB_ID, owner="alice", strategy_name="sma_cross", strategy_version="1.0.0",
        request={}, created_at=now, updated_at=now,
    )  # fmt: skip
    jobs().create(job)
    if status is not JobStatus.QUEUED:
        jobs().transition(JOB_ID, status, at=now)


def runnable(chunk: dict[str, Any]) -> dict[str, Any]:
    """The deployed definition with Plan and Aggregate as Pass states and each chunk run by `chunk`."""
    definition = substituted(sample_values(TABLE))
    states = definition["States"]
    plan = {"chunks": ["0", "1", "2"]}
    states["Plan"] = {"Type": "Pass", "Result": plan, "ResultPath": "$.plan", "Next": "RunChunks"}
    aggregated = {"status": "COMPLETED"}
    states["Aggregate"] = {"Type": "Pass", "Result": aggregated, "ResultPath": "$.outcome", "Next": "Done"}
    states["RunChunks"]["ItemProcessor"]["States"] = chunk
    return definition


CHUNK_SUCCEEDS = {"RunChunk": {"Type": "Pass", "End": True}}
CHUNK_FAILS = {"RunChunk": {"Type": "Fail", "Error": "WorkerExited", "Cause": "exit code 137"}}


def run(sfn: Any, definition: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    machine = sfn.create_state_machine(name="backtest", definition=json.dumps(definition), roleArn=ROLE)
    execution = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], name=JOB_ID, input=json.dumps({"job_id": JOB_ID})
    )["executionArn"]
    deadline = time.monotonic() + 30
    while (status := sfn.describe_execution(executionArn=execution)["status"]) == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not finish"
        time.sleep(0.05)  # polling the execution's status, not waiting for an effect
    return status, sfn.get_execution_history(executionArn=execution)["events"]


def entered(history: list[dict[str, Any]]) -> list[str]:
    return [
        event["stateEnteredEventDetails"]["name"] for event in history if "stateEnteredEventDetails" in event
    ]


def test_given_queued_job_when_executed_then_running_with_every_chunk_run(sfn_env: Any) -> None:
    # Given
    store_job()

    # When
    status, history = run(sfn_env, runnable(CHUNK_SUCCEEDS))

    # Then: marked RUNNING in a form the repository reads and the status index lists
    assert status == "SUCCEEDED"
    job = jobs().get(JOB_ID)
    assert job.status is JobStatus.RUNNING
    assert job.started_at is not None
    assert [found.job_id for found in jobs().list(status=JobStatus.RUNNING).jobs] == [JOB_ID]
    assert jobs().list(status=JobStatus.QUEUED).jobs == []
    chunk_inputs = [
        json.loads(event["stateEnteredEventDetails"]["input"])
        for event in history
        if event.get("stateEnteredEventDetails", {}).get("name") == "RunChunk"
    ]
    assert sorted(chunk_inputs, key=lambda item: item["chunk"]) == [
        {"job_id": JOB_ID, "chunk": chunk} for chunk in ("0", "1", "2")
    ]
    assert entered(history)[-2:] == ["Aggregate", "Done"]


def test_given_a_chunk_fails_when_executed_then_job_failed_with_the_cause(sfn_env: Any) -> None:
    # Given
    store_job()

    # When
    status, history = run(sfn_env, runnable(CHUNK_FAILS))

    # Then
    assert status == "FAILED"
    assert "Aggregate" not in entered(history)
    job = jobs().get(JOB_ID)
    assert job.status is JobStatus.FAILED
    assert job.error is not None
    assert job.error.code == "EXECUTION_FAILED"
    assert "WorkerExited" in job.error.message
    assert "exit code 137" in job.error.message
    assert [found.job_id for found in jobs().list(status=JobStatus.FAILED).jobs] == [JOB_ID]


def test_given_job_cancelled_while_queued_when_executed_then_nothing_runs(sfn_env: Any) -> None:
    # Given
    store_job(JobStatus.CANCELLED)

    # When
    status, history = run(sfn_env, runnable(CHUNK_SUCCEEDS))

    # Then
    assert status == "SUCCEEDED"
    assert entered(history) == ["MarkRunning", "NotQueued"]
    assert jobs().get(JOB_ID).status is JobStatus.CANCELLED


def test_given_worker_failed_the_job_itself_when_execution_fails_then_its_reason_is_kept(
    sfn_env: Any,
) -> None:
    # Given: a chunk that records the job's own reason (as the worker does), then exits non-zero
    store_job()
    worker_fails_job = {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": TABLE,
            "Key": {"pk": {"S.$": "States.Format('JOB#{}', $.job_id)"}, "sk": {"S": "JOB"}},
            "UpdateExpression": "SET #status = :failed, #error = :error",
            "ExpressionAttributeNames": {"#status": "status", "#error": "error"},
            "ExpressionAttributeValues": {
                ":failed": {"S": "FAILED"},
                ":error": {"M": {"code": {"S": "NO_MARKET_DATA"}, "message": {"S": "no bars"}}},
            },
        },
        "ResultPath": None,
        "Next": "Exit",
    }
    chunk = {"RunChunk": worker_fails_job, "Exit": CHUNK_FAILS["RunChunk"]}

    # When
    status, history = run(sfn_env, runnable(chunk))

    # Then
    assert status == "FAILED"
    assert "MarkFailed" in entered(history)
    job = jobs().get(JOB_ID)
    assert job.error is not None
    assert job.error.code == "NO_MARKET_DATA"


def test_given_the_definition_then_every_substitution_key_is_documented_and_used() -> None:
    # Given
    used = set(PLACEHOLDER.findall(DEFINITION.read_text()))
    documented = set(PLACEHOLDER.findall(README.read_text()))

    # Then: the CDK construct can rely on the README's table
    assert used == documented
    assert used == set(sample_values(TABLE))


def test_given_the_definition_then_every_task_has_a_timeout_and_every_failure_is_caught() -> None:
    # Given
    states = substituted(sample_values(TABLE))["States"]
    inner = states["RunChunks"]["ItemProcessor"]["States"]

    # Then
    for name, state in {**states, **inner}.items():
        if state["Type"] == "Task":
            assert state.get("TimeoutSeconds"), name
            assert any(retry.get("JitterStrategy") == "FULL" for retry in state.get("Retry", [])), name
    for name in ("MarkRunning", "Plan", "RunChunks", "Aggregate"):
        assert any("States.ALL" in catch["ErrorEquals"] for catch in states[name]["Catch"]), name
    assert states["RunChunks"]["MaxConcurrency"] > 0


def test_given_largest_plan_when_every_chunk_hangs_then_chunk_timeouts_fire_before_the_executions() -> None:
    # Given: every chunk of the largest plan hangs until its own timeout (a stuck Fargate task)
    states = substituted(sample_values(TABLE))["States"]
    chunk = states["RunChunks"]["ItemProcessor"]["States"]["RunChunk"]
    waves = math.ceil(max_chunks_allowed() / states["RunChunks"]["MaxConcurrency"])
    around = sum(
        states[name]["TimeoutSeconds"] for name in ("MarkRunning", "Plan", "Aggregate", "MarkFailed")
    )

    # Then: the state-level timeout (caught, MarkFailed with the cause) is what ends it, inside the
    # machine, and not the execution's own timeout (which only the EventBridge rule sees)
    assert chunk["Resource"] == "arn:aws:states:::ecs:runTask.sync"
    assert waves * chunk["TimeoutSeconds"] + around < states_timeout(), "lower the chunk cap or timeout"
    assert "States.Timeout" not in json.dumps(chunk.get("Retry", []))  # a hung chunk is not run again


def max_chunks_allowed() -> int:
    from annotated_types import Le

    from tradai.settings import Settings

    [cap] = [
        rule.le for rule in Settings.model_fields["backtest_max_chunks"].metadata if isinstance(rule, Le)
    ]
    return int(cap)


def states_timeout() -> int:
    return int(substituted(sample_values(TABLE))["TimeoutSeconds"])


def test_given_the_chunk_task_then_it_runs_the_workers_whole_backtest_command() -> None:
    # Given: the image has no entry point, so the override is the whole command
    chunk = substituted(sample_values(TABLE))["States"]["RunChunks"]["ItemProcessor"]["States"]["RunChunk"]
    [container] = chunk["Parameters"]["Overrides"]["ContainerOverrides"]

    # Then
    assert container["Name"] == "worker"
    assert container["Command.$"] == (
        "States.Array('tradai', 'worker', 'backtest', '--job-id', $.job_id, '--chunk', $.chunk)"
    )
